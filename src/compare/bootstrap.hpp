// A percentile-bootstrap confidence interval of the ratio of two medians (current / baseline).
// It complements the rank test: the test says whether the samples differ, the interval says by
// how much, in the same terms as the gate's allowed change. Deterministic for a given seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace perfgate::compare {

struct RatioInterval {
  double low = 0;
  double high = 0;
  bool excludes_one() const { return low > 1 || high < 1; }
};

// Resamples each side with replacement `resamples` times and takes the (1 - confidence) / 2 and
// (1 + confidence) / 2 percentiles of median(current*) / median(baseline*).
// nullopt when either side is empty or a resampled baseline median is 0 (the ratio is undefined).
//   bootstrap_ratio_of_medians({10, 11, 12}, {20, 21, 22}, 2000, 0.95, 7)  // about [1.7, 2.2]
std::optional<RatioInterval> bootstrap_ratio_of_medians(std::span<const double> baseline,
                                                        std::span<const double> current, std::size_t resamples,
                                                        double confidence, std::uint64_t seed);

}  // namespace perfgate::compare
