// Tests for the parsing and formatting of durations, rates, sizes and percentages.
#include "core/units.hpp"

#include <gtest/gtest.h>

namespace perfgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsTheDesignUnits) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("10s"), seconds(10));
  EXPECT_EQ(parse_duration("2m"), seconds(120));
  EXPECT_EQ(parse_duration("1h30m"), seconds(5400));
  EXPECT_EQ(parse_duration("24h"), seconds(86400));
  EXPECT_EQ(parse_duration("250us"), std::chrono::microseconds(250));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("3"), seconds(3));
  EXPECT_EQ(parse_duration("0s"), seconds(0));
}

TEST(ParseDuration, RejectsGarbage) {
  for (const char* bad : {"", "s", "ten", "10x", "-1s", "1s2", "1 s", "1e3s", "10s 5ms"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ParseRate, PerSecondMinuteHour) {
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("1000"), 1000);
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("1000/s"), 1000);
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("1000/m"), 1000.0 / 60);
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("60/h"), 1.0 / 60);
  EXPECT_FALSE(parse_rate_per_s("0").has_value());
  EXPECT_FALSE(parse_rate_per_s("fast").has_value());
  EXPECT_FALSE(parse_rate_per_s("10/d").has_value());
}

TEST(ParseSize, PowersOf1024) {
  EXPECT_EQ(*parse_size_bytes("512B"), 512u);
  EXPECT_EQ(*parse_size_bytes("64KB"), 64u * 1024);
  EXPECT_EQ(*parse_size_bytes("500MB"), 500u * 1024 * 1024);
  EXPECT_EQ(*parse_size_bytes("10"), 10u);
  EXPECT_FALSE(parse_size_bytes("10 parsecs").has_value());
}

TEST(ParsePercent, FractionOfOne) {
  EXPECT_DOUBLE_EQ(*parse_percent_fraction("0.1%"), 0.001);
  EXPECT_DOUBLE_EQ(*parse_percent_fraction("50"), 0.5);
  EXPECT_FALSE(parse_percent_fraction("101%").has_value());
  EXPECT_FALSE(parse_percent_fraction("x%").has_value());
}

TEST(Format, ReadableUnits) {
  EXPECT_EQ(format_duration(std::chrono::microseconds(1500)), "1.50ms");
  EXPECT_EQ(format_duration(std::chrono::nanoseconds(250)), "250ns");
  EXPECT_EQ(format_duration(seconds(2)), "2.00s");
  EXPECT_EQ(format_bytes(2048), "2.00 KiB");
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_count(12), "12");
}

TEST(ParseByteRate, SizePerTimeUnit) {
  EXPECT_DOUBLE_EQ(*parse_byte_rate_per_s("2MB/s"), 2.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parse_byte_rate_per_s("1MB/h"), 1024.0 * 1024 / 3600);
  EXPECT_DOUBLE_EQ(*parse_byte_rate_per_s("512KB/m"), 512.0 * 1024 / 60);
  EXPECT_DOUBLE_EQ(*parse_byte_rate_per_s("0"), 0);
  EXPECT_DOUBLE_EQ(*parse_byte_rate_per_s("0MB/h"), 0);
  EXPECT_FALSE(parse_byte_rate_per_s("1MB").has_value());    // a size, not a rate
  EXPECT_FALSE(parse_byte_rate_per_s("1MB/d").has_value());  // no such time unit
  EXPECT_FALSE(parse_byte_rate_per_s("lots/s").has_value());
  EXPECT_FALSE(parse_byte_rate_per_s("-1MB/s").has_value());
}

}  // namespace
}  // namespace perfgate
