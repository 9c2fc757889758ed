// Tests for reading the samples behind a metric: which series each metric rests on, and how the
// per-run lists and the per-second timeline become samples.
#include "compare/sample_series.hpp"

#include <gtest/gtest.h>

namespace perfgate::compare {
namespace {

using nlohmann::json;

TEST(SeriesForMetric, MapsEachMetricToTheSamplesItsShiftShowsIn) {
  EXPECT_EQ(series_for_metric("wall_mean"), SampleSeries::wall_per_run);
  EXPECT_EQ(series_for_metric("wall_max"), SampleSeries::wall_per_run);
  EXPECT_EQ(series_for_metric("user_mean"), SampleSeries::user_per_run);
  EXPECT_EQ(series_for_metric("sys_mean"), SampleSeries::sys_per_run);
  EXPECT_EQ(series_for_metric("latency_mean"), SampleSeries::latency_p50_per_s);
  EXPECT_EQ(series_for_metric("latency_p95"), SampleSeries::latency_p99_per_s);
  // Never judged on another metric's samples: p999 on the histograms, the maximum not at all.
  EXPECT_EQ(series_for_metric("latency_p999"), SampleSeries::latency_histogram);
  EXPECT_EQ(series_for_metric("latency_max"), SampleSeries::none);
  EXPECT_EQ(series_for_metric("throughput"), SampleSeries::throughput_per_s);
  EXPECT_EQ(series_for_metric("wall_stddev"), SampleSeries::none);
  EXPECT_EQ(series_for_metric("error_rate"), SampleSeries::error_rate_per_s);
  EXPECT_EQ(series_for_metric("BM_parse_mean"), SampleSeries::none);
}

TEST(ExtractSeries, ReadsPerRunSamplesAndSkipsWhatIsNotANumber) {
  json b = {{"samples", {{"wall_s", {1.0, "x", 2.0, nullptr, 3.0}}, {"user_s", json::array()}}}};
  EXPECT_EQ(extract_series(b, SampleSeries::wall_per_run), (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_TRUE(extract_series(b, SampleSeries::user_per_run).empty());
  EXPECT_TRUE(extract_series(b, SampleSeries::sys_per_run).empty());
  EXPECT_TRUE(extract_series(json::object(), SampleSeries::wall_per_run).empty());
}

TEST(ExtractSeries, IdleSecondsGiveNoLatencySample) {
  json b = {{"timeline",
             {{{"t", 1.0}, {"requests", 100}, {"p50_ms", 5.0}, {"p99_ms", 9.0}},
              {{"t", 2.0}, {"requests", 0}, {"p50_ms", 0.0}, {"p99_ms", 0.0}},
              {{"t", 3.0}, {"requests", 90}, {"p50_ms", 6.0}, {"p99_ms", 11.0}}}}};
  EXPECT_EQ(extract_series(b, SampleSeries::latency_p50_per_s), (std::vector<double>{5.0, 6.0}));
  EXPECT_EQ(extract_series(b, SampleSeries::latency_p99_per_s), (std::vector<double>{9.0, 11.0}));
  // An idle second is a real throughput sample: the server did nothing for a second.
  EXPECT_EQ(extract_series(b, SampleSeries::throughput_per_s), (std::vector<double>{100.0, 0.0, 90.0}));
}

TEST(ExtractSeries, ThroughputDividesByTheIntervalAndDropsATrailingSliver) {
  json b = {{"timeline",
             {{{"t", 1.0}, {"requests", 100}},
              {{"t", 2.0}, {"requests", 110}},
              {{"t", 2.5}, {"requests", 40}},
              {{"t", 2.6}, {"requests", 3}}}}};
  EXPECT_EQ(extract_series(b, SampleSeries::throughput_per_s), (std::vector<double>{100.0, 110.0, 80.0}));
}

TEST(SeriesFor, AnIngestedBenchmarkNamesTheMetricsItsSamplesStandBehind) {
  json b = {{"kind", "ingested"},
            {"samples", {{"values", {10.0, 11.0, "x", 12.0}}, {"values_unit", "ns"},
                         {"values_metrics", {"real_time", "real_time_median"}}}}};
  EXPECT_EQ(series_for(b, "real_time"), SampleSeries::ingested_values);
  EXPECT_EQ(series_for(b, "real_time_median"), SampleSeries::ingested_values);
  EXPECT_EQ(series_for(b, "items_per_second"), SampleSeries::none);
  // Without the list, names decide as for perfgate's own benchmarks.
  EXPECT_EQ(series_for(json{{"samples", {{"wall_s", {1.0}}}}}, "wall_mean"), SampleSeries::wall_per_run);
  EXPECT_EQ(extract_series(b, SampleSeries::ingested_values), (std::vector<double>{10.0, 11.0, 12.0}));
}

}  // namespace
}  // namespace perfgate::compare
