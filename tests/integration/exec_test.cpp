// `perfgate exec` and the suite kind `exec:` end to end with the real binary: the three example
// workers (Python, Node, C++), the result document, bad input, a dying worker, SIGINT, and a
// suite's thresholds, store and comparison.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using perfgate::testing::BackgroundProcess;
using perfgate::testing::perfgate_binary;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_perfgate;
using perfgate::testing::run_process;
using ::testing::HasSubstr;

const std::string kExamples = std::string(PERFGATE_SOURCE_DIR) + "/examples/exec/";
const std::string kEcho = PERFGATE_ECHO_WORKER;

class ExecVerb : public perfgate::testing::TempDirTest {
 protected:
  ExecVerb() : TempDirTest("perfgate-exec-cli") {}

  // Runs an example worker for exactly 40 operations and checks the document.
  void expect_example_works(const std::vector<std::string>& worker, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"exec", "-n", "40", "--json", path("r.json"), "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.emplace_back("--");
    args.insert(args.end(), worker.begin(), worker.end());
    ProcessOutput out = run_perfgate(args);
    ASSERT_EQ(out.exit_code, 0) << out.out << out.err;
    nlohmann::json b = json_file("r.json")["benchmarks"][0];
    EXPECT_EQ(b["kind"], "exec");
    EXPECT_EQ(b["requests"]["total"], 40);
    EXPECT_EQ(b["requests"]["ok"], 40);
    EXPECT_GT(b["throughput_rps"].get<double>(), 0);
    EXPECT_GT(b["latency_ms"]["p50"].get<double>(), 0);
  }
};

TEST_F(ExecVerb, ThePythonExampleWorker) { expect_example_works({"python3", kExamples + "worker.py"}); }

TEST_F(ExecVerb, TheNodeExampleWorkerWithSeveralInFlight) {
  expect_example_works({"node", kExamples + "worker.js"}, {"--in-flight", "8"});
}

TEST_F(ExecVerb, TheCppExampleWorkerOverTwoWorkers) { expect_example_works({kEcho}, {"--workers", "2", "--in-flight", "2", "-c", "4"}); }

TEST_F(ExecVerb, TheDocumentHasTheFieldsAndMetricsOfHttpAndTheErrorMessages) {
  ProcessOutput out = run_perfgate({"exec", "--rate", "200", "-d", "1s", "--workers", "2", "--payload", "fail",
                                    "--json", path("r.json"), "--", kEcho});
  // Every operation answered "error": nothing succeeded, exit 3 as for http, the document written.
  EXPECT_EQ(out.exit_code, 3) << out.err;
  nlohmann::json b = json_file("r.json")["benchmarks"][0];
  EXPECT_EQ(b["kind"], "exec");
  EXPECT_EQ(b["requests"]["total"], 200);
  EXPECT_EQ(b["errors"]["error"], 200);
  EXPECT_EQ(b["errors"]["messages"]["asked to fail"], 200);
  EXPECT_FALSE(b["latency_uncorrected_ms"].is_null());
  EXPECT_EQ(b["config"]["workers"], 2);
  EXPECT_EQ(b["config"]["rate"], 200.0);
  std::vector<std::string> names;
  for (const auto& m : b["metrics"]) names.push_back(m["name"]);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"throughput", "error_rate", "latency_p50", "latency_p99"}));
  EXPECT_THAT(out.out, HasSubstr("200x 'asked to fail'"));
}

TEST_F(ExecVerb, BadInputExits2BeforeAnythingStarts) {
  write("not-executable.sh", "echo ready\n");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"exec", "-d", "1s", "--", path("not-executable.sh")}, "is not executable"},
      {{"exec", "-d", "1s", "--", "no-such-worker-xyz"}, "not found in PATH"},
      {{"exec", "--workers", "0", "--", kEcho}, "--workers: expected a whole number from 1"},
      {{"exec", "--in-flight", "0", "--", kEcho}, "--in-flight: expected a whole number from 1"},
      {{"exec", "-c", "9", "--workers", "2", "--in-flight", "4", "--", kEcho}, "--connections: 9 operations"},
      {{"exec", "-c", "2", "--rate", "10", "--", kEcho}, "--connections: cannot be combined with --rate"},
      {{"exec", "-d", "1s"}, "command is required"},
      {{"exec", "--payload", "${sequence}", "--", kEcho}, "--payload: "},
      {{"exec", "--payload", "a\nb", "--", kEcho}, "--payload: a payload is one line"},
  };
  for (const auto& c : cases) {
    ProcessOutput out = run_perfgate(c.args);
    EXPECT_EQ(out.exit_code, 2) << c.message << "\n" << out.err;
    EXPECT_THAT(out.err, HasSubstr(c.message));
  }
}

