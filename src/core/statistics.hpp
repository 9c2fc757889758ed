// Statistics over raw samples (command run times, per-interval samples): summaries,
// nearest-rank percentiles, outlier detection and two-sample significance tests.
// Pure functions over spans of doubles; no I/O.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace perfgate::stats {

struct Summary {
  std::size_t count = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for fewer than 2 samples
  double median = 0;
  double min = 0;
  double max = 0;
};

Summary summarize(std::span<const double> samples);

// Nearest rank: the value at rank ceil(p/100 * N) of the sorted samples (p in [0, 100]);
// p = 0 gives the minimum. 0 for no samples.
double percentile_nearest_rank(std::span<const double> samples, double p);

double median(std::span<const double> samples);
// Median absolute deviation (unscaled).
double median_absolute_deviation(std::span<const double> samples);

// Modified z-scores (Iglewicz & Hoaglin): 0.6745 * (x - median) / MAD, one per sample.
// All zero when the MAD is zero.
std::vector<double> modified_z_scores(std::span<const double> samples);
// Indices of samples whose |modified z-score| exceeds `threshold` (default 3.5).
std::vector<std::size_t> outlier_indices(std::span<const double> samples, double threshold = 3.5);

// A ratio of two means with its uncertainty, by first-order error propagation:
// r = a/b, sigma_r = r * sqrt((sa/a)^2 + (sb/b)^2).
struct Ratio {
  double value = 0;
  double stddev = 0;
};
Ratio ratio_of_means(const Summary& numerator, const Summary& denominator);

struct TestResult {
  double statistic = 0;  // U for Mann-Whitney, t for Welch
  double p_value = 1;    // two-sided
  bool significant(double alpha = 0.05) const { return p_value < alpha; }
};

// Two-sided Mann-Whitney U test. statistic = U1, the U of sample `a` (the number of pairs
// (x in a, y in b) with x > y, ties counting 1/2), as scipy reports it. When n1, n2 <= 20 and no
// value ties, p is exact (the U distribution by dynamic programming); otherwise it uses the
// normal approximation (tie-corrected, continuity corrected). p_value = 1 when either side is
// empty or all values tie.
//   mann_whitney_u({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10})  // {statistic 0, p_value 2/252}
TestResult mann_whitney_u(std::span<const double> a, std::span<const double> b);
// Two-sided Welch's t-test (unequal variances), p from Student's t with Welch-Satterthwaite
// degrees of freedom. p_value = 1 when it cannot be computed (n < 2, zero variance and equal means);
// both variances zero with different means gives t = +-infinity and p_value = 0.
TestResult welch_t_test(std::span<const double> a, std::span<const double> b);

// Two-sided p-value of Student's t distribution: P(|T| >= |t|) with `df` > 0 degrees of
// freedom (df need not be an integer). 1 for t = 0; 1 for df <= 0 or NaN input.
//   student_t_two_sided_p(2.228, 10)  // ~0.05
double student_t_two_sided_p(double t, double df);
// The inverse: the t with student_t_two_sided_p(t, df) == alpha, for 0 < alpha < 1 and df > 0
// (NaN otherwise). student_t_critical(0.05, 10) ~ 2.228; student_t_critical(0.01, 1) ~ 63.66.
double student_t_critical(double alpha, double df);
// The regularized incomplete beta function I_x(a, b) for a, b > 0, x clamped to [0, 1];
// accurate to ~1e-12 (continued fraction). NaN for a <= 0 or b <= 0.
double regularized_incomplete_beta(double a, double b, double x);

}  // namespace perfgate::stats
