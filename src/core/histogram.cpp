// The HDR histogram: shape arithmetic, O(1) recording, merging and the statistics read
// from the counts; see histogram.hpp. The layout (unit magnitude, sub-buckets of
// 2^(half magnitude + 1) slots, bucket index from count-leading-zeros) is HdrHistogram's,
// so the raw counts array means the same thing here as in every HdrHistogram port and the
// codec can write it out unchanged.
#include "core/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace perfgate {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// Buckets needed so that `highest` lies below the first untrackable value, as HdrHistogram
// counts them: every bucket doubles the range covered by the one before it.
std::int32_t buckets_to_cover(std::int64_t highest, std::int32_t sub_bucket_count, std::int32_t unit_magnitude) {
  std::int64_t smallest_untrackable = static_cast<std::int64_t>(sub_bucket_count) << unit_magnitude;
  std::int32_t buckets = 1;
  while (smallest_untrackable <= highest) {
    // One more doubling would overflow: the next bucket already reaches past INT64_MAX.
    if (smallest_untrackable > kInt64Max / 2) return buckets + 1;
    smallest_untrackable <<= 1;
    ++buckets;
  }
  return buckets;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return kInt64Max;
  return sum;
}

}  // namespace

Histogram::Histogram()
    : Histogram(kDefaultLowestDiscernibleNs, kDefaultHighestNs, kDefaultSignificantDigits, kDefaultClampLowNs) {}

Histogram::Histogram(std::int64_t lowest_discernible, std::int64_t highest, int significant_digits,
                     std::int64_t clamp_low)
    : lowest_discernible_(lowest_discernible),
      highest_trackable_(highest),
      clamp_low_(clamp_low == 0 ? lowest_discernible : clamp_low),
      significant_digits_(significant_digits) {
  // A bad shape is a programming error (the decoder validates foreign input first).
  if (lowest_discernible < 1) throw std::invalid_argument("histogram: lowest_discernible must be >= 1");
  if (significant_digits < 1 || significant_digits > 5) {
    throw std::invalid_argument("histogram: significant_digits must be in [1, 5]");
  }
  if (lowest_discernible > kInt64Max / 2 || highest < 2 * lowest_discernible) {
    throw std::invalid_argument("histogram: highest must be >= 2 * lowest_discernible");
  }
  if (clamp_low < 0 || clamp_low_ > highest) {
    throw std::invalid_argument("histogram: clamp_low must be in [0, highest]");
  }

  // Values below 2 * 10^digits get single-unit resolution; the sub-bucket count is the
  // power of two that covers them.
  std::int64_t single_unit_limit = 2;
  for (int i = 0; i < significant_digits; ++i) single_unit_limit *= 10;
  const auto sub_bucket_count_magnitude =
      static_cast<std::int32_t>(std::bit_width(static_cast<std::uint64_t>(single_unit_limit - 1)));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, std::int32_t{1}) - 1;
  unit_magnitude_ = 63 - static_cast<std::int32_t>(std::countl_zero(static_cast<std::uint64_t>(lowest_discernible)));
  if (unit_magnitude_ + sub_bucket_half_count_magnitude_ > 61) {
    throw std::invalid_argument("histogram: lowest_discernible too large for the significant digits");
  }
  sub_bucket_count_ = std::int32_t{1} << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = static_cast<std::int64_t>(sub_bucket_count_ - 1) << unit_magnitude_;
  bucket_count_ = buckets_to_cover(highest, sub_bucket_count_, unit_magnitude_);
  counts_len_ = (bucket_count_ + 1) * sub_bucket_half_count_;
  counts_.assign(static_cast<std::size_t>(counts_len_), 0);
  min_value_ = kInt64Max;
  max_value_ = 0;
}

void Histogram::record(std::int64_t value) noexcept { record_n(value, 1); }

void Histogram::record_n(std::int64_t value, std::int64_t count) noexcept {
  if (count <= 0) return;
  if (value < clamp_low_) {
    value = clamp_low_;
    clamped_count_ = saturating_add(clamped_count_, count);
  } else if (value > highest_trackable_) {
    value = highest_trackable_;
    clamped_count_ = saturating_add(clamped_count_, count);
  }
  auto& slot = counts_[static_cast<std::size_t>(index_of(value))];
  slot = saturating_add(slot, count);
  total_count_ = saturating_add(total_count_, count);
  if (value < min_value_) min_value_ = value;
  if (value > max_value_) max_value_ = value;
}

void Histogram::add_at_index(std::int32_t index, std::int64_t count) noexcept {
  if (count <= 0 || index < 0 || index >= counts_len_) return;
  auto& slot = counts_[static_cast<std::size_t>(index)];
  slot = saturating_add(slot, count);
  total_count_ = saturating_add(total_count_, count);
  // The bucket's lowest value stands for the extreme: min()/max() widen it to the bucket.
  const std::int64_t value = value_from_index(index);
  if (value < min_value_) min_value_ = value;
  if (value > max_value_) max_value_ = value;
}

void Histogram::merge(const Histogram& other) {
  if (other.total_count_ == 0 && other.clamped_count_ == 0) return;
  clamped_count_ = saturating_add(clamped_count_, other.clamped_count_);
  if (same_shape(other)) {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      counts_[i] = saturating_add(counts_[i], other.counts_[i]);
    }
    total_count_ = saturating_add(total_count_, other.total_count_);
    min_value_ = std::min(min_value_, other.min_value_);
    max_value_ = std::max(max_value_, other.max_value_);
    return;
  }
  // Different layouts: the best we can do is one representative value per bucket; values
  // outside our range are clamped (and counted) as record() would. A value clamped in
  // `other` and again here would count twice, so the count is capped at the total.
  other.for_each_bucket([this, &other](std::int64_t low, std::int64_t, std::int64_t count) {
    record_n(other.median_equivalent_value(low), count);
  });
  clamped_count_ = std::min(clamped_count_, total_count_);
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = 0;
  clamped_count_ = 0;
  min_value_ = kInt64Max;
  max_value_ = 0;
}

