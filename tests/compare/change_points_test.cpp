// E-divisive change points on synthetic histories with known shifts: each found at the run
// where it happened (within one), none invented on flat noisy series.
#include "compare/change_points.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace perfgate::compare {
namespace {

// Gaussian noise from a fixed seed (Box-Muller on mt19937_64, whose output the standard fixes),
// so every standard library gives the same series.
class Noise {
 public:
  explicit Noise(std::uint64_t seed) : random_(seed) {}
  double operator()(double sd) {
    double u1 = (static_cast<double>(random_() >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (static_cast<double>(random_() >> 11) + 0.5) / 9007199254740992.0;
    return sd * std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 random_;
};

// Levels [(runs, mean)…] with Gaussian noise of `sd`.
std::vector<double> history(const std::vector<std::pair<int, double>>& levels, double sd, std::uint64_t seed) {
  Noise noise(seed);
  std::vector<double> x;
  for (const auto& [runs, mean] : levels) {
    for (int i = 0; i < runs; ++i) x.push_back(mean + noise(sd));
  }
  return x;
}

TEST(ChangePoints, AStepUpIsFoundAtItsRunWithItsSize) {
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    auto x = history({{30, 100}, {30, 120}}, 5, seed);  // a 4-sigma step
    auto points = find_change_points(x);
    ASSERT_EQ(points.size(), 1u) << "seed " << seed;
    EXPECT_NEAR(static_cast<double>(points[0].index), 30, 1) << "seed " << seed;
    EXPECT_NEAR(points[0].relative_change, 0.2, 0.04) << "seed " << seed;
    EXPECT_GT(points[0].mean_after, points[0].mean_before);
    EXPECT_LE(points[0].p_value, 0.002);
  }
}

TEST(ChangePoints, AStepDownIsFoundToo) {
  for (std::uint64_t seed : {11, 12, 13, 14, 15}) {
    auto x = history({{20, 50}, {25, 40}}, 2, seed);
    auto points = find_change_points(x);
    ASSERT_EQ(points.size(), 1u) << "seed " << seed;
    EXPECT_NEAR(static_cast<double>(points[0].index), 20, 1) << "seed " << seed;
    EXPECT_NEAR(points[0].relative_change, -0.2, 0.05) << "seed " << seed;
  }
}

TEST(ChangePoints, AShiftThatWasUndoneGivesTwoChangePoints) {
  auto x = history({{25, 100}, {25, 130}, {25, 100}}, 5, 21);
  auto points = find_change_points(x);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_NEAR(static_cast<double>(points[0].index), 25, 1);
  EXPECT_NEAR(static_cast<double>(points[1].index), 50, 1);
  EXPECT_GT(points[0].relative_change, 0.2);
  EXPECT_LT(points[1].relative_change, -0.15);
}

TEST(ChangePoints, NoneAreInventedOnFlatNoisySeries) {
  int invented = 0;
  for (std::uint64_t seed = 100; seed < 200; ++seed) {
    auto x = history({{60, 100}}, 5, seed);
    invented += static_cast<int>(find_change_points(x).size());
  }
  EXPECT_EQ(invented, 0);
  // A single outlier is no shift either.
  auto x = history({{40, 100}}, 2, 7);
  x[20] = 160;
  EXPECT_TRUE(find_change_points(x).empty());
}

TEST(ChangePoints, ShortOrConstantSeriesHaveNone) {
  EXPECT_TRUE(find_change_points(std::vector<double>{1, 1, 9, 9, 9}).empty());  // fewer than 2 x 3 runs
  EXPECT_TRUE(find_change_points(std::vector<double>(30, 4.0)).empty());
  EXPECT_TRUE(find_change_points(std::vector<double>{}).empty());
}

TEST(ChangePoints, TheSameHistoryAlwaysGivesTheSameAnswer) {
  auto x = history({{30, 100}, {30, 108}}, 5, 42);
  auto a = find_change_points(x);
  auto b = find_change_points(x);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].index, b[i].index);
    EXPECT_EQ(a[i].p_value, b[i].p_value);
  }
}

}  // namespace
}  // namespace perfgate::compare
