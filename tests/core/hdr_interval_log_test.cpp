// The interval log is read back as HdrHistogram's readers read it: header, legend, lines.
#include "core/hdr_interval_log.hpp"

#include <gtest/gtest.h>

namespace perfgate {
namespace {

TEST(HdrIntervalLog, HeaderHasTheStandardLinesAndTimes) {
  std::string header = hdr_log_header(1'764'979'200'500'000'000);  // 2025-12-06 00:00:00.5 UTC
  EXPECT_EQ(header,
            "#[Histogram log format version 1.3]\n"
            "#[StartTime: 1764979200.500 (seconds since epoch), Sat Dec 06 00:00:00 UTC 2025]\n"
            "#[BaseTime: 1764979200.500 (seconds since epoch)]\n"
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");
}

TEST(HdrIntervalLog, IntervalsDecodeBackToTheirCounts) {
  Histogram first, second;
  for (int i = 0; i < 1000; ++i) first.record(1'000'000 + i * 1000);  // 1.000 .. 1.999 ms
  second.record_n(25'000'000, 7);                                     // 25 ms, 7 times
  std::string text = hdr_log_header(1'764'979'200'000'000'000) + hdr_log_interval_line(0, 1, first) +
                     hdr_log_interval_line(1, 0.25, second);
  std::string line = hdr_log_interval_line(1, 0.25, second);
  EXPECT_TRUE(line.starts_with("1.000,0.250,25.0")) << line;  // max in ms

  std::string error;
  auto log = read_hdr_log(text, &error);
  ASSERT_TRUE(log) << error;
  EXPECT_DOUBLE_EQ(log->start_time_s, 1764979200.0);
  EXPECT_DOUBLE_EQ(log->base_time_s, 1764979200.0);
  ASSERT_EQ(log->intervals.size(), 2u);
  EXPECT_EQ(log->intervals[0].histogram.total_count(), 1000);
  EXPECT_EQ(log->intervals[0].histogram.value_at_percentile(50), first.value_at_percentile(50));
  EXPECT_DOUBLE_EQ(log->intervals[1].start_s, 1.0);
  EXPECT_DOUBLE_EQ(log->intervals[1].length_s, 0.25);
  EXPECT_EQ(log->intervals[1].histogram.total_count(), 7);
  EXPECT_EQ(log->intervals[1].histogram.max(), second.max());
}

TEST(HdrIntervalLog, ReadsTaggedLinesAndNamesABadLine) {
  Histogram h;
  h.record(5000);
  std::string text = "#[StartTime: 10.000 (seconds since epoch), x]\nTag=a," + hdr_log_interval_line(2, 1, h);
  auto log = read_hdr_log(text);
  ASSERT_TRUE(log);
  EXPECT_DOUBLE_EQ(log->base_time_s, 10.0);  // no BaseTime: the start time
  EXPECT_EQ(log->intervals.at(0).histogram.total_count(), 1);

  std::string error;
  EXPECT_FALSE(read_hdr_log(text + "1.0,1.0,x,AAAA\n", &error));
  EXPECT_EQ(error.substr(0, 7), "line 3:") << error;
}

}  // namespace
}  // namespace perfgate