std::int64_t Histogram::min() const noexcept { return total_count_ == 0 ? 0 : lowest_equivalent_value(min_value_); }

std::int64_t Histogram::max() const noexcept { return total_count_ == 0 ? 0 : highest_equivalent_value(max_value_); }

// Mean and standard deviation are computed, as HdrHistogram does, over each bucket's
// median-equivalent value rather than from exact running sums: that way they are the same
// before and after a merge or an encode/decode round trip, at the histogram's precision.
double Histogram::mean() const noexcept {
  if (total_count_ == 0) return 0.0;
  double weighted = 0.0;
  for_each_bucket([&](std::int64_t low, std::int64_t, std::int64_t count) {
    weighted += static_cast<double>(median_equivalent_value(low)) * static_cast<double>(count);
  });
  return weighted / static_cast<double>(total_count_);
}

// Population standard deviation (divides by N, as HdrHistogram does).
double Histogram::stddev() const noexcept {
  if (total_count_ == 0) return 0.0;
  const double average = mean();
  double squares = 0.0;
  for_each_bucket([&](std::int64_t low, std::int64_t, std::int64_t count) {
    const double deviation = static_cast<double>(median_equivalent_value(low)) - average;
    squares += deviation * deviation * static_cast<double>(count);
  });
  return std::sqrt(squares / static_cast<double>(total_count_));
}

std::int64_t Histogram::value_at_percentile(double percentile) const noexcept {
  if (total_count_ == 0) return 0;
  if (!(percentile > 0.0)) return min();  // also catches NaN
  if (percentile >= 100.0) return max();
  // The nearest rank ceil(p/100 * N). The tiny downward nudge removes floating-point noise
  // (99.9 / 100 * 100000 is 99900.00000000001), which would otherwise skip to the next rank.
  const double exact_rank = percentile / 100.0 * static_cast<double>(total_count_);
  const double rank = std::ceil(exact_rank - exact_rank * 1e-12);
  const std::int64_t wanted =
      std::clamp(rank >= static_cast<double>(total_count_) ? total_count_ : static_cast<std::int64_t>(rank),
                 std::int64_t{1}, total_count_);
  std::int64_t cumulative = 0;
  for (std::int32_t i = 0; i < counts_len_; ++i) {
    cumulative += counts_[static_cast<std::size_t>(i)];
    if (cumulative >= wanted) return highest_equivalent_value(value_from_index(i));
  }
  return max();  // unreachable while total_count_ matches the counts
}

bool Histogram::same_shape(const Histogram& other) const noexcept {
  // clamp_low only affects record(), not the meaning of a slot, so it is not part of the shape.
  return lowest_discernible_ == other.lowest_discernible_ && highest_trackable_ == other.highest_trackable_ &&
         significant_digits_ == other.significant_digits_;
}

// Which bucket (power-of-two range) a value falls in: the position of its highest set bit,
// with every value below the first bucket's top folded into bucket 0 by the mask.
std::int32_t Histogram::bucket_index_of(std::int64_t value) const noexcept {
  const auto pow2_ceiling =
      64 - static_cast<std::int32_t>(std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_)));
  return pow2_ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
}

std::int32_t Histogram::index_of(std::int64_t value) const noexcept {
  if (value < 0) value = 0;
  const std::int32_t bucket = bucket_index_of(value);
  const auto sub_bucket = static_cast<std::int32_t>(value >> (bucket + unit_magnitude_));
  // Bucket 0 uses all its sub-buckets; every later bucket only its upper half (the lower
  // half is covered, at finer resolution, by the bucket before it).
  return ((bucket + 1) << sub_bucket_half_count_magnitude_) + (sub_bucket - sub_bucket_half_count_);
}

std::int64_t Histogram::value_from_index(std::int32_t index) const noexcept {
  std::int32_t bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  std::int32_t sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return static_cast<std::int64_t>(sub_bucket) << (bucket + unit_magnitude_);
}

std::int64_t Histogram::equivalent_range_size(std::int64_t value) const noexcept {
  if (value < 0) value = 0;
  const std::int32_t bucket = bucket_index_of(value);
  const auto sub_bucket = static_cast<std::int64_t>(value >> (bucket + unit_magnitude_));
  const std::int32_t adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return std::int64_t{1} << (unit_magnitude_ + adjusted);
}

std::int64_t Histogram::lowest_equivalent_value(std::int64_t value) const noexcept {
  if (value < 0) value = 0;
  const std::int32_t bucket = bucket_index_of(value);
  const std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  return sub_bucket << (bucket + unit_magnitude_);
}

std::int64_t Histogram::highest_equivalent_value(std::int64_t value) const noexcept {
  // low + (size - 1) cannot overflow: ranges are power-of-two aligned and end by 2^63 - 1.
  return lowest_equivalent_value(value) + (equivalent_range_size(value) - 1);
}

std::int64_t Histogram::median_equivalent_value(std::int64_t value) const noexcept {
  return lowest_equivalent_value(value) + (equivalent_range_size(value) >> 1);
}

}  // namespace perfgate
