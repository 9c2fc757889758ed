// Integration tests: `perfgate compare` on result documents written by the real binary.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;

class CompareCmdResults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The same benchmark name, a command twice as slow: a clear, significant regression.
    ASSERT_EQ(run_perfgate({"cmd", "-q", "-N", "-n", "work", "-r", "10", "sleep 0.01", "--json", fast_}).exit_code, 0);
    ASSERT_EQ(run_perfgate({"cmd", "-q", "-N", "-n", "work", "-r", "10", "sleep 0.02", "--json", slow_}).exit_code, 0);
  }
  static inline const std::string fast_ = "/tmp/perfgate-test-compare-fast.json";
  static inline const std::string slow_ = "/tmp/perfgate-test-compare-slow.json";
};

TEST_F(CompareCmdResults, ASlowerRunRegressesAndFailsTheGate) {
  std::string md = "/tmp/perfgate-test-compare.md";
  ProcessOutput out = run_perfgate({"compare", fast_, slow_, "--markdown", md, "--json", "-"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  nlohmann::json report = nlohmann::json::parse(out.out);
  EXPECT_TRUE(report["gate_failed"].get<bool>());
  bool wall_mean_regressed = false;
  for (const auto& row : report["rows"]) {
    if (row["metric"] == "wall_mean") {
      wall_mean_regressed = row["verdict"] == "regressed";
      EXPECT_NEAR(row["change_pct"].get<double>(), 100.0, 25.0);
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
  std::string not_json = "/tmp/perfgate-test-compare-bad.json";
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
