// An HDR-style log-linear histogram (the HdrHistogram layout): a flat array of counts
// covering [lowest, highest] with a fixed number of significant decimal digits.
// record() is O(1) and never allocates; histograms of the same shape merge exactly.
// perfgate records latencies in nanoseconds with the default shape: 1 µs to 1 h, 3 digits.
// Knows nothing of JSON, files or base64: see histogram_codec.hpp for that.
#pragma once

#include <cstdint>
#include <vector>

namespace perfgate {

class Histogram {
 public:
  static constexpr std::int64_t kDefaultLowestDiscernibleNs = 1;  // ns resolution at small values
  static constexpr std::int64_t kDefaultClampLowNs = 1'000;                 // 1 µs
  static constexpr std::int64_t kDefaultHighestNs = 3'600'000'000'000;    // 1 h
  static constexpr int kDefaultSignificantDigits = 3;

  // The default shape: values in ns, lowest discernible 1 ns, highest 1 h, 3 significant
  // digits; values below 1 µs are clamped up to 1 µs.
  Histogram();
  // lowest_discernible >= 1, highest >= 2 * lowest, significant_digits in [1, 5];
  // throws std::invalid_argument otherwise.
  // Values below `clamp_low` (0 means: lowest_discernible) or above highest are clamped
  // into [clamp_low, highest] and counted in clamped_count().
  Histogram(std::int64_t lowest_discernible, std::int64_t highest, int significant_digits,
            std::int64_t clamp_low = 0);

  // Records one value (clamped into range). O(1), no allocation.
  void record(std::int64_t value) noexcept;
  void record_n(std::int64_t value, std::int64_t count) noexcept;
  // Adds every count of `other`. Exact when both have the same shape; otherwise each
  // bucket of `other` is re-recorded at its representative value.
  void merge(const Histogram& other);
  void reset() noexcept;

  std::int64_t total_count() const noexcept { return total_count_; }
  std::int64_t clamped_count() const noexcept { return clamped_count_; }
  // 0 when empty. min/max are the recorded extremes at the histogram's precision.
  std::int64_t min() const noexcept;
  std::int64_t max() const noexcept;
  double mean() const noexcept;
  double stddev() const noexcept;
  // percentile in [0, 100]: the smallest value v such that at least p% of the
  // recorded values are <= v, reported as the highest value equivalent to v's bucket
  // (as HdrHistogram does). 0 when empty.
  std::int64_t value_at_percentile(double percentile) const noexcept;

  // Bucket iteration: f(lowest_equivalent_value, highest_equivalent_value, count) for
  // every bucket with a non-zero count, in increasing order of value.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::int32_t i = 0; i < counts_len_; ++i) {
      if (counts_[static_cast<std::size_t>(i)] != 0) {
        std::int64_t low = value_from_index(i);
        f(low, highest_equivalent_value(low), counts_[static_cast<std::size_t>(i)]);
      }
    }
  }

  // Shape and raw counts, for the codec and for exact merging.
  std::int64_t lowest_discernible_value() const noexcept { return lowest_discernible_; }
  std::int64_t highest_trackable_value() const noexcept { return highest_trackable_; }
  int significant_digits() const noexcept { return significant_digits_; }
  std::int32_t counts_len() const noexcept { return counts_len_; }
  std::int64_t count_at_index(std::int32_t index) const noexcept { return counts_[static_cast<std::size_t>(index)]; }
  // Adds `count` at a raw index (used by the decoder); index must be < counts_len().
  void add_at_index(std::int32_t index, std::int64_t count) noexcept;
  bool same_shape(const Histogram& other) const noexcept;

  std::int32_t index_of(std::int64_t value) const noexcept;
  std::int64_t value_from_index(std::int32_t index) const noexcept;
  std::int64_t lowest_equivalent_value(std::int64_t value) const noexcept;
  std::int64_t highest_equivalent_value(std::int64_t value) const noexcept;
  std::int64_t median_equivalent_value(std::int64_t value) const noexcept;

 private:
  std::int32_t bucket_index_of(std::int64_t value) const noexcept;
  std::int64_t equivalent_range_size(std::int64_t value) const noexcept;

  std::int64_t lowest_discernible_;
  std::int64_t highest_trackable_;
  std::int64_t clamp_low_;
  int significant_digits_;
  std::int32_t unit_magnitude_;
  std::int32_t sub_bucket_half_count_magnitude_;
  std::int32_t sub_bucket_count_;
  std::int32_t sub_bucket_half_count_;
  std::int64_t sub_bucket_mask_;
  std::int32_t bucket_count_;
  std::int32_t counts_len_;
  std::int64_t total_count_ = 0;
  std::int64_t clamped_count_ = 0;
  std::int64_t min_value_;   // raw recorded extremes (after clamping)
  std::int64_t max_value_;
  std::vector<std::int64_t> counts_;
};

}  // namespace perfgate
