// The trend statistic behind the leak and drift verdicts.
//
// The slope is ordinary least squares. Its standard error cannot be the textbook one: resource
// samples are strongly autocorrelated (RSS one second apart shares most of its pages; a sawtooth
// repeats), and the i.i.d. error would call every wobble a trend. We use a
// heteroskedasticity-and-autocorrelation-robust (HAR) error, the equal-weighted cosine (EWC)
// estimator of the long-run variance of z_t = (t - mean t) * residual_t:
//   Lambda_j = sqrt(2/T) * sum_t z_t cos(pi j (t - 1/2) / T),   Omega = mean of Lambda_j^2, j = 1..nu,
//   Var(slope) = T * Omega / Sxx^2,
// with nu = max(1, floor(0.4 T^(2/3))) and the interval from Student's t with nu degrees of freedom,
// which is exact under fixed-nu asymptotics. References: U. K. Mueller (2004), "A theory of robust
// long-run variance estimation", and E. Lazarus, D. J. Lewis, J. H. Stock, M. W. Watson (2018),
// "HAR inference: recommendations for practice", Journal of Business & Economic Statistics 36(4),
// 541-559 (the choice of nu and the t_nu critical values). Compared with Newey-West (Bartlett
// kernel, 1987), EWC keeps its size under strong persistence in short series, and its
// low-frequency projections take in the power of a sawtooth whose period is shorter than
// 2T/nu samples, so freeing memory every few seconds widens the interval instead of faking a slope.
#include "monitor/trend.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "core/statistics.hpp"

namespace perfgate::monitor {
namespace {

constexpr double kSecondsPerHour = 3600;
constexpr std::size_t kMinSamples = 5;

TrendEstimate unknown_trend(std::size_t samples, double slope_per_h) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return TrendEstimate{slope_per_h, -kInf, kInf, samples};
}

}  // namespace

TrendEstimate trend_per_hour(std::span<const double> t_s, std::span<const double> values) {
  const std::size_t n = std::min(t_s.size(), values.size());
  if (n < 2) {
    return unknown_trend(n, 0);
  }
  // Values are taken relative to the first one so that a constant series gives exact zeros
  // (large byte counts would otherwise leave rounding residue that a threshold of 0 sees).
  const double origin = values[0];
  double t_mean = 0;
  double y_mean = 0;
  for (std::size_t i = 0; i < n; ++i) {
    t_mean += t_s[i];
    y_mean += values[i] - origin;
  }
  t_mean /= static_cast<double>(n);
  y_mean /= static_cast<double>(n);
  double sxx = 0;
  double sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = t_s[i] - t_mean;
    sxx += dt * dt;
    sxy += dt * (values[i] - origin - y_mean);
  }
  if (!(sxx > 0)) {
    return unknown_trend(n, 0);
  }
  const double slope = sxy / sxx;
  if (n < kMinSamples) {
    return unknown_trend(n, slope * kSecondsPerHour);
  }

  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = t_s[i] - t_mean;
    const double residual = values[i] - origin - y_mean - slope * dt;
    z[i] = dt * residual;
  }
  const double big_t = static_cast<double>(n);
  const auto nu = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(0.4 * std::pow(big_t, 2.0 / 3.0))));
  double omega = 0;
  for (std::size_t j = 1; j <= nu; ++j) {
    double lambda = 0;
    const double step = std::numbers::pi * static_cast<double>(j) / big_t;
    for (std::size_t i = 0; i < n; ++i) {
      lambda += z[i] * std::cos(step * (static_cast<double>(i) + 0.5));
    }
    lambda *= std::sqrt(2 / big_t);
    omega += lambda * lambda;
  }
  omega /= static_cast<double>(nu);
  const double standard_error = std::sqrt(big_t * omega) / sxx;
  const double critical = stats::student_t_critical(0.05, static_cast<double>(nu));
  const double half_width = critical * standard_error;
  return TrendEstimate{slope * kSecondsPerHour, (slope - half_width) * kSecondsPerHour,
                       (slope + half_width) * kSecondsPerHour, n};
}

LeakVerdict leak_check(std::span<const double> t_s, std::span<const double> values, double threshold_per_h,
                       double warmup_fraction, double min_growth) {
  const std::size_t n = std::min(t_s.size(), values.size());
  std::size_t first = 0;
  if (n > 0) {
    const double cut = t_s[0] + std::clamp(warmup_fraction, 0.0, 1.0) * (t_s[n - 1] - t_s[0]);
    while (first < n && t_s[first] < cut) {
      ++first;
    }
  }
  LeakVerdict verdict;
  verdict.threshold_per_h = threshold_per_h;
  verdict.trend = trend_per_hour(t_s.subspan(first, n - first), values.subspan(first, n - first));
  verdict.window_s = n > first ? t_s[n - 1] - t_s[first] : 0;
  const bool above = verdict.trend.samples >= kMinSamples && verdict.trend.ci95_low > threshold_per_h;
  verdict.judged = verdict.trend.samples >= kMinSamples &&
                   (!above || verdict.trend.ci95_low * verdict.window_s / kSecondsPerHour >= min_growth);
  verdict.leaking = above && verdict.judged;
  return verdict;
}

}  // namespace perfgate::monitor
