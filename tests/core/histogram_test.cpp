// Tests of the HDR histogram: its HdrHistogram layout, clamping, merging, statistics, and
// percentiles checked against an exact nearest-rank reference on random data.
#include "core/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace perfgate {
namespace {

constexpr std::int64_t kOneHourUs = 3'600'000'000;  // HdrHistogram's own tests use this shape

TEST(Histogram, DefaultShapeIsNanosecondsFromOneMicrosecondToOneHour) {
  Histogram h;
  EXPECT_EQ(h.lowest_discernible_value(), 1);
  EXPECT_EQ(h.highest_trackable_value(), 3'600'000'000'000);
  EXPECT_EQ(h.significant_digits(), 3);
  // 2048 sub-buckets, 32 buckets: (32 + 1) * 1024 slots.
  EXPECT_EQ(h.counts_len(), 33'792);
  EXPECT_EQ(h.total_count(), 0);
}

TEST(Histogram, LayoutMatchesHdrHistogram) {
  // HdrHistogram_py test_basic: (1, 3.6e9, 3) has 22 buckets of 2048 and 23552 slots.
  EXPECT_EQ(Histogram(1, kOneHourUs, 3).counts_len(), 23'552);
  // HdrHistogram_py test_highest_equivalent_value / test_scaled_highest_equiv_value.
  Histogram h(1, kOneHourUs, 3);
  EXPECT_EQ(h.highest_equivalent_value(8180 * 1024), 8183 * 1024 + 1023);
  EXPECT_EQ(h.highest_equivalent_value(8191 * 1024), 8191 * 1024 + 1023);
  EXPECT_EQ(h.highest_equivalent_value(8193 * 1024), 8199 * 1024 + 1023);
  EXPECT_EQ(h.highest_equivalent_value(9995 * 1024), 9999 * 1024 + 1023);
  EXPECT_EQ(h.highest_equivalent_value(10007 * 1024), 10007 * 1024 + 1023);
  EXPECT_EQ(h.highest_equivalent_value(10008 * 1024), 10015 * 1024 + 1023);
  EXPECT_EQ(h.highest_equivalent_value(8180), 8183);
  EXPECT_EQ(h.highest_equivalent_value(8191), 8191);
  EXPECT_EQ(h.highest_equivalent_value(8193), 8199);
  EXPECT_EQ(h.highest_equivalent_value(10008), 10015);
  EXPECT_EQ(h.lowest_equivalent_value(10008), 10008);
  EXPECT_EQ(h.median_equivalent_value(10008), 10012);
  // Below 2048 every value has its own slot.
  EXPECT_EQ(h.index_of(2047), 2047);
  EXPECT_EQ(h.highest_equivalent_value(2047), 2047);
}

void expect_index_value_round_trip(const Histogram& h) {
  for (std::int32_t i = 0; i < h.counts_len(); ++i) {
    const std::int64_t low = h.value_from_index(i);
    ASSERT_EQ(h.index_of(low), i) << "slot " << i;
    ASSERT_EQ(h.lowest_equivalent_value(low), low);
    const std::int64_t high = h.highest_equivalent_value(low);
    ASSERT_EQ(h.index_of(high), i);
    if (i + 1 < h.counts_len()) {
      ASSERT_EQ(high + 1, h.value_from_index(i + 1)) << "gap after slot " << i;
    }
  }
  EXPECT_LT(h.index_of(h.highest_trackable_value()), h.counts_len());
}

TEST(Histogram, EverySlotRoundTripsAndSlotsAreContiguous) {
  expect_index_value_round_trip(Histogram());
  expect_index_value_round_trip(Histogram(1000, 60'000'000'000, 2));
  expect_index_value_round_trip(Histogram(1, 1'000'000, 5));
  expect_index_value_round_trip(Histogram(1, std::numeric_limits<std::int64_t>::max(), 3));
}

TEST(Histogram, BucketWidthStaysWithinThreeDigits) {
  Histogram h;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> any(0, h.highest_trackable_value());
  for (int i = 0; i < 20'000; ++i) {
    const std::int64_t v = i % 2 == 0 ? any(rng) : any(rng) >> (i % 40);
    const std::int64_t low = h.lowest_equivalent_value(v);
    const std::int64_t high = h.highest_equivalent_value(v);
    ASSERT_LE(low, v);
    ASSERT_GE(high, v);
    ASSERT_LE(static_cast<double>(high - low), 1e-3 * static_cast<double>(v)) << v;
    ASSERT_EQ(h.value_from_index(h.index_of(v)), low);
  }
}

TEST(Histogram, RejectsBadShapes) {
  EXPECT_THROW(Histogram(0, 1000, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(10, 19, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1000, 0), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1000, 6), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1000, 3, 2000), std::invalid_argument);
  EXPECT_THROW(Histogram(std::int64_t{1} << 55, std::numeric_limits<std::int64_t>::max(), 3), std::invalid_argument);
}

TEST(Histogram, ValuesOutsideTheRangeAreClampedAndCounted) {
  Histogram h;
  h.record(5);  // below 1 µs
  h.record(0);
  h.record(-7);
  h.record(1'000);  // exactly the clamp: not clamped
  h.record(h.highest_trackable_value());
  h.record(h.highest_trackable_value() + 1);
  h.record_n(std::numeric_limits<std::int64_t>::max(), 3);
  EXPECT_EQ(h.total_count(), 9);
  EXPECT_EQ(h.clamped_count(), 7);
  EXPECT_EQ(h.min(), 1'000);
  EXPECT_EQ(h.count_at_index(h.index_of(1'000)), 4);
  EXPECT_EQ(h.count_at_index(h.index_of(h.highest_trackable_value())), 5);
  EXPECT_EQ(h.max(), h.highest_equivalent_value(h.highest_trackable_value()));
}

TEST(Histogram, RecordNIgnoresNonPositiveCounts) {
  Histogram h;
  h.record_n(5'000, 0);
  h.record_n(5'000, -3);
  EXPECT_EQ(h.total_count(), 0);
  h.record_n(5'000, 4);
  EXPECT_EQ(h.total_count(), 4);
}

TEST(Histogram, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
  EXPECT_EQ(h.value_at_percentile(100), 0);
}

TEST(Histogram, MinMaxMeanStddevOnKnownData) {
  // HdrHistogram_py test_mean_stddev: 1000, 1000, 3000, 3000 -> mean 2000.5, stddev 1000.5
  // (3000 sits in a 2-wide slot whose median-equivalent value is 3001).
  for (Histogram h : {Histogram(1, kOneHourUs, 3), Histogram()}) {
    for (std::int64_t v : {1000, 1000, 3000, 3000}) h.record(v);
    EXPECT_EQ(h.min(), 1000);
    EXPECT_EQ(h.max(), 3001);
    EXPECT_DOUBLE_EQ(h.mean(), 2000.5);
    EXPECT_DOUBLE_EQ(h.stddev(), 1000.5);
  }
  Histogram exact(1, 1'000'000, 3);  // values below 2048 are exact
  for (std::int64_t v : {2, 4, 4, 4, 5, 5, 7, 9}) exact.record(v);
  EXPECT_EQ(exact.min(), 2);
  EXPECT_EQ(exact.max(), 9);
  EXPECT_DOUBLE_EQ(exact.mean(), 5.0);
  EXPECT_DOUBLE_EQ(exact.stddev(), 2.0);
}

TEST(Histogram, PercentilesFollowHdrHistogram) {
  // HdrHistogram_py test_percentiles: 10000 x 1000 and one 100000000.
  Histogram h(1, kOneHourUs, 3);
  h.record_n(1000, 10'000);
  h.record(100'000'000);
  EXPECT_EQ(h.total_count(), 10'001);
  EXPECT_EQ(h.value_at_percentile(30.0), 1000);
  EXPECT_EQ(h.value_at_percentile(99.0), 1000);
  EXPECT_EQ(h.value_at_percentile(99.99), 1000);
  EXPECT_EQ(h.value_at_percentile(99.999), h.highest_equivalent_value(100'000'000));
  EXPECT_EQ(h.value_at_percentile(100.0), h.max());
  EXPECT_EQ(h.value_at_percentile(0.0), h.min());
  EXPECT_EQ(h.value_at_percentile(-5.0), h.min());
  EXPECT_EQ(h.value_at_percentile(250.0), h.max());
  EXPECT_EQ(h.value_at_percentile(std::nan("")), h.min());
}

TEST(Histogram, PercentileRankIsNotSkewedByFloatingPointNoise) {
  Histogram h(1, 1'000'000, 3);
  for (std::int64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(99.9), 999);  // rank 999 of 1000, not 1000
  EXPECT_EQ(h.value_at_percentile(0.1), 1);
  EXPECT_EQ(h.value_at_percentile(50.0), 500);
  EXPECT_EQ(h.value_at_percentile(50.05), 501);
}

TEST(Histogram, ForEachBucketVisitsEveryCountInOrder) {
  Histogram h;
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> value(1, 5'000'000);
  for (int i = 0; i < 10'000; ++i) h.record(value(rng));
  std::int64_t seen = 0;
  std::int64_t previous_high = -1;
  h.for_each_bucket([&](std::int64_t low, std::int64_t high, std::int64_t count) {
    EXPECT_GT(low, previous_high);
    EXPECT_EQ(high, h.highest_equivalent_value(low));
    EXPECT_GT(count, 0);
    previous_high = high;
    seen += count;
  });
  EXPECT_EQ(seen, h.total_count());
  EXPECT_EQ(previous_high, h.max());
}

TEST(Histogram, MergeOfSameShapeIsExact) {
  Histogram a;
  Histogram b;
  Histogram both;
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::int64_t> value(1, 2'000'000'000);
  for (int i = 0; i < 5'000; ++i) {
    const std::int64_t v = value(rng);
    (i % 3 == 0 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.total_count(), both.total_count());
  EXPECT_EQ(a.clamped_count(), both.clamped_count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  for (std::int32_t i = 0; i < a.counts_len(); ++i) ASSERT_EQ(a.count_at_index(i), both.count_at_index(i));
  a.merge(Histogram());  // merging nothing changes nothing
  EXPECT_EQ(a.total_count(), both.total_count());
}

TEST(Histogram, MergeOfOtherShapeReRecordsEachBucket) {
  Histogram coarse(100, 10'000'000'000, 2);
  for (std::int64_t v = 10'000; v <= 1'000'000; v += 10'000) coarse.record(v);
  coarse.record(300);  // fine in `coarse`, below the 1 µs clamp of the default shape
  Histogram target;
  target.record(5'000);
  target.merge(coarse);
  EXPECT_EQ(target.total_count(), coarse.total_count() + 1);
  EXPECT_EQ(target.clamped_count(), 1);
  EXPECT_EQ(target.min(), 1'000);
  // Re-recorded values lie within the coarse bucket they came from.
  EXPECT_GE(target.max(), coarse.lowest_equivalent_value(1'000'000));
  EXPECT_LE(target.max(), coarse.highest_equivalent_value(1'000'000) + 1'000);
  // Rank 51 of 102 is the 49th coarse value, 490 µs, known to the coarse shape's 2 digits.
  EXPECT_NEAR(static_cast<double>(target.value_at_percentile(50)), 490'000.0, 490'000.0 * 0.01);
}

TEST(Histogram, MergeCarriesClampedCounts) {
  Histogram a;
  a.record(1);
  Histogram b;
  b.record(2'000);
  b.merge(a);
  EXPECT_EQ(b.total_count(), 2);
  EXPECT_EQ(b.clamped_count(), 1);
}

TEST(Histogram, ResetEmptiesEverything) {
  Histogram h;
  h.record(1);
  h.record(12'345);
  h.reset();
  EXPECT_EQ(h.total_count(), 0);
  EXPECT_EQ(h.clamped_count(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  int buckets = 0;
  h.for_each_bucket([&](std::int64_t, std::int64_t, std::int64_t) { ++buckets; });
  EXPECT_EQ(buckets, 0);
  h.record(7'000);
  EXPECT_EQ(h.min(), 7'000);
  EXPECT_EQ(h.max(), 7'003);
}

TEST(Histogram, AddAtIndexTracksTotalsAndExtremes) {
  Histogram h;
  h.add_at_index(h.index_of(5'000), 2);
  h.add_at_index(h.index_of(9'000'000), 1);
  h.add_at_index(h.counts_len(), 5);  // out of range: ignored
  h.add_at_index(-1, 5);
  EXPECT_EQ(h.total_count(), 3);
  EXPECT_EQ(h.min(), h.lowest_equivalent_value(5'000));
  EXPECT_EQ(h.max(), h.highest_equivalent_value(9'000'000));
}

// Nearest rank ceil(p * N) with p given in thousandths of a percent, computed exactly.
std::int64_t nearest_rank(std::int64_t milli_percent, std::int64_t n) {
  return std::max<std::int64_t>(1, (milli_percent * n + 100'000 - 1) / 100'000);
}

void expect_percentiles_match_sorted_reference(std::vector<std::int64_t> values) {
  Histogram h;
  for (std::int64_t& v : values) {
    h.record(v);
    v = std::clamp(v, Histogram::kDefaultClampLowNs, h.highest_trackable_value());
  }
  std::sort(values.begin(), values.end());
  const auto n = static_cast<std::int64_t>(values.size());
  for (std::int64_t milli :
       {1'000, 10'000, 25'000, 50'000, 75'000, 90'000, 95'000, 99'000, 99'900, 99'990, 99'999, 100'000}) {
    const std::int64_t expected = values[static_cast<std::size_t>(nearest_rank(milli, n) - 1)];
    const std::int64_t got = h.value_at_percentile(static_cast<double>(milli) / 1000.0);
    // The histogram reports the top of the reference value's slot: exact at its precision.
    EXPECT_EQ(got, h.highest_equivalent_value(expected)) << "p" << static_cast<double>(milli) / 1000.0;
    EXPECT_LE(std::abs(static_cast<double>(got - expected)), 1e-3 * static_cast<double>(expected) + 1.0);
  }
  EXPECT_EQ(h.min(), h.lowest_equivalent_value(values.front()));
  EXPECT_EQ(h.max(), h.highest_equivalent_value(values.back()));
}

TEST(Histogram, PercentilesOfUniformValuesMatchNearestRank) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> value(1'000, 1'000'000'000);
  std::vector<std::int64_t> values(100'000);
  for (auto& v : values) v = value(rng);
  expect_percentiles_match_sorted_reference(std::move(values));
}

TEST(Histogram, PercentilesOfLognormalValuesMatchNearestRank) {
  // Median 1 ms, spreading from below 1 µs (clamped) to several seconds.
  std::mt19937_64 rng(43);
  std::lognormal_distribution<double> value(std::log(1e6), 2.5);
  std::vector<std::int64_t> values(100'000);
  for (auto& v : values) v = static_cast<std::int64_t>(value(rng));
  EXPECT_LT(*std::min_element(values.begin(), values.end()), 1'000);
  EXPECT_GT(*std::max_element(values.begin(), values.end()), 1'000'000'000);
  expect_percentiles_match_sorted_reference(std::move(values));
}

TEST(Histogram, PercentilesOfBimodalValuesMatchNearestRank) {
  // A fast path around 200 µs and a slow tail around 80 ms.
  std::mt19937_64 rng(44);
  std::normal_distribution<double> fast(200'000, 20'000);
  std::exponential_distribution<double> slow(1.0 / 80'000'000);
  std::vector<std::int64_t> values(100'000);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<std::int64_t>(i % 20 == 0 ? slow(rng) : fast(rng));
  }
  expect_percentiles_match_sorted_reference(std::move(values));
}

}  // namespace
}  // namespace perfgate
