// Tests for the ISO-8601 timestamps of operation logs: the accepted forms, the rejected ones,
// and formatting back (also before 1970).
#include "oplog/timestamp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace perfgate::oplog {
namespace {

constexpr std::int64_t kJan6 = 1767657600LL * kNanosPerSecond;  // 2026-01-06T00:00:00Z

TEST(OplogTimestamp, AcceptsUtcWithAndWithoutFractionsAndOffsets) {
  EXPECT_EQ(parse_timestamp_ns("2026-01-06T00:00:00Z"), kJan6);
  EXPECT_EQ(parse_timestamp_ns("2026-01-06T13:28:00.191Z"),
            kJan6 + (13 * 3600 + 28 * 60) * kNanosPerSecond + 191'000'000);
  EXPECT_EQ(parse_timestamp_ns("2026-01-06T00:00:00+00:00"), kJan6);
  EXPECT_EQ(parse_timestamp_ns("2026-01-06T00:00:00.5Z"), kJan6 + 500'000'000);
  EXPECT_EQ(parse_timestamp_ns("2026-01-06T00:00:00.123456789Z"), kJan6 + 123'456'789);
  EXPECT_EQ(parse_timestamp_ns("2026-01-06T01:30:00+01:30"), kJan6);
  EXPECT_EQ(parse_timestamp_ns("2026-01-05T22:00:00-02:00"), kJan6);
  EXPECT_EQ(parse_timestamp_ns("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp_ns("1969-12-31T23:59:59.999Z"), -1'000'000);
  EXPECT_EQ(parse_timestamp_ns("2024-02-29T00:00:00Z"), 1709164800LL * kNanosPerSecond);
}

TEST(OplogTimestamp, RejectsEverythingElse) {
  for (const char* bad : {"",
                          "2026-01-06",
                          "2026-01-06T00:00:00",
                          "2026-01-06 00:00:00Z",
                          "2026-01-06T00:00Z",
                          "2026-1-06T00:00:00Z",
                          "2026-13-01T00:00:00Z",
                          "2026-04-31T00:00:00Z",
                          "2025-02-29T00:00:00Z",
                          "2026-01-06T24:00:00Z",
                          "2026-01-06T00:60:00Z",
                          "2026-01-06T00:00:60Z",
                          "2026-01-06T00:00:00.Z",
                          "2026-01-06T00:00:00.1234567890Z",
                          "2026-01-06T00:00:00+0100",
                          "2026-01-06T00:00:00+01",
                          "2026-01-06T00:00:00Zjunk",
                          "2026-01-06T00:00:00z",
                          "yesterday",
                          "2026-01-06T0a:00:00Z",
                          "+2026-01-06T00:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp_ns(bad).has_value()) << bad;
  }
}

// The parser remembers the last minute it read (logs are in time order): times read one after
// the other, in order and shuffled, each right after a bad one that shares its minute.
TEST(OplogTimestamp, ReadsEveryTimeAlsoRightAfterOneOfTheSameMinute) {
  std::vector<std::int64_t> times;
  for (std::int64_t t = kJan6 - 2 * kNanosPerDay; t < kJan6 + kNanosPerDay; t += 59'001'000'000) times.push_back(t);
  std::vector<std::int64_t> shuffled = times;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  times.insert(times.end(), shuffled.begin(), shuffled.end());
  for (std::int64_t t : times) {
    std::string text = format_timestamp_ms(t);
    EXPECT_EQ(parse_timestamp_ns(text), t) << text;
    EXPECT_FALSE(parse_timestamp_ns(text.substr(0, 17) + "6" + text.substr(18)).has_value()) << text;
    EXPECT_FALSE(parse_timestamp_ns(text.substr(0, 17) + "0x" + text.substr(19)).has_value()) << text;
    EXPECT_FALSE(parse_timestamp_ns(text.substr(0, 16) + "-" + text.substr(17)).has_value()) << text;
    EXPECT_EQ(parse_timestamp_ns(text.substr(0, 19) + "+01:00"),
              t / kNanosPerSecond * kNanosPerSecond - 3600 * kNanosPerSecond);
  }
}

// 64-bit nanoseconds hold the times from 1677-09-21 to 2262-04-11; later or earlier ones would
// wrap around to some other time (a record of the year 9999 was filed in 1816 before this was checked).
TEST(OplogTimestamp, RefusesTimesThatNanosecondsCannotHold) {
  EXPECT_EQ(parse_timestamp_ns("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_timestamp_ns("1677-09-21T00:12:43.145224192Z"), std::numeric_limits<std::int64_t>::min());
  for (const char* outside : {"2262-04-11T23:47:16.854775808Z", "2262-04-11T23:47:17Z", "9999-12-31T23:59:59.999Z",
                              "1677-09-21T00:12:43.145224191Z", "1677-09-21T00:12:42Z", "0000-01-01T00:00:00Z",
                              "2262-04-12T00:00:00+00:00", "2262-04-11T23:47:16.9-00:01"}) {
    EXPECT_FALSE(parse_timestamp_ns(outside).has_value()) << outside;
  }
  EXPECT_EQ(parse_timestamp_ns("2262-04-12T00:47:16.854775807+01:00"), std::numeric_limits<std::int64_t>::max());
}

TEST(OplogTimestamp, FormatsMillisecondsAndDates) {
  EXPECT_EQ(format_timestamp_ms(kJan6 + 191'999'999), "2026-01-06T00:00:00.191Z");
  EXPECT_EQ(format_timestamp_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_date(kJan6 - 1), "2026-01-05");
  EXPECT_EQ(format_date(kJan6), "2026-01-06");
  for (const char* text : {"2026-01-06T13:28:00.191Z", "2000-02-29T23:59:59.000Z", "1960-07-04T12:00:00.001Z"}) {
    EXPECT_EQ(format_timestamp_ms(*parse_timestamp_ns(text)), text);
  }
}

}  // namespace
}  // namespace perfgate::oplog
