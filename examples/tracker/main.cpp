// An application recording its own operations with the perfgate tracker: time(), scope() and
// record(), one of them failing. Writes perf-metrics.jsonl (or the path given as the first
// argument), which `perfgate report` reads. Exits 1 if a record was lost.
#include <perfgate/tracker.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace {

int register_agents(int count) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return count;
}

void load_config() { throw std::runtime_error("config.yaml not found"); }

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "perf-metrics.jsonl";
  perfgate::Tracker tracker(path);

  // time(): how long the call took; its result is passed through.
  const int registered = tracker.time("agent_register", [] { return register_agents(5); },
                                      {{"agents", 5}, {"region", "eu"}});

  // An exception is recorded as a failure with its message, then rethrown.
  try {
    tracker.time("config_load", [] { load_config(); });
  } catch (const std::exception&) {
    // The application deals with it as it would have anyway.
  }

  // scope(): recorded when `delivery` goes out of scope.
  {
    auto delivery = tracker.scope("webhook_delivery", {{"attempt", 1}});
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    delivery.context("status", 503);
    delivery.fail("callback returned 503");
  }

  // record(): a duration measured elsewhere.
  tracker.record("queue_wait", 12.5, true, {{"queue", "jobs"}, {"depth", 17}});

  tracker.flush();
  std::printf("registered %d agents; session %s; %llu dropped, %llu write errors; see %s\n", registered,
              tracker.session_id().c_str(), static_cast<unsigned long long>(tracker.dropped()),
              static_cast<unsigned long long>(tracker.write_errors()), path);
  return tracker.dropped() == 0 && tracker.write_errors() == 0 ? 0 : 1;
}
