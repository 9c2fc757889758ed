// Statistics over raw samples: summaries, nearest-rank percentiles, robust outlier detection,
// the ratio of two means, and the Mann-Whitney U and Welch t tests with their own p-value
// machinery (exact U distribution, Student's t via the regularized incomplete beta function),
// because no statistics library is available. See statistics.hpp.
#include "core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace perfgate::stats {
namespace {

double as_double(std::size_t n) { return static_cast<double>(n); }

// NaN compares false with everything, which breaks std::sort's strict weak ordering (and can make
// it read out of bounds); this order puts NaNs last so bad input gives bad numbers, not a crash.
bool less_nan_last(double x, double y) { return std::isnan(y) ? !std::isnan(x) : x < y; }

std::vector<double> sorted_copy(std::span<const double> samples) {
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end(), less_nan_last);
  return sorted;
}

double median_of_sorted(const std::vector<double>& sorted) {
  if (sorted.empty()) return 0;
  std::size_t middle = sorted.size() / 2;
  if (sorted.size() % 2 == 1) return sorted[middle];
  return std::midpoint(sorted[middle - 1], sorted[middle]);
}

// P(Z >= z) for a standard normal Z; erfc keeps precision far into the tail.
double normal_upper_tail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

// --- Mann-Whitney U -------------------------------------------------------------------------------

constexpr std::size_t kMaxExactSampleSize = 20;

struct RankSums {
  double rank_sum_a = 0;
  double tie_term = 0;  // sum over groups of tied values of (t^3 - t), for the variance correction
  bool has_ties = false;
};

// Ranks the pooled samples (1-based, ties get the mean of the ranks they span).
RankSums rank_pooled(std::span<const double> a, std::span<const double> b) {
  struct Labeled {
    double value;
    bool from_a;
  };
  std::vector<Labeled> pooled;
  pooled.reserve(a.size() + b.size());
  for (double x : a) pooled.push_back({x, true});
  for (double y : b) pooled.push_back({y, false});
  std::sort(pooled.begin(), pooled.end(),
            [](const Labeled& l, const Labeled& r) { return less_nan_last(l.value, r.value); });

  RankSums sums;
  for (std::size_t first = 0; first < pooled.size();) {
    std::size_t end = first + 1;
    while (end < pooled.size() && pooled[end].value == pooled[first].value) ++end;
    // Ranks first+1 .. end, averaged over the tie group.
    double average_rank = (as_double(first + 1) + as_double(end)) / 2;
    for (std::size_t i = first; i < end; ++i) {
      if (pooled[i].from_a) sums.rank_sum_a += average_rank;
    }
    double group_size = as_double(end - first);
    sums.tie_term += group_size * group_size * group_size - group_size;
    if (end - first > 1) sums.has_ties = true;
    first = end;
  }
  return sums;
}

// count[u] = how many of the C(n1 + n2, n1) orderings of n1 a's and n2 b's have U = u, where U
// counts the (a, b) pairs with a > b. The largest value is either an a, which beats all j b's
// (+j, leaving i-1 a's and j b's), or a b, which beats nothing (leaving i a's and j-1 b's):
// count(i, j, u) = count(i-1, j, u-j) + count(i, j-1, u). Counts stay below C(40, 20) < 2^38.
std::vector<std::uint64_t> exact_u_distribution(std::size_t n1, std::size_t n2) {
  std::size_t u_values = n1 * n2 + 1;
  std::vector<std::uint64_t> zero_a(u_values, 0);
  zero_a[0] = 1;
  // by_b_count[j] holds count(i, j, .) for the current i; it starts at i = 0, where U is always 0.
  std::vector<std::vector<std::uint64_t>> by_b_count(n2 + 1, zero_a);
  for (std::size_t i = 1; i <= n1; ++i) {
    for (std::size_t j = 1; j <= n2; ++j) {
      std::vector<std::uint64_t> next(u_values, 0);
      for (std::size_t u = 0; u < u_values; ++u) {
        next[u] = by_b_count[j - 1][u] + (u >= j ? by_b_count[j][u - j] : 0);
      }
      by_b_count[j] = std::move(next);
    }
  }
  return by_b_count[n2];
}

