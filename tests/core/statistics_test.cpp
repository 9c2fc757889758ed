// Tests for the sample statistics: hand-computed cases, reference values (scipy's documented
// results, closed forms of Student's t, mpmath at 30 digits), and seeded simulations of the
// significance tests' false-positive rate and power.
#include "core/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

namespace perfgate::stats {
namespace {

using Samples = std::vector<double>;

// Draws from mt19937_64 (whose output the standard fixes) with our own transforms, because
// std::normal_distribution differs between standard libraries and the simulations must not.
class SeededNormal {
 public:
  explicit SeededNormal(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double normal(double mean, double sd) {  // Box-Muller; 1 - u keeps the log's argument in (0, 1]
    double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    return mean + sd * radius * std::cos(2.0 * std::numbers::pi * uniform());
  }
  Samples normals(std::size_t n, double mean, double sd) {
    Samples out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(normal(mean, sd));
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

// --- summarize, median, percentiles ---

TEST(Summarize, EmptyGivesZeros) {
  Summary s = summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.mean, 0);
  EXPECT_EQ(s.stddev, 0);
  EXPECT_EQ(s.median, 0);
  EXPECT_EQ(s.min, 0);
  EXPECT_EQ(s.max, 0);
}

TEST(Summarize, SingleSampleHasNoSpread) {
  Samples one{4.5};
  Summary s = summarize(one);
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.mean, 4.5);
  EXPECT_EQ(s.stddev, 0);
  EXPECT_EQ(s.median, 4.5);
  EXPECT_EQ(s.min, 4.5);
  EXPECT_EQ(s.max, 4.5);
}

TEST(Summarize, HandComputedUnsortedEvenCount) {
  // Sum 40 -> mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32 -> sample variance 32/7.
  Samples x{9, 4, 2, 5, 4, 7, 4, 5};
  Summary s = summarize(x);
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(32.0 / 7.0));
  EXPECT_DOUBLE_EQ(s.median, 4.5);  // middle pair 4, 5
  EXPECT_EQ(s.min, 2);
  EXPECT_EQ(s.max, 9);
}

TEST(Summarize, LargeOffsetKeepsVariance) {
  // Deviations -6, -3, 3, 6 -> variance 90/3 = 30; sum(x^2) - n*mean^2 loses it entirely at 1e9.
  Samples x{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  Summary s = summarize(x);
  EXPECT_DOUBLE_EQ(s.mean, 1e9 + 10);
  EXPECT_NEAR(s.stddev, std::sqrt(30.0), 1e-9);
}

TEST(Median, OddEvenAndEmpty) {
  EXPECT_EQ(median(Samples{3, 1, 2}), 2);
  EXPECT_EQ(median(Samples{4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median(Samples{7}), 7);
  EXPECT_EQ(median({}), 0);
}

TEST(PercentileNearestRank, TextbookExample) {
  // The classic nearest-rank example: ranks ceil(0.05*5)=1, ceil(1.5)=2, 2, ceil(2.5)=3, 5.
  Samples x{35, 20, 15, 50, 40};
  EXPECT_EQ(percentile_nearest_rank(x, 5), 15);
  EXPECT_EQ(percentile_nearest_rank(x, 30), 20);
  EXPECT_EQ(percentile_nearest_rank(x, 40), 20);
  EXPECT_EQ(percentile_nearest_rank(x, 50), 35);
  EXPECT_EQ(percentile_nearest_rank(x, 100), 50);
}

TEST(PercentileNearestRank, EdgeCases) {
  Samples x{3, 1, 2};
  EXPECT_EQ(percentile_nearest_rank({}, 50), 0);
  EXPECT_EQ(percentile_nearest_rank(x, 0), 1);            // p = 0 is the minimum
  EXPECT_EQ(percentile_nearest_rank(x, 0.001), 1);        // any p > 0 has rank >= 1
  EXPECT_EQ(percentile_nearest_rank(x, -5), 1);           // clamped
  EXPECT_EQ(percentile_nearest_rank(x, 250), 3);          // clamped
  EXPECT_EQ(percentile_nearest_rank(x, 33.3), 1);         // rank ceil(0.999) = 1
  EXPECT_EQ(percentile_nearest_rank(x, 33.4), 2);         // rank ceil(1.002) = 2
  EXPECT_EQ(percentile_nearest_rank(x, 100.0 / 3.0), 1);  // exactly rank 1, not pushed to 2
  EXPECT_EQ(percentile_nearest_rank(x, std::numeric_limits<double>::quiet_NaN()), 1);
  EXPECT_EQ(percentile_nearest_rank(Samples{8}, 99.9), 8);
}

TEST(PercentileNearestRank, DecimalPercentilesHitTheirExactRank) {
  Samples thousand;
  for (int i = 1; i <= 1000; ++i) thousand.push_back(i);
  EXPECT_EQ(percentile_nearest_rank(thousand, 99.9), 999);  // 0.999 * 1000 computes as 999.0000000000001
  EXPECT_EQ(percentile_nearest_rank(thousand, 99.0), 990);
  EXPECT_EQ(percentile_nearest_rank(thousand, 99.99), 1000);  // rank ceil(999.9)
  EXPECT_EQ(percentile_nearest_rank(thousand, 50), 500);
  // p = k/10 names rank k exactly for every k; none may be bumped to k + 1 by rounding.
  for (int k = 1; k <= 1000; ++k) {
    EXPECT_EQ(percentile_nearest_rank(thousand, k / 10.0), k) << "p = " << k / 10.0;
  }
  Samples hundred(thousand.begin(), thousand.begin() + 100);
  for (int k = 1; k <= 100; ++k) EXPECT_EQ(percentile_nearest_rank(hundred, k), k) << "p = " << k;
}

// --- outliers ---

TEST(Outliers, HandComputedMadAndScores) {
  // Median 2; absolute deviations 1 1 0 0 2 4 7 -> sorted 0 0 1 1 2 4 7 -> MAD 1.
  Samples x{1, 1, 2, 2, 4, 6, 9};
  EXPECT_EQ(median_absolute_deviation(x), 1);
  std::vector<double> z = modified_z_scores(x);
  ASSERT_EQ(z.size(), x.size());
  EXPECT_DOUBLE_EQ(z[0], -0.6745);
  EXPECT_DOUBLE_EQ(z[2], 0);
  EXPECT_DOUBLE_EQ(z[5], 0.6745 * 4);  // 2.698: not an outlier
  EXPECT_DOUBLE_EQ(z[6], 0.6745 * 7);  // 4.7215: an outlier
  EXPECT_EQ(outlier_indices(x), (std::vector<std::size_t>{6}));
  EXPECT_EQ(outlier_indices(x, 2.5), (std::vector<std::size_t>{5, 6}));
}

TEST(Outliers, ZeroMadGivesZeroScores) {
  Samples x{5, 5, 5, 5, 9};  // MAD 0: no spread to measure a deviation against
  EXPECT_EQ(median_absolute_deviation(x), 0);
  EXPECT_EQ(modified_z_scores(x), (std::vector<double>(5, 0.0)));
  EXPECT_TRUE(outlier_indices(x).empty());
  EXPECT_TRUE(modified_z_scores({}).empty());
  EXPECT_TRUE(outlier_indices({}).empty());
}

TEST(Outliers, FlagsAnInjectedTenfoldValueOnly) {
  SeededNormal random(7);
  Samples runs;
  for (int i = 0; i < 50; ++i) runs.push_back(1.0 + 0.1 * (random.uniform() - 0.5));
  runs[17] *= 10;
  EXPECT_EQ(outlier_indices(runs), (std::vector<std::size_t>{17}));
}

TEST(Outliers, NothingInCleanUniformData) {
  // Uniform data: |z| <= 0.6745 * 0.5 / 0.25 ~ 1.35, far below 3.5.
  SeededNormal random(11);
  Samples clean;
  for (int i = 0; i < 1000; ++i) clean.push_back(random.uniform());
  EXPECT_TRUE(outlier_indices(clean).empty());
}

// --- ratio ---

TEST(RatioOfMeans, FirstOrderPropagation) {
  Summary a{.count = 10, .mean = 10, .stddev = 1};
  Summary b{.count = 10, .mean = 5, .stddev = 0.5};
  Ratio r = ratio_of_means(a, b);
  EXPECT_DOUBLE_EQ(r.value, 2);
  EXPECT_DOUBLE_EQ(r.stddev, 2 * std::sqrt(0.1 * 0.1 + 0.1 * 0.1));  // 0.28284...
}

TEST(RatioOfMeans, ZeroMeans) {
  Summary zero{.count = 3, .mean = 0, .stddev = 2};
  Summary b{.count = 3, .mean = 4, .stddev = 1};
  Ratio r = ratio_of_means(zero, b);
  EXPECT_EQ(r.value, 0);
  EXPECT_DOUBLE_EQ(r.stddev, 0.5);  // sigma_a / b, not NaN
  Ratio undefined = ratio_of_means(b, zero);
  EXPECT_EQ(undefined.value, 0);
  EXPECT_EQ(undefined.stddev, 0);
}

// --- Student's t and the incomplete beta ---

TEST(IncompleteBeta, ClosedFormsAndReferenceValues) {
  for (double x : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
    EXPECT_NEAR(regularized_incomplete_beta(1, 1, x), x, 1e-14);
    EXPECT_NEAR(regularized_incomplete_beta(3, 1, x), x * x * x, 1e-14);
    EXPECT_NEAR(regularized_incomplete_beta(1, 4, x), 1 - std::pow(1 - x, 4), 1e-14);
  }
  EXPECT_NEAR(regularized_incomplete_beta(7.5, 7.5, 0.5), 0.5, 1e-14);
  // mpmath.betainc(a, b, 0, x, regularized=True) at 30 digits.
  EXPECT_NEAR(regularized_incomplete_beta(2.5, 1.5, 0.3), 0.0889437231706655993, 1e-12);
  EXPECT_NEAR(regularized_incomplete_beta(100, 200, 0.35), 0.732571464957544333, 1e-11);
  EXPECT_NEAR(regularized_incomplete_beta(0.5, 0.5, 0.1), 0.204832764699133452, 1e-12);
  EXPECT_TRUE(std::isnan(regularized_incomplete_beta(0, 1, 0.5)));
}

TEST(StudentT, ClosedFormsForOneTwoAndFourDegrees) {
  for (double t : {0.1, 0.5, 1.0, 2.0, 6.3, 40.0}) {
    EXPECT_NEAR(student_t_two_sided_p(t, 1), 1 - 2 / std::numbers::pi * std::atan(t), 1e-12) << t;  // Cauchy
    EXPECT_NEAR(student_t_two_sided_p(t, 2), 1 - t / std::sqrt(2 + t * t), 1e-12) << t;
    EXPECT_NEAR(student_t_two_sided_p(t, 4), 1 - t * (t * t + 6) / std::pow(t * t + 4, 1.5), 1e-12) << t;
  }
}

TEST(StudentT, KnownQuantiles) {
  EXPECT_NEAR(student_t_two_sided_p(2.228, 10), 0.05, 1e-4);
  EXPECT_NEAR(student_t_two_sided_p(2.228, 10), 0.0500117718171114, 1e-9);  // mpmath
  EXPECT_NEAR(student_t_two_sided_p(2.2281388519649385, 10), 0.05, 1e-9);   // t.ppf(0.975, 10)
  EXPECT_NEAR(student_t_two_sided_p(12.706204736174705, 1), 0.05, 1e-9);    // t.ppf(0.975, 1)
  EXPECT_NEAR(student_t_two_sided_p(1.96, 1e6), 0.0499960675852698, 1e-8);  // mpmath
  EXPECT_NEAR(student_t_two_sided_p(1.96, 1e9), std::erfc(1.96 / std::sqrt(2.0)), 1e-8);
  EXPECT_NEAR(student_t_two_sided_p(1, 8), 0.346593507087334248, 1e-10);
  EXPECT_NEAR(student_t_two_sided_p(3, 3.5), 0.0473752394847464350, 1e-10);  // fractional df
  EXPECT_NEAR(student_t_two_sided_p(0.5, 0.5), 0.757318072929436631, 1e-10);
  EXPECT_NEAR(student_t_two_sided_p(40, 30) / 1.37260451944064028e-27, 1, 1e-8);  // far tail, relative
}

TEST(StudentT, SymmetryAndDegenerateInput) {
  EXPECT_EQ(student_t_two_sided_p(0, 5), 1);
  EXPECT_DOUBLE_EQ(student_t_two_sided_p(-2.5, 7), student_t_two_sided_p(2.5, 7));
  EXPECT_EQ(student_t_two_sided_p(std::numeric_limits<double>::infinity(), 5), 0);
  EXPECT_EQ(student_t_two_sided_p(2, 0), 1);
  EXPECT_EQ(student_t_two_sided_p(std::numeric_limits<double>::quiet_NaN(), 5), 1);
}

// --- Welch's t-test ---

TEST(WelchTTest, HandComputedCases) {
  // Means 2 and 5, variances 1 and 0: t = -3 / sqrt(1/3) = -3 sqrt 3, df = 2 -> 1 - |t| / sqrt(2 + t^2).
  TestResult df2 = welch_t_test(Samples{1, 2, 3}, Samples{5, 5, 5});
  EXPECT_DOUBLE_EQ(df2.statistic, -3 * std::sqrt(3.0));
  EXPECT_NEAR(df2.p_value, 1 - std::sqrt(27.0 / 29.0), 1e-12);  // 0.0350987
  // Means 3 and 7, variances 2.5 and 0: t = -4 / sqrt(0.5), df = 4.
  TestResult df4 = welch_t_test(Samples{1, 2, 3, 4, 5}, Samples{7, 7, 7});
  EXPECT_DOUBLE_EQ(df4.statistic, -4 / std::sqrt(0.5));
  EXPECT_NEAR(df4.p_value, 1 - std::sqrt(32.0) * 38 / 216, 1e-12);  // 0.0048127
  // Equal variances 2.5, n = 5: t = -1, df = 8 (scipy ttest_ind: p = 0.34659350708733).
  TestResult equal = welch_t_test(Samples{1, 2, 3, 4, 5}, Samples{2, 3, 4, 5, 6});
  EXPECT_DOUBLE_EQ(equal.statistic, -1);
  EXPECT_NEAR(equal.p_value, 0.346593507087334248, 1e-10);
  // Variances 2.5 and 10: t = -3 / sqrt(2.5), df = 6.25 / 1.0625 = 5.882 (p from mpmath).
  TestResult unequal = welch_t_test(Samples{1, 2, 3, 4, 5}, Samples{2, 4, 6, 8, 10});
  EXPECT_NEAR(unequal.statistic, -1.89736659610102760, 1e-12);
  EXPECT_NEAR(unequal.p_value, 0.107531194930627240, 1e-10);
}

TEST(WelchTTest, WikipediaExample) {
  // Wikipedia "Welch's t-test", example 1: t = -2.46, df = 24.99, p = 0.021.
  Samples a1{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
  Samples a2{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};
  TestResult r = welch_t_test(a1, a2);
  EXPECT_NEAR(r.statistic, -2.45535639828600905, 1e-10);
  EXPECT_NEAR(r.p_value, 0.0213780014628668426, 1e-10);
}

TEST(WelchTTest, DegenerateInput) {
  EXPECT_EQ(welch_t_test(Samples{1}, Samples{2, 3}).p_value, 1);
  EXPECT_EQ(welch_t_test({}, {}).p_value, 1);
  TestResult same = welch_t_test(Samples{4, 4, 4}, Samples{4, 4});
  EXPECT_EQ(same.statistic, 0);
  EXPECT_EQ(same.p_value, 1);
  TestResult certain = welch_t_test(Samples{4, 4, 4}, Samples{5, 5});
  EXPECT_EQ(certain.statistic, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(certain.p_value, 0);
}

// --- Mann-Whitney U ---

TEST(MannWhitneyU, ExactSmallSamples) {
  // All of a below all of b: U1 = 0, and 2 of the C(10, 5) = 252 orderings are as extreme.
  TestResult separated = mann_whitney_u(Samples{1, 2, 3, 4, 5}, Samples{6, 7, 8, 9, 10});
  EXPECT_EQ(separated.statistic, 0);
  EXPECT_NEAR(separated.p_value, 2.0 / 252, 1e-15);  // 0.007937
  TestResult reversed = mann_whitney_u(Samples{6, 7, 8, 9, 10}, Samples{1, 2, 3, 4, 5});
  EXPECT_EQ(reversed.statistic, 25);
  EXPECT_NEAR(reversed.p_value, 2.0 / 252, 1e-15);
  // scipy.stats.mannwhitneyu docs: males vs females -> statistic 17, p = 0.1111 (= 2 * 7/126).
  TestResult scipy_docs = mann_whitney_u(Samples{19, 22, 16, 29, 24}, Samples{20, 11, 17, 12});
  EXPECT_EQ(scipy_docs.statistic, 17);
  EXPECT_NEAR(scipy_docs.p_value, 14.0 / 126, 1e-15);
  // Ten runs a side, no overlap: 2 / C(20, 10).
  Samples low, high;
  for (int i = 0; i < 10; ++i) {
    low.push_back(i);
    high.push_back(100 + i);
  }
  EXPECT_NEAR(mann_whitney_u(low, high).p_value, 2.0 / 184756, 1e-18);
  // Perfectly interleaved: U1 = n1 n2 / 2, p capped at 1.
  EXPECT_EQ(mann_whitney_u(Samples{1, 4}, Samples{2, 3}).p_value, 1);
}

// Every split of 1..9 into 4 + 5 values, against the U distribution counted by brute force.
TEST(MannWhitneyU, ExactMatchesBruteForceEnumeration) {
  constexpr int kTotal = 9, kFirst = 4;
  std::vector<int> u_count(kFirst * (kTotal - kFirst) + 1, 0);
  std::vector<std::pair<Samples, Samples>> splits;
  for (unsigned mask = 0; mask < (1u << kTotal); ++mask) {
    if (std::popcount(mask) != kFirst) continue;
    Samples a, b;
    for (int v = 0; v < kTotal; ++v) ((mask >> v) & 1u ? a : b).push_back(v + 1);
    int u1 = 0;
    for (double x : a) {
      for (double y : b) u1 += x > y ? 1 : 0;
    }
    ++u_count[u1];
    splits.emplace_back(a, b);
  }
  ASSERT_EQ(splits.size(), 126u);
  for (const auto& [a, b] : splits) {
    TestResult r = mann_whitney_u(a, b);
    int u_smaller = static_cast<int>(std::min(r.statistic, 20 - r.statistic));
    int as_extreme = 0;
    for (int u = 0; u <= u_smaller; ++u) as_extreme += u_count[u];
    EXPECT_NEAR(r.p_value, std::min(1.0, 2.0 * as_extreme / 126), 1e-15);
  }
}

TEST(MannWhitneyU, NormalApproximationWithTies) {
  // Pooled ranks: 1 | 2 2 2 -> 3 | 3 3 -> 5.5 | 4 -> 7; R1 = 1 + 3 + 3 + 5.5 + 7 = 19.5, U1 = 4.5.
  // Tie term 24 + 6 = 30; sigma^2 = 30/12 * (12 - 30/110); z = (|4.5 - 15| - 0.5) / sigma.
  TestResult r = mann_whitney_u(Samples{1, 2, 2, 3, 4}, Samples{2, 3, 5, 6, 7, 8});
  EXPECT_EQ(r.statistic, 4.5);
  double sigma = std::sqrt(30.0 / 12 * (12 - 30.0 / 110));
  EXPECT_NEAR(r.p_value, std::erfc(10 / sigma / std::sqrt(2.0)), 1e-14);
  EXPECT_NEAR(r.p_value, 0.0647689696988876349, 1e-12);  // mpmath, same formula
}

TEST(MannWhitneyU, NormalApproximationAboveTwentyPerSide) {
  // 1..21 against 11.5..31.5: U1 = 55, sigma^2 = 441 * 43 / 12, z = (220.5 - 55 - 0.5) / sigma.
  Samples a, b;
  for (int i = 1; i <= 21; ++i) {
    a.push_back(i);
    b.push_back(i + 10.5);
  }
  TestResult r = mann_whitney_u(a, b);
  EXPECT_EQ(r.statistic, 55);
  EXPECT_NEAR(r.p_value, 3.31464143990015833e-5, 1e-15);
}

TEST(MannWhitneyU, DegenerateInput) {
  EXPECT_EQ(mann_whitney_u({}, Samples{1, 2}).p_value, 1);
  EXPECT_EQ(mann_whitney_u(Samples{1, 2}, {}).p_value, 1);
  TestResult all_tied = mann_whitney_u(Samples{3, 3, 3}, Samples{3, 3});
  EXPECT_EQ(all_tied.statistic, 3);  // every pair counts 1/2
  EXPECT_EQ(all_tied.p_value, 1);
  EXPECT_EQ(mann_whitney_u(Samples{1}, Samples{2}).p_value, 1);
}

// --- simulated error rates ---

struct RejectionRates {
  int welch = 0;
  int mann_whitney = 0;
};

RejectionRates count_rejections(int trials, double shift_in_sd, std::uint64_t seed) {
  SeededNormal random(seed);
  RejectionRates rates;
  for (int trial = 0; trial < trials; ++trial) {
    Samples a = random.normals(10, 100, 5);
    Samples b = random.normals(10, 100 + shift_in_sd * 5, 5);
    rates.welch += welch_t_test(a, b).significant() ? 1 : 0;
    rates.mann_whitney += mann_whitney_u(a, b).significant() ? 1 : 0;
  }
  return rates;
}

TEST(SignificanceTests, SameDistributionRejectsAboutFivePercent) {
  RejectionRates rates = count_rejections(200, 0, 2026);
  EXPECT_GE(rates.welch, 2);  // 1% .. 10% of 200
  EXPECT_LE(rates.welch, 20);
  EXPECT_GE(rates.mann_whitney, 2);
  EXPECT_LE(rates.mann_whitney, 20);
}

TEST(SignificanceTests, ThreeSdShiftIsDetected) {
  RejectionRates rates = count_rejections(200, 3, 2027);
  EXPECT_GT(rates.welch, 190);  // > 95% of 200
  EXPECT_GT(rates.mann_whitney, 190);
}

TEST(StudentT, CriticalValuesMatchTables) {
  // Two-sided critical values from any t table.
  EXPECT_NEAR(student_t_critical(0.05, 10), 2.228, 1e-3);
  EXPECT_NEAR(student_t_critical(0.05, 1), 12.706, 1e-3);
  EXPECT_NEAR(student_t_critical(0.01, 1), 63.657, 1e-3);
  EXPECT_NEAR(student_t_critical(0.01, 2), 9.925, 1e-3);
  EXPECT_NEAR(student_t_critical(0.01, 30), 2.750, 1e-3);
  EXPECT_NEAR(student_t_two_sided_p(student_t_critical(1e-6, 3), 3), 1e-6, 1e-9);
  EXPECT_TRUE(std::isnan(student_t_critical(0, 3)));
  EXPECT_TRUE(std::isnan(student_t_critical(0.05, 0)));
}

}  // namespace
}  // namespace perfgate::stats
