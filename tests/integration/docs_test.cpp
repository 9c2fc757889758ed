// `perfgate docs`: the benchmarks page from a suite and its stored baseline — the same bytes
// every time, the baseline's environment, results and whether each target is met.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/sqlite_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate {
namespace {

using nlohmann::json;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_perfgate;
using ::testing::HasSubstr;

class DocsVerb : public perfgate::testing::TempDirTest {
 protected:
  DocsVerb() : TempDirTest("perfgate-docs") {}

  void SetUp() override {
    TempDirTest::SetUp();
    write("suite.yaml",
          "name: shop\n"
          "benchmarks:\n"
          "  - name: home\n"
          "    http: {url: http://127.0.0.1:9/, rate: 500/s, duration: 30s, warmup: 5s}\n"
          "    thresholds: [p99 < 50ms, error_rate < 1%]\n"
          "  - name: build\n"
          "    cmd: {command: \"true\", runs: 10}\n"
          "    thresholds: [wall_mean < 1ms]\n");
  }

  void store_baseline() {
    SqliteStore store(path("h.db"));
    RunRecord r;
    r.started_at = "2026-12-01T10:00:00.000Z";
    r.suite = "shop";
    r.git = GitState{"0123456789abcdef0123456789abcdef01234567", "main", false};
    r.env = {{"hostname", "ci"}, {"os", "Debian GNU/Linux 12"}, {"kernel", "6.1.0"}, {"cpu_model", "Test CPU"},
             {"cpus", 4}, {"memory_bytes", 8589934592}};
    r.tool_version = "0.1.0";
    id_ = store.begin_run(r);
    auto m = [](const char* name, double value, const char* unit) {
      return json{{"name", name}, {"value", value}, {"unit", unit}, {"better", "lower"}};
    };
    store.add_benchmark(id_, {{"name", "home"}, {"kind", "http"}, {"valid", true}, {"invalid_reason", nullptr},
                              {"config", {{"rate", 500}, {"connections", 64}, {"duration_s", 30}, {"warmup_s", 5}}},
                              {"metrics", {m("latency_mean", 3.5, "ms"), m("latency_p50", 3.0, "ms"), m("latency_p95", 9.0, "ms"),
                                           m("latency_p99", 61.0, "ms"), m("throughput", 499.9, "rps"),
                                           m("error_rate", 0.0, "ratio")}}});
    store.add_benchmark(id_, {{"name", "build"}, {"kind", "cmd"}, {"valid", true}, {"invalid_reason", nullptr}, {"runs", 10},
                              {"config", {{"runs", 10}, {"warmup", 0}}},
                              {"metrics", {m("wall_mean", 0.0005, "s"), m("wall_median", 0.0004, "s"), m("wall_min", 0.0003, "s"),
                                           m("wall_max", 0.0009, "s"), m("rss_max", 1048576, "bytes")}}});
    json checks = json::array({{{"benchmark", "home"}, {"expr", "p99 < 50ms"}, {"observed_text", "61ms"}, {"passed", false}},
                               {{"benchmark", "home"}, {"expr", "error_rate < 1%"}, {"observed_text", "0%"}, {"passed", true}},
                               {{"benchmark", "build"}, {"expr", "wall_mean < 1ms"}, {"observed_text", "0.5ms"}, {"passed", true}}});
    store.complete_run(id_, checks);
  }

  std::string id_;
};

TEST_F(DocsVerb, ThePageHasTheBaselineAndIsTheSameEveryTime) {
  store_baseline();
  ProcessOutput first = run_perfgate({"docs", path("suite.yaml"), "--store", path("h.db"), "-o", path("a.md")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ProcessOutput second = run_perfgate({"docs", path("suite.yaml"), "--store", path("h.db"), "-o", path("b.md")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::string page = read("a.md");
  EXPECT_EQ(page, read("b.md"));
  EXPECT_THAT(page, HasSubstr("# Benchmarks: shop"));
  EXPECT_THAT(page, HasSubstr("baseline run `" + id_ + "`"));
  EXPECT_THAT(page, HasSubstr("| home | http | open model, 500 req/s | 30.00s | 5.00s |"));
  EXPECT_THAT(page, HasSubstr("| build | cmd | one command at a time | 10 runs | 0 runs |"));
  EXPECT_THAT(page, HasSubstr("| CPU | Test CPU (4 cores) |"));
  EXPECT_THAT(page, HasSubstr("| Commit | 0123456789ab on main |"));
  EXPECT_THAT(page, HasSubstr("| home | 3.50ms | 3.00ms | 9.00ms | 61.00ms | 499.9 req/s | 0.00% |"));
  EXPECT_THAT(page, HasSubstr("| build | 500.00us | 400.00us | 300.00us | 900.00us | 1.00 MiB |"));
  EXPECT_THAT(page, HasSubstr("| home | `p99 < 50ms` | 61ms | **no** |"));
  EXPECT_THAT(page, HasSubstr("| build | `wall_mean < 1ms` | 0.5ms | yes |"));
  EXPECT_THAT(page, HasSubstr("larger than 10%"));
  EXPECT_THAT(page, HasSubstr("perfgate run " + path("suite.yaml")));
}

TEST_F(DocsVerb, WithoutAStoredRunThePageSaysSoAndBadInputExits2) {
  ProcessOutput none = run_perfgate({"docs", path("suite.yaml"), "--store", path("none.db")});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_THAT(none.out, HasSubstr("No complete run of this suite is stored yet"));
  EXPECT_THAT(none.out, HasSubstr("| home | `p99 < 50ms` | not measured in the baseline |"));

  write("bad.yaml", "name: x\nbenchmarks:\n  - name: a\n    http: {url: http://127.0.0.1:9/, connections: 0}\n");
  ProcessOutput bad = run_perfgate({"docs", path("bad.yaml")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:4"));
  ProcessOutput missing = run_perfgate({"docs", path("suite.yaml"), "--store", path("none.db"), "--baseline", "abc"});
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace perfgate