double exact_two_sided_p(std::size_t n1, std::size_t n2, std::size_t u_smaller) {
  std::vector<std::uint64_t> counts = exact_u_distribution(n1, n2);
  std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  std::uint64_t at_most =
      std::accumulate(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(u_smaller) + 1, std::uint64_t{0});
  // The distribution is symmetric about n1*n2/2, so the two tails are equal.
  return std::min(1.0, 2.0 * static_cast<double>(at_most) / static_cast<double>(total));
}

// --- Student's t via the incomplete beta function -------------------------------------------------

// The continued fraction for I_x(a, b) (DLMF 8.17.22), evaluated with the modified Lentz method,
// which converges quickly for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr int kMaxIterations = 100000;
  constexpr double kRelativeTolerance = 1e-15;
  // Lentz's method divides by running terms; a tiny value stands in for a zero one.
  auto nonzero = [](double v) { return std::abs(v) < 1e-300 ? 1e-300 : v; };

  // Lentz's C and D: the ratios of successive numerators and (inverted) denominators.
  double numerator_term = 1.0;
  double inverse_denominator = 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0));
  double fraction = inverse_denominator;
  for (int m = 1; m <= kMaxIterations; ++m) {
    double md = m;
    // Each step applies the even coefficient d_2m and then the odd one d_2m+1.
    double even = md * (b - md) * x / ((a + 2 * md - 1) * (a + 2 * md));
    inverse_denominator = 1.0 / nonzero(1.0 + even * inverse_denominator);
    numerator_term = nonzero(1.0 + even / numerator_term);
    fraction *= inverse_denominator * numerator_term;

    double odd = -(a + md) * (a + b + md) * x / ((a + 2 * md) * (a + 2 * md + 1));
    inverse_denominator = 1.0 / nonzero(1.0 + odd * inverse_denominator);
    numerator_term = nonzero(1.0 + odd / numerator_term);
    double change = inverse_denominator * numerator_term;
    fraction *= change;
    if (std::abs(change - 1.0) < kRelativeTolerance) break;
  }
  return fraction;
}

// I_x(a, b) given both x and y = 1 - x, so callers that know 1 - x precisely (for the t-test it is
// tiny when t^2 is small against df) do not lose it to cancellation in 1.0 - x.
double incomplete_beta(double a, double b, double x, double y) {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  // x^a y^b / (a B(a, b)) in logs, since the powers alone under- or overflow for large a, b.
  double log_prefactor = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(y);
  double prefactor = std::exp(log_prefactor);
  // The continued fraction converges fast only below the mean of the distribution; above it use
  // the symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return prefactor * beta_continued_fraction(a, b, x) / a;
  return 1.0 - prefactor * beta_continued_fraction(b, a, y) / b;
}

}  // namespace

// --- Summaries and percentiles -------------------------------------------------------------------

Summary summarize(std::span<const double> samples) {
  Summary summary;
  summary.count = samples.size();
  if (samples.empty()) return summary;
  double n = as_double(samples.size());

  // Corrected two-pass algorithm (Chan, Golub & LeVeque): deviations from a first estimate of the
  // mean avoid the catastrophic cancellation of sum(x^2) - n*mean^2 when values sit far from 0
  // (e.g. 1e9 ns timestamps); the sum of deviations cancels the first pass's rounding error.
  double first_mean = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
  double squared_deviations = 0;
  double deviations = 0;
  for (double x : samples) {
    double deviation = x - first_mean;
    squared_deviations += deviation * deviation;
    deviations += deviation;
  }
  summary.mean = first_mean + deviations / n;
  if (samples.size() >= 2) {
    double variance = (squared_deviations - deviations * deviations / n) / (n - 1);
    summary.stddev = std::sqrt(std::max(0.0, variance));
  }

  std::vector<double> sorted = sorted_copy(samples);
  summary.median = median_of_sorted(sorted);
  summary.min = sorted.front();
  summary.max = sorted.back();
  return summary;
}

