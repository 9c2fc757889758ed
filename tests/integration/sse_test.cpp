// Integration tests: the real `perfgate sse` binary against `perfgate serve`'s GET /events and
// POST /publish. Each test has its own serve, so its event ids start at 0. The figures asserted
// are counts perfgate can know exactly (events published × subscribers, drops planted by serve's
// hooks), never how fast the machine was.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json run_sse_json(const std::vector<std::string>& args, int expected_exit = 0) {
  std::vector<std::string> full{"sse", "--quiet", "--json", "-"};
  full.insert(full.end(), args.begin(), args.end());
  ProcessOutput out = run_perfgate(full);
  EXPECT_EQ(out.exit_code, expected_exit) << out.err;
  json doc = json::parse(out.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << "stdout was not JSON: " << out.out << "\nstderr: " << out.err;
  if (doc.is_discarded()) return json::object();
  EXPECT_EQ(doc["benchmarks"].size(), 1u);
  return doc["benchmarks"][0];
}

double metric(const json& b, const std::string& name) {
  for (const auto& m : b["metrics"]) {
    if (m["name"] == name) return m["value"].get<double>();
  }
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

std::uint64_t u(const json& value) { return value.get<std::uint64_t>(); }

class SseAgainstServe : public ::testing::Test {
 protected:
  ServeProcess serve_{{"--quiet"}};
  std::vector<std::string> publishing(const std::string& events_query, int subscribers, const std::string& rate,
                                      const std::string& duration) {
    return {serve_.url("/events" + events_query), "--publish", serve_.url("/publish"), "-s", std::to_string(subscribers),
            "--rate", rate, "-d", duration, "--timeout", "2s"};
  }
};

TEST_F(SseAgainstServe, FiftySubscribersReceiveEveryPublishedEventOnce) {
  json b = run_sse_json(publishing("", 50, "50", "2s"));
  EXPECT_EQ(b["kind"], "sse");
  const std::uint64_t published = u(b["publish"]["published"]);
  EXPECT_EQ(published, 100u);
  EXPECT_EQ(u(b["publish"]["errors"]), 0u);
  EXPECT_EQ(u(b["events"]["received"]), published * 50);
  EXPECT_EQ(u(b["events"]["lost"]), 0u);
  EXPECT_EQ(u(b["events"]["duplicate"]), 0u);
  EXPECT_EQ(u(b["events"]["unknown"]), 0u);
  EXPECT_EQ(u(b["requests"]["total"]), published * 50);
  EXPECT_EQ(u(b["requests"]["ok"]) + u(b["requests"]["errors"]), u(b["requests"]["total"]));
  EXPECT_EQ(metric(b, "events_received"), static_cast<double>(published * 50));
  EXPECT_EQ(metric(b, "events_lost"), 0);
  EXPECT_EQ(metric(b, "reconnects"), 0);
  EXPECT_GT(metric(b, "delivery_p50"), 0);
  EXPECT_LE(metric(b, "delivery_p50"), metric(b, "delivery_p99"));
  EXPECT_LE(metric(b, "delivery_p99"), metric(b, "delivery_max"));
  EXPECT_GT(metric(b, "connect_p99"), 0);
  EXPECT_DOUBLE_EQ(b["throughput_rps"].get<double>(), metric(b, "throughput"));
  EXPECT_EQ(b["latency_ms"]["p95"].get<double>(), metric(b, "delivery_p95"));
}

TEST_F(SseAgainstServe, ChunkedAndUnchunkedStreamsAreReadAlike) {
  json b = run_sse_json(publishing("?chunked=0", 5, "50", "1s"));
  EXPECT_EQ(u(b["events"]["received"]), u(b["publish"]["published"]) * 5);
  EXPECT_EQ(u(b["events"]["lost"]), 0u);
}

// serve closes each stream after 10 events; the subscribers reconnect with Last-Event-ID and
// serve replays what they missed in between, so nothing is lost although ~5 events are
// published during each 100 ms reconnect.
TEST_F(SseAgainstServe, ADroppedStreamIsReconnectedWithLastEventIdAndCounted) {
  json b = run_sse_json(publishing("?drop_after=10", 5, "50", "2s"));
  const std::uint64_t published = u(b["publish"]["published"]);
  ASSERT_EQ(published, 100u);
  EXPECT_EQ(u(b["events"]["received"]), published * 5);
  EXPECT_EQ(u(b["events"]["lost"]), 0u);
  EXPECT_EQ(u(b["events"]["duplicate"]), 0u);
  // Each subscriber's stream ends after events 10, 20, … 90 (and perhaps 100, as the run ends).
  EXPECT_GE(metric(b, "reconnects"), 5 * 9);
  EXPECT_LE(metric(b, "reconnects"), 5 * 10);
}

// serve never sends a subscriber the events whose id is 3 modulo 4: a quarter is lost, exactly.
TEST_F(SseAgainstServe, EventsASubscriberMissesAreCountedLost) {
  json b = run_sse_json(publishing("?skip_every=4", 10, "50", "2s"));
  const std::uint64_t published = u(b["publish"]["published"]);
  ASSERT_EQ(published, 100u);
  EXPECT_EQ(u(b["events"]["lost"]), 10u * 25);
  EXPECT_EQ(u(b["events"]["received"]), 10u * 75);
  EXPECT_DOUBLE_EQ(metric(b, "events_lost_ratio"), 0.25);
  EXPECT_EQ(u(b["requests"]["errors"]), 10u * 25);
}

// Events someone else publishes, each carrying its own timestamp (here another perfgate, its
// body stamped with ${now_ms}): timed from that field, tracked by their id.
TEST_F(SseAgainstServe, EventsTimedByTheirOwnTimestampField) {
  BackgroundProcess publisher({perfgate_binary(), "sse", serve_.url("/events"), "--publish", serve_.url("/publish"),
                               "-s", "1", "--rate", "50", "-d", "4s", "--quiet", "--body",
                               R"({"seq":${seq},"sent_ms":${now_ms}})"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  json b = run_sse_json({serve_.url("/events"), "--ts-field", "json:sent_ms", "-s", "5", "-d", "2s", "--timeout", "1s"});
  EXPECT_EQ(publisher.wait(std::chrono::seconds(30)), 0) << publisher.err();
  EXPECT_EQ(b["config"]["ts_field"], "json:sent_ms");
  EXPECT_GE(u(b["events"]["received"]), 5u * 50);
  EXPECT_EQ(u(b["events"]["lost"]), 0u);
  EXPECT_EQ(u(b["events"]["duplicate"]), 0u);
  EXPECT_EQ(u(b["events"]["unknown"]), 0u);
  EXPECT_EQ(u(b["requests"]["ok"]) + u(b["requests"]["errors"]), u(b["requests"]["total"]));
}

TEST_F(SseAgainstServe, InterruptedRunExits130WithWhatWasMeasured) {
  std::string json_path = "/tmp/perfgate-sse-interrupt-" + std::to_string(getpid()) + ".json";
  BackgroundProcess run({perfgate_binary(), "sse", serve_.url("/events"), "--publish", serve_.url("/publish"), "-s", "5",
                         "--rate", "50", "-d", "60s", "--quiet", "--json", json_path});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(std::chrono::seconds(20)), 130) << run.err();
  std::ifstream in(json_path);
  json doc = json::parse(in, nullptr, false);
  std::remove(json_path.c_str());
  ASSERT_FALSE(doc.is_discarded());
  const json& b = doc["benchmarks"][0];
  EXPECT_TRUE(b["interrupted"].get<bool>());
  EXPECT_GT(u(b["events"]["received"]), 0u);
  EXPECT_EQ(u(b["events"]["lost"]), 0u) << "events whose timeout had not passed are not lost";
}

TEST(SseUsage, BadInputExits2BeforeAnythingIsSent) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string events = "http://127.0.0.1:9/events";
  const std::string publish = "http://127.0.0.1:9/publish";
  for (const Case& c : std::vector<Case>{
           {{"sse", events, "--publish", publish, "--subscribers", "0"}, "--subscribers"},
           {{"sse", events, "--publish", publish, "--body", "{\"id\":${nope}}"}, "--body"},
           {{"sse", events, "--publish", publish, "--body", "{\"id\":1}"}, "${seq}"},
           {{"sse", events, "--rate", "10"}, "--publish"},
           {{"sse", events}, "--ts-field"},
           {{"sse", events, "--publish", publish, "--ts-field", "json:ts"}, "--ts-field"},
           {{"sse", events, "--ts-field", "ts"}, "--ts-field"},
           {{"sse", "ftp://127.0.0.1/events", "--ts-field", "json:ts"}, "URL"},
           {{"sse", events, "--publish", publish, "--rate", "0"}, "--rate"},
       }) {
    ProcessOutput out = run_perfgate(c.args);
    EXPECT_EQ(out.exit_code, 2) << ::testing::PrintToString(c.args) << "\n" << out.err;
    EXPECT_THAT(out.err, HasSubstr(c.message)) << ::testing::PrintToString(c.args);
  }
}

TEST_F(SseAgainstServe, AnUnreachablePublishUrlExits3) {
  ProcessOutput out = run_perfgate({"sse", serve_.url("/events"), "--publish", "http://127.0.0.1:9/publish", "-d", "1s",
                                    "--timeout", "1s", "-q"});
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_THAT(out.err, HasSubstr("cannot connect to the publish URL"));
}

TEST(SseUsage, AClosedPortExits3) {
  ProcessOutput out = run_perfgate({"sse", "http://127.0.0.1:9/events", "--ts-field", "json:ts", "-d", "1s", "--timeout", "1s", "-q"});
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_THAT(out.err, HasSubstr("cannot subscribe"));
}

// The suite kind: thresholds on the SSE metrics, stored, compared with the baseline, gated.
class SseSuite : public TempDirTest {
 protected:
  SseSuite() : TempDirTest("perfgate-sse-suite") {}
  std::string suite(const std::string& thresholds) const {
    return "name: sse-suite\n"
           "benchmarks:\n"
           "  - name: fanout\n"
           "    sse:\n"
           "      url: " + serve_.url("/events?skip_every=10") + "\n"
           "      publish: " + serve_.url("/publish") + "\n"
           "      subscribers: 20\n"
           "      rate: 50/s\n"
           "      duration: 1s\n"
           "      timeout: 2s\n"
           "    thresholds: [" + thresholds + "]\n";
  }
  ServeProcess serve_{{"--quiet"}};
};

TEST_F(SseSuite, ThresholdsOnDeliveryAndLossesAreCheckedStoredAndCompared) {
  // One event in ten never reaches a subscriber: 10% lost, so `< 0.1%` and `== 0` fail.
  write("suite.yaml", suite("delivery_p95 < 10s, events_lost < 20%, events_duplicate == 0, events_lost == 0, "
                            "events_lost < 0.1%"));
  ProcessOutput first = perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "r1.json", "--junit", "r1.xml",
                                  "--markdown", "r1.md", "--html", "r1.html", "-q"});
  EXPECT_EQ(first.exit_code, 1) << first.err;
  json doc = json::parse(read("r1.json"));
  const json& checks = doc["checks"];
  ASSERT_EQ(checks.size(), 5u);
  // A check of a benchmark perfgate could not measure as asked (its publisher late on a loaded
  // machine) never passes: the passing ones pass exactly when the benchmark is valid.
  const bool valid = doc["benchmarks"][0]["valid"].get<bool>();
  EXPECT_EQ(checks[0]["passed"].get<bool>(), valid) << checks[0];
  EXPECT_EQ(checks[1]["passed"].get<bool>(), valid) << checks[1];
  EXPECT_EQ(checks[2]["passed"].get<bool>(), valid) << checks[2];
  EXPECT_EQ(checks[1]["observed"].get<double>(), 0.1);
  EXPECT_EQ(checks[2]["observed"].get<double>(), 0);
  EXPECT_FALSE(checks[3]["passed"].get<bool>()) << checks[3];
  EXPECT_EQ(checks[3]["observed"].get<double>(), 20.0 * 5) << "50 events, 5 skipped, 20 subscribers";
  EXPECT_FALSE(checks[4]["passed"].get<bool>()) << checks[4];
  EXPECT_DOUBLE_EQ(checks[4]["observed"].get<double>(), 0.1);
  EXPECT_EQ(doc["benchmarks"][0]["kind"], "sse");
  EXPECT_THAT(read("r1.xml"), HasSubstr("events_lost"));
  EXPECT_THAT(read("r1.md"), HasSubstr("events_lost"));
  EXPECT_THAT(read("r1.html"), HasSubstr("delivery_p95"));

  write("suite.yaml", suite("delivery_p95 < 10s, events_lost < 20%"));
  ProcessOutput second =
      perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "r2.json", "--baseline", "none", "-q"});
  const bool second_valid = json::parse(read("r2.json"))["benchmarks"][0]["valid"].get<bool>();
  EXPECT_EQ(second.exit_code, second_valid ? 0 : 1) << second.err << second.out;
  ProcessOutput history =
      perfgate({"history", "--store", "h.db", "--suite", "sse-suite", "--benchmark", "fanout", "--metric", "events_lost"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  // Run to run noise on a shared machine is not what this test is about: a wide allowed change.
  ProcessOutput compare = perfgate({"compare", "r1.json", "r2.json", "--max-change", "1000%", "--json", "-"});
  EXPECT_EQ(compare.exit_code, 0) << compare.err;
  json comparison = json::parse(compare.out, nullptr, false);
  ASSERT_FALSE(comparison.is_discarded()) << compare.out;
  bool has_delivery = false;
  for (const auto& row : comparison["rows"]) has_delivery = has_delivery || row["metric"] == "delivery_p99";
  EXPECT_TRUE(has_delivery) << comparison.dump(1);
}

TEST_F(SseSuite, AnUnknownSseMetricIsRejectedWithItsPosition) {
  write("suite.yaml", suite("events_gone == 0"));
  ProcessOutput out = perfgate({"run", "suite.yaml", "--store", "h.db", "-q"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("suite.yaml:11:"));
  EXPECT_THAT(out.err, HasSubstr("unknown sse metric 'events_gone'"));
}

}  // namespace
}  // namespace perfgate::testing
