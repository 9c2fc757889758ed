// Tests for the bootstrap interval of a ratio of medians: it brackets a known ratio, is
// reproducible for a seed, agrees between its small- and large-sample methods, and declines when
// the ratio is undefined.
#include "compare/bootstrap.hpp"

#include <gtest/gtest.h>

#include <random>
#include <span>
#include <vector>

namespace perfgate::compare {
namespace {

TEST(BootstrapRatioOfMedians, BracketsTheTrueRatioOfTwoShiftedSamples) {
  std::vector<double> baseline = {10.0, 10.2, 9.9, 10.1, 9.8, 10.3, 10.0, 9.7, 10.2, 10.1};
  std::vector<double> current;
  for (double v : baseline) current.push_back(v * 1.5);
  auto interval = bootstrap_ratio_of_medians(baseline, current, 2000, 0.95, 42);
  ASSERT_TRUE(interval.has_value());
  EXPECT_LT(interval->low, 1.5);
  EXPECT_GT(interval->high, 1.5);
  EXPECT_GT(interval->low, 1.4);
  EXPECT_LT(interval->high, 1.6);
  EXPECT_TRUE(interval->excludes_one());
}

TEST(BootstrapRatioOfMedians, IdenticalSamplesGiveAnIntervalAroundOne) {
  std::vector<double> samples = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  auto interval = bootstrap_ratio_of_medians(samples, samples, 2000, 0.95, 1);
  ASSERT_TRUE(interval.has_value());
  EXPECT_LE(interval->low, 1.0);
  EXPECT_GE(interval->high, 1.0);
  EXPECT_FALSE(interval->excludes_one());
}

TEST(BootstrapRatioOfMedians, TheSameSeedGivesTheSameInterval) {
  std::vector<double> a = {1, 2, 3, 4, 5, 6};
  std::vector<double> b = {2, 3, 4, 5, 6, 7};
  auto first = bootstrap_ratio_of_medians(a, b, 500, 0.95, 9);
  auto second = bootstrap_ratio_of_medians(a, b, 500, 0.95, 9);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->low, second->low);
  EXPECT_EQ(first->high, second->high);
}

// Large samples draw each resample's median from its exact distribution instead of resampling;
// the interval must match what literal resampling gives on nearly the same data.
TEST(BootstrapRatioOfMedians, DirectMedianDrawsForLargeSamplesAgreeWithLiteralResampling) {
  std::mt19937_64 engine(5);
  std::vector<double> baseline;
  for (int i = 0; i < 1001; ++i) baseline.push_back(10 + static_cast<double>(engine() % 10000) / 1000);
  std::vector<double> current;
  for (double v : baseline) current.push_back(v * 1.1);
  std::span<const double> all_of_baseline(baseline), all_of_current(current);
  auto direct = bootstrap_ratio_of_medians(all_of_baseline, all_of_current, 2000, 0.95, 3);
  auto literal = bootstrap_ratio_of_medians(all_of_baseline.first(1000), all_of_current.first(1000), 2000, 0.95, 3);
  ASSERT_TRUE(direct && literal);
  for (const auto& interval : {*direct, *literal}) {
    EXPECT_LT(interval.low, 1.1);
    EXPECT_GT(interval.high, 1.1);
  }
  double direct_width = direct->high - direct->low;
  double literal_width = literal->high - literal->low;
  EXPECT_NEAR(direct_width / literal_width, 1.0, 0.2);
  EXPECT_NEAR(direct->low, literal->low, 0.02);
  EXPECT_NEAR(direct->high, literal->high, 0.02);
}

TEST(BootstrapRatioOfMedians, DeclinesWhenTheRatioIsUndefined) {
  std::vector<double> zeros = {0, 0, 0, 0};
  std::vector<double> ones = {1, 1, 1, 1};
  EXPECT_FALSE(bootstrap_ratio_of_medians(zeros, ones, 100, 0.95, 1).has_value());
  EXPECT_FALSE(bootstrap_ratio_of_medians({}, ones, 100, 0.95, 1).has_value());
}

}  // namespace
}  // namespace perfgate::compare