double percentile_nearest_rank(std::span<const double> samples, double p) {
  if (samples.empty()) return 0;
  std::vector<double> sorted = sorted_copy(samples);
  if (!(p > 0)) return sorted.front();  // also NaN
  if (p >= 100) return sorted.back();

  double exact_rank = p / 100.0 * as_double(sorted.size());
  // p is usually a decimal that binary cannot hold (99.9), so p/100*N lands a few ulps off the
  // integer it means (999.0000000000001), and a bare ceil would skip to the next rank.
  constexpr double kRankRelativeTolerance = 1e-12;
  double nearest_integer = std::round(exact_rank);
  double rank = std::abs(exact_rank - nearest_integer) <= kRankRelativeTolerance * nearest_integer
                    ? nearest_integer
                    : std::ceil(exact_rank);
  rank = std::clamp(rank, 1.0, as_double(sorted.size()));
  return sorted[static_cast<std::size_t>(rank) - 1];
}

double median(std::span<const double> samples) { return median_of_sorted(sorted_copy(samples)); }

// --- Outliers -------------------------------------------------------------------------------------

double median_absolute_deviation(std::span<const double> samples) {
  double center = median(samples);
  std::vector<double> absolute_deviations;
  absolute_deviations.reserve(samples.size());
  for (double x : samples) absolute_deviations.push_back(std::abs(x - center));
  return median(absolute_deviations);
}

std::vector<double> modified_z_scores(std::span<const double> samples) {
  // 0.6745 is the 75th percentile of the standard normal, so 0.6745 / MAD estimates 1 / sigma
  // for normal data while staying unmoved by the outliers being looked for.
  constexpr double kNormalQuartile = 0.6745;
  std::vector<double> scores(samples.size(), 0.0);
  double center = median(samples);
  double mad = median_absolute_deviation(samples);
  // More than half the samples are identical: no spread to measure against, so nothing stands out.
  if (mad == 0) return scores;
  for (std::size_t i = 0; i < samples.size(); ++i) scores[i] = kNormalQuartile * (samples[i] - center) / mad;
  return scores;
}

std::vector<std::size_t> outlier_indices(std::span<const double> samples, double threshold) {
  std::vector<double> scores = modified_z_scores(samples);
  std::vector<std::size_t> outliers;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (std::abs(scores[i]) > threshold) outliers.push_back(i);
  }
  return outliers;
}

// --- Ratio ----------------------------------------------------------------------------------------

// r = a/b with dr/da = 1/b and dr/db = -a/b^2, so to first order
//   sigma_r^2 = (sigma_a / b)^2 + (r * sigma_b / b)^2  ( = r^2 ((sa/a)^2 + (sb/b)^2) ).
// This form never divides by a, so a zero numerator gives sigma_a / b rather than NaN.
// The sigmas are the samples' standard deviations (the spread of one run's ratio, as hyperfine
// reports it), not standard errors of the means.
Ratio ratio_of_means(const Summary& numerator, const Summary& denominator) {
  if (denominator.mean == 0) return {};
  Ratio ratio;
  ratio.value = numerator.mean / denominator.mean;
  ratio.stddev = std::hypot(numerator.stddev / denominator.mean, ratio.value * denominator.stddev / denominator.mean);
  return ratio;
}

// --- Significance tests ---------------------------------------------------------------------------

