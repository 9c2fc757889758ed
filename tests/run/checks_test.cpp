// Threshold checks: a figure of an invalid benchmark, or one that was not measured, never passes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run/checks.hpp"
#include "suite/threshold.hpp"

namespace perfgate::run {
namespace {

using nlohmann::json;

suite::BenchmarkSpec spec_with(const std::vector<std::string>& thresholds) {
  suite::BenchmarkSpec spec;
  spec.name = "slow";
  spec.kind = suite::BenchmarkKind::kHttp;
  for (const auto& text : thresholds) {
    spec.thresholds.push_back(suite::parse_threshold(text, suite::MetricFamily::kHttp, {"suite.yaml", 3, 5}));
  }
  return spec;
}

json http_benchmark(bool valid) {
  return {{"name", "slow"},
          {"valid", valid},
          {"invalid_reason", valid ? json(nullptr) : json("no request completed: nothing was measured")},
          {"metrics", json::array({{{"name", "latency_p99"}, {"value", 0.0}, {"unit", "ms"}},
                                   {{"name", "error_rate"}, {"value", 0.0}, {"unit", "ratio"}}})}};
}

TEST(CheckThresholds, EveryThresholdOnAnInvalidBenchmarkFails) {
  json checks = check_thresholds(spec_with({"p99 < 50ms", "error_rate < 1%"}), {http_benchmark(false)});
  ASSERT_EQ(checks.size(), 2u);
  for (const auto& c : checks) {
    EXPECT_FALSE(c["passed"].get<bool>()) << c.dump();
    EXPECT_NE(c["observed_text"].get<std::string>().find("nothing was measured"), std::string::npos) << c.dump();
  }
  EXPECT_EQ(failed_check_count(checks), 2u);
}

TEST(CheckThresholds, TheSameFiguresOnAValidBenchmarkPass) {
  json checks = check_thresholds(spec_with({"p99 < 50ms", "error_rate < 1%"}), {http_benchmark(true)});
  EXPECT_EQ(failed_check_count(checks), 0u) << checks.dump();
}

TEST(CheckThresholds, AMetricThatWasNotMeasuredNeverPasses) {
  json checks = check_thresholds(spec_with({"p99 < 50ms"}), {});
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_FALSE(checks[0]["passed"].get<bool>());
  EXPECT_EQ(checks[0]["observed_text"], "not measured");
}

}  // namespace
}  // namespace perfgate::run
