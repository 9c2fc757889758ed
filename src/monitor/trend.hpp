// The slope of a resource series over time, with a 95% interval that stays honest when the
// samples are autocorrelated (they always are: RSS at t and at t + 1s share most of their pages),
// and the leak verdict built on it. Used by `perfgate monitor`, suites and soak runs.
#pragma once

#include <cstddef>
#include <span>

namespace perfgate::monitor {

// An OLS slope in units of the series per hour with its 95% interval. The interval is
// [-inf, +inf] when there are too few samples to say anything (fewer than 5).
struct TrendEstimate {
  double slope_per_h = 0;                // units of the series per hour
  double ci95_low = 0, ci95_high = 0;    // honest for autocorrelated samples
  std::size_t samples = 0;
};

// The least-squares slope of `values` over `t_s` (seconds, increasing), with an interval from the
// equal-weighted cosine (EWC) long-run variance and Student's t with its degrees of freedom
// (see trend.cpp for the method and its references). A constant series gives [0, 0].
//   trend_per_hour({0, 1, 2, 3, 4, 5}, {10, 11, 12, 13, 14, 15})  // slope 3600, ci95 [3600, 3600]
TrendEstimate trend_per_hour(std::span<const double> t_s, std::span<const double> values);

// The least growth over the judged window that can be called a leak, at the low end of the
// slope's interval: less is what caches, pools and an allocator's arenas do while a service warms
// up, and a slope per hour from a few seconds of it extrapolates noise (an interrupted 6 s soak
// once read "LEAK +21 MiB/h" from 35 KiB). For RSS a mebibyte; for threads and fds, one.
inline constexpr double kLeakMinGrowthBytes = 1024.0 * 1024.0;
inline constexpr double kLeakMinGrowthCount = 1;

struct LeakVerdict {
  TrendEstimate trend;
  double threshold_per_h = 0;
  double window_s = 0;   // from the first to the last sample judged
  bool judged = false;   // false: above the threshold, but too little growth to tell (above)
  bool leaking = false;  // judged, and the whole interval above the threshold
};

// Drops the samples in the first `warmup_fraction` of the time window, then fits the trend:
// leaking when the whole 95% interval lies above `threshold_per_h` (the allowed growth) and its
// low end amounts to at least `min_growth` over the window judged (else not judged). A sawtooth,
// a warm-up that plateaus and allocator jitter give wide or flat intervals, not leaks.
LeakVerdict leak_check(std::span<const double> t_s, std::span<const double> values, double threshold_per_h,
                       double warmup_fraction, double min_growth);

}  // namespace perfgate::monitor