TEST_F(ExecVerb, AWorkerThatExitsMidRunExits3WithItsPositionAndStderrTail) {
  write("w.sh",
        "echo ready\nn=0\nwhile read id; do n=$((n+1)); if [ $n -eq 50 ]; then echo 'lost the connection to "
        "the bus' >&2; exit 4; fi; printf '%s\\tok\\n' \"$id\"; done\n");
  ProcessOutput out = run_perfgate({"exec", "-d", "30s", "--workers", "3", "--", "sh", path("w.sh")});
  EXPECT_EQ(out.exit_code, 3) << out.out << out.err;
  EXPECT_THAT(out.err, HasSubstr("of 3 (pid"));
  EXPECT_THAT(out.err, HasSubstr("exited with status 4"));
  EXPECT_THAT(out.err, HasSubstr("lost the connection to the bus"));
}

TEST_F(ExecVerb, SigintKeepsWhatWasMeasuredAndExits130) {
  BackgroundProcess run({perfgate_binary(), "exec", "-d", "60s", "--json", path("partial.json"), "-q", "--",
                         kEcho});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(std::chrono::seconds(15)), 130) << run.err();
  nlohmann::json b = json_file("partial.json")["benchmarks"][0];
  EXPECT_TRUE(b["interrupted"].get<bool>());
  EXPECT_GT(b["requests"]["total"].get<int>(), 10);
  EXPECT_EQ(b["requests"]["ok"], b["requests"]["total"]);
}

TEST_F(ExecVerb, ASuiteExecBenchmarkIsCheckedStoredAndCompared) {
  auto suite = [&](const std::string& throughput_floor) {
    return "name: bus\n"
           "benchmarks:\n"
           "  - name: publish\n"
           "    exec:\n"
           "      command: " + kEcho + "\n"
           "      workers: 2\n"
           "      in_flight: 4\n"
           "      requests: 2000\n"
           "      payload: hello\n"
           "    thresholds: [p99 < 5s, error_rate < 1%, throughput > " + throughput_floor + "]\n";
  };
  write("suite.yaml", suite("10/s"));
  ProcessOutput first = perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "first.json", "-q"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  nlohmann::json doc = json_file("first.json");
  ASSERT_EQ(doc["benchmarks"].size(), 1u);
  EXPECT_EQ(doc["benchmarks"][0]["kind"], "exec");
  EXPECT_EQ(doc["benchmarks"][0]["requests"]["total"], 2000);
  EXPECT_EQ(doc["checks"].size(), 3u);
  for (const auto& c : doc["checks"]) EXPECT_TRUE(c["passed"].get<bool>()) << c.dump();

  // Stored, compared with the baseline, and a threshold it cannot meet fails the run.
  write("suite.yaml", suite("100000000/s"));
  ProcessOutput second = perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "second.json", "-q"});
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  nlohmann::json comparison = json_file("second.json")["comparison"];
  bool compared = false;
  for (const auto& row : comparison["rows"]) {
    if (row["benchmark"] == "publish" && row["metric"] == "latency_p50") compared = true;
  }
  EXPECT_TRUE(compared) << comparison.dump(2);
  ProcessOutput history = perfgate({"history", "--store", "h.db"});
  EXPECT_EQ(history.exit_code, 0) << history.err;

  // The suite's worker must be executable too: exit 2 with the file and line.
  write("bad.yaml", "name: x\nbenchmarks:\n  - name: b\n    exec: {command: ./missing-worker}\n");
  ProcessOutput bad = perfgate({"run", "bad.yaml", "--store", "h.db"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:3:5: benchmark 'b'"));
  EXPECT_THAT(bad.err, HasSubstr("missing-worker"));
}

}  // namespace
