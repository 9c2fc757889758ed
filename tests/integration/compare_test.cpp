// Integration tests: `perfgate compare` on result documents written by the real binary.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;

double wall_mean(const std::string& path) {
  std::ifstream in(path);
  nlohmann::json doc = nlohmann::json::parse(in);
  for (const auto& m : doc["benchmarks"][0]["metrics"]) {
    if (m["name"] == "wall_mean") return m["value"].get<double>();
  }
  return 0;
}

class CompareCmdResults : public TempDirTest {
 protected:
  CompareCmdResults() : TempDirTest("perfgate-compare") {}
  void SetUp() override {
    TempDirTest::SetUp();
    fast_ = path("fast.json");
    slow_ = path("slow.json");
    // The same benchmark name, a command twice as slow: a clear, significant regression.
    ASSERT_EQ(run_perfgate({"cmd", "-q", "-N", "-n", "work", "-r", "10", "sleep 0.01", "--json", fast_}).exit_code, 0);
    ASSERT_EQ(run_perfgate({"cmd", "-q", "-N", "-n", "work", "-r", "10", "sleep 0.02", "--json", slow_}).exit_code, 0);
  }
  std::string fast_, slow_;
};

TEST_F(CompareCmdResults, ASlowerRunRegressesAndFailsTheGate) {
  std::string md = path("compare.md");
  ProcessOutput out = run_perfgate({"compare", fast_, slow_, "--markdown", md, "--json", "-"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  nlohmann::json report = nlohmann::json::parse(out.out);
  EXPECT_TRUE(report["gate_failed"].get<bool>());
  bool wall_mean_regressed = false;
  for (const auto& row : report["rows"]) {
    if (row["metric"] == "wall_mean") {
      wall_mean_regressed = row["verdict"] == "regressed";
      // The change the two documents' means make, whatever the machine added to each run
      // (10 ms and 20 ms sleeps plus a spawn each: about +90% on a quiet machine, +20% on a busy one).
      double expected = (wall_mean(slow_) / wall_mean(fast_) - 1) * 100;
      EXPECT_NEAR(row["change_pct"].get<double>(), expected, 0.01);
      EXPECT_GT(row["change_pct"].get<double>(), 10.0);
      EXPECT_LT(row["change_pct"].get<double>(), 200.0);
      EXPECT_LT(row["p_value"].get<double>(), 0.01);
    }
  }
  EXPECT_TRUE(wall_mean_regressed);
  EXPECT_THAT(out.err, HasSubstr("gate FAILED"));
  std::ifstream in(md);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_THAT(ss.str(), HasSubstr("| work | wall_mean |"));
  EXPECT_THAT(ss.str(), HasSubstr("**regressed**"));
}

TEST_F(CompareCmdResults, TheSameRunIsUnchangedAndAFasterOneImproves) {
  ProcessOutput same = run_perfgate({"compare", fast_, fast_});
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_THAT(same.out, HasSubstr("0 regressed"));
  // The wall times improve; the CPU times of `sleep` are a few ms of noise whose verdict is
  // left to the statistics (see CompareDocuments.OneSeriesBarelySignificantAmongThree...).
  ProcessOutput faster = run_perfgate({"compare", slow_, fast_, "--json", "-"});
  nlohmann::json report = nlohmann::json::parse(faster.out);
  for (const auto& r : report["rows"]) {
    if (r["metric"] == "wall_mean") {
      EXPECT_EQ(r["verdict"], "improved") << r["reason"];
    }
  }
}

TEST_F(CompareCmdResults, AGenerousAllowedChangePassesTheGate) {
  ProcessOutput out = run_perfgate({"compare", fast_, slow_, "--max-change", "300%"});
  EXPECT_EQ(out.exit_code, 0) << out.out;
  ProcessOutput per_metric =
      run_perfgate({"compare", fast_, slow_, "--max-change", "300%", "--metric-max-change", "wall_mean=5%"});
  EXPECT_EQ(per_metric.exit_code, 1) << per_metric.out;
}

TEST_F(CompareCmdResults, BadInputExits2NamingIt) {
  ProcessOutput missing = run_perfgate({"compare", fast_, "/nonexistent.json", "--store", "/nonexistent/h.db"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("current '/nonexistent.json'"));
  std::string not_json = path("bad.json");
  std::ofstream(not_json) << "{ nope";
  ProcessOutput bad = run_perfgate({"compare", not_json, fast_});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("neither a perfgate result document (perfgate.result/v1) nor a format perfgate "
                                 "ingest reads (google-benchmark, hyperfine"));
  ProcessOutput option = run_perfgate({"compare", fast_, slow_, "--max-change", "lots"});
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_THAT(option.err, HasSubstr("--max-change"));
  ProcessOutput markdown = run_perfgate({"compare", fast_, slow_, "--markdown", "/nonexistent/c.md"});
  EXPECT_EQ(markdown.exit_code, 2);
  EXPECT_THAT(markdown.err, HasSubstr("--markdown: directory '/nonexistent' does not exist"));
  ProcessOutput override_form = run_perfgate({"compare", fast_, slow_, "--metric-max-change", "wall_mean"});
  EXPECT_EQ(override_form.exit_code, 2);
  EXPECT_THAT(override_form.err, HasSubstr("--metric-max-change: expected METRIC=PCT, got 'wall_mean'"));
}

}  // namespace
}  // namespace perfgate::testing