TestResult mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) return {};
  double n1 = as_double(a.size());
  double n2 = as_double(b.size());
  double pooled_count = n1 + n2;

  RankSums sums = rank_pooled(a, b);
  TestResult result;
  result.statistic = sums.rank_sum_a - n1 * (n1 + 1) / 2;
  double u_smaller = std::min(result.statistic, n1 * n2 - result.statistic);

  if (!sums.has_ties && a.size() <= kMaxExactSampleSize && b.size() <= kMaxExactSampleSize) {
    // With 10 runs a side U takes few values and the normal curve misstates its tails; the exact
    // distribution is cheap (at most 21 x 401 counts). Without ties U is an integer.
    result.p_value = exact_two_sided_p(a.size(), b.size(), static_cast<std::size_t>(std::llround(u_smaller)));
    return result;
  }

  double mean_u = n1 * n2 / 2;
  double variance_u = n1 * n2 / 12 * ((pooled_count + 1) - sums.tie_term / (pooled_count * (pooled_count - 1)));
  if (!(variance_u > 0)) return {result.statistic, 1.0};  // every value ties: no evidence either way
  // The continuity correction (0.5) accounts for U moving in steps while the normal is continuous.
  double z = std::max(0.0, std::abs(result.statistic - mean_u) - 0.5) / std::sqrt(variance_u);
  result.p_value = std::min(1.0, 2 * normal_upper_tail(z));
  return result;
}

TestResult welch_t_test(std::span<const double> a, std::span<const double> b) {
  if (a.size() < 2 || b.size() < 2) return {};
  Summary sa = summarize(a);
  Summary sb = summarize(b);
  double variance_of_mean_a = sa.stddev * sa.stddev / as_double(sa.count);
  double variance_of_mean_b = sb.stddev * sb.stddev / as_double(sb.count);
  double variance_of_difference = variance_of_mean_a + variance_of_mean_b;
  double difference = sa.mean - sb.mean;

  if (variance_of_difference == 0) {
    if (difference == 0) return {};
    // Constant but different samples: the difference is certain.
    return {std::copysign(std::numeric_limits<double>::infinity(), difference), 0.0};
  }
  TestResult result;
  result.statistic = difference / std::sqrt(variance_of_difference);
  // Welch-Satterthwaite, written with the share of each side in the variance so that tiny
  // variances (1e-200) cannot underflow when squared.
  double share_a = variance_of_mean_a / variance_of_difference;
  double share_b = variance_of_mean_b / variance_of_difference;
  double degrees_of_freedom =
      1.0 / (share_a * share_a / as_double(sa.count - 1) + share_b * share_b / as_double(sb.count - 1));
  result.p_value = student_t_two_sided_p(result.statistic, degrees_of_freedom);
  return result;
}

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return 1;
  double t_squared = t * t;
  if (std::isinf(t_squared)) return 0;
  // Beyond ten million degrees of freedom t differs from the normal by < 1e-7, while the beta
  // prefactor, a difference of lgamma values near df * ln(df), loses digits as df grows.
  constexpr double kNormalLimitDf = 1e7;
  if (df > kNormalLimitDf) return std::min(1.0, 2 * normal_upper_tail(std::abs(t)));
  // P(|T| >= |t|) = I_x(df/2, 1/2) with x = df / (df + t^2); 1 - x is passed exactly.
  double x = df / (df + t_squared);
  double one_minus_x = t_squared / (df + t_squared);
  return std::clamp(incomplete_beta(df / 2, 0.5, x, one_minus_x), 0.0, 1.0);
}

double student_t_critical(double alpha, double df) {
  if (!(alpha > 0 && alpha < 1) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  // The p-value falls as t grows: bisect. The upper end doubles until it brackets alpha
  // (df = 1, alpha = 1e-9 needs t ~ 6e8).
  double low = 0;
  double high = 1;
  while (student_t_two_sided_p(high, df) > alpha && high < 1e300) high *= 2;
  for (int i = 0; i < 200 && high - low > 1e-12 * high; ++i) {
    double mid = (low + high) / 2;
    (student_t_two_sided_p(mid, df) > alpha ? low : high) = mid;
  }
  return (low + high) / 2;
}

double regularized_incomplete_beta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  x = std::clamp(x, 0.0, 1.0);
  return std::clamp(incomplete_beta(a, b, x, 1.0 - x), 0.0, 1.0);
}

}  // namespace perfgate::stats
