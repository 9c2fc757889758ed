// A scripted Executor for testing the `perfgate cmd` run loop and statistics without
// spawning processes (hyperfine's MockExecutor). Results come, in this order of preference,
// from the queue, from the script function, or from the fallback measurement; every spec it
// is asked to run is recorded.
//
//   FakeExecutor fake;
//   fake.enqueue(FakeExecutor::success(std::chrono::milliseconds(10)));
//   fake.enqueue(FakeExecutor::exited(1, std::chrono::milliseconds(12)));
//   ... run the benchmark with `fake` ...
//   EXPECT_EQ(fake.runs().size(), 2u);
//   EXPECT_EQ(fake.runs()[0].argv[0], "sh");
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cmd/process.hpp"

namespace perfgate::testing {

class FakeExecutor : public cmd::Executor {
 public:
  using Script = std::function<cmd::ProcessMeasurement(const cmd::ProcessSpec&)>;

  // Without a queue or a script every run succeeds in 1 ms.
  FakeExecutor() = default;
  explicit FakeExecutor(Script script) : script_(std::move(script)) {}

  cmd::ProcessMeasurement run(const cmd::ProcessSpec& spec) override {
    runs_.push_back(spec);
    if (!queue_.empty()) {
      cmd::ProcessMeasurement next = std::move(queue_.front());
      queue_.pop_front();
      return next;
    }
    if (script_) return script_(spec);
    return fallback_;
  }

  // Results handed out one per run, before the script or fallback is consulted.
  FakeExecutor& enqueue(cmd::ProcessMeasurement measurement) {
    queue_.push_back(std::move(measurement));
    return *this;
  }
  // Queues `count` copies of `measurement`.
  FakeExecutor& enqueue(cmd::ProcessMeasurement measurement, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) queue_.push_back(measurement);
    return *this;
  }
  FakeExecutor& set_script(Script script) {
    script_ = std::move(script);
    return *this;
  }
  FakeExecutor& set_fallback(cmd::ProcessMeasurement measurement) {
    fallback_ = std::move(measurement);
    return *this;
  }

  // Every spec run so far, in order.
  const std::vector<cmd::ProcessSpec>& runs() const { return runs_; }
  std::size_t queued() const { return queue_.size(); }

  // A successful run taking `wall`, with the given CPU times and peak RSS.
  static cmd::ProcessMeasurement success(std::chrono::nanoseconds wall, std::chrono::nanoseconds user = {},
                                         std::chrono::nanoseconds system = {}, std::int64_t max_rss_bytes = 0) {
    cmd::ProcessMeasurement measurement;
    measurement.started = true;
    measurement.wall_ns = wall.count();
    measurement.user_ns = user.count();
    measurement.system_ns = system.count();
    measurement.max_rss_bytes = max_rss_bytes;
    return measurement;
  }
  // A run that ended with `exit_code`.
  static cmd::ProcessMeasurement exited(int exit_code, std::chrono::nanoseconds wall) {
    cmd::ProcessMeasurement measurement = success(wall);
    measurement.exit_code = exit_code;
    return measurement;
  }
  // A run ended by `signal_number` (exit code 128 + signal, as the real executor reports).
  static cmd::ProcessMeasurement killed(int signal_number, std::chrono::nanoseconds wall) {
    cmd::ProcessMeasurement measurement = exited(128 + signal_number, wall);
    measurement.signal = signal_number;
    return measurement;
  }
  // A program that could not be started.
  static cmd::ProcessMeasurement not_started(std::string reason = "No such file or directory") {
    cmd::ProcessMeasurement measurement;
    measurement.start_error = std::move(reason);
    return measurement;
  }

 private:
  std::deque<cmd::ProcessMeasurement> queue_;
  Script script_;
  cmd::ProcessMeasurement fallback_ = success(std::chrono::milliseconds(1));
  std::vector<cmd::ProcessSpec> runs_;
};

}  // namespace perfgate::testing
