// Tests for the threshold grammar: parsing into result-document metric names and units,
// evaluation, descriptions, and the error messages.
#include "suite/threshold.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace perfgate::suite {
namespace {

const SourcePosition kAt{"suite.yaml", 7, 18};

struct ParseCase {
  const char* text;
  MetricFamily family;
  const char* result_metric;
  const char* unit;
  ThresholdOp op;
  double value;
  const char* description;
};

TEST(ParseThreshold, NormalisesToResultMetricsAndUnits) {
  const ParseCase cases[] = {
      {"p95 < 50ms", MetricFamily::kHttp, "latency_p95", "ms", ThresholdOp::kLess, 50, "p95 < 50ms"},
      {"p99<=1.5s", MetricFamily::kHttp, "latency_p99", "ms", ThresholdOp::kLessOrEqual, 1500, "p99 <= 1500ms"},
      {"p999 < 250us", MetricFamily::kHttp, "latency_p999", "ms", ThresholdOp::kLess, 0.25, "p999 < 0.25ms"},
      // Callbacks: callback_p99 names callback_latency_p99 as p99 names latency_p99; counts are whole numbers.
      {"callback_p99 < 500ms", MetricFamily::kHttp, "callback_latency_p99", "ms", ThresholdOp::kLess, 500,
       "callback_p99 < 500ms"},
      {"callbacks_lost <= 0", MetricFamily::kHttp, "callbacks_lost", "count", ThresholdOp::kLessOrEqual, 0,
       "callbacks_lost <= 0"},
      {"min >= 1ms", MetricFamily::kHttp, "latency_min", "ms", ThresholdOp::kGreaterOrEqual, 1, "min >= 1ms"},
      {"mean < 20ms", MetricFamily::kHttp, "latency_mean", "ms", ThresholdOp::kLess, 20, "mean < 20ms"},
      {"p50 < 5ms", MetricFamily::kHttp, "latency_p50", "ms", ThresholdOp::kLess, 5, "p50 < 5ms"},
      {"p90 < 5ms", MetricFamily::kHttp, "latency_p90", "ms", ThresholdOp::kLess, 5, "p90 < 5ms"},
      {"max < 1s", MetricFamily::kHttp, "latency_max", "ms", ThresholdOp::kLess, 1000, "max < 1000ms"},
      {"throughput > 500/s", MetricFamily::kHttp, "throughput", "rps", ThresholdOp::kGreater, 500,
       "throughput > 500/s"},
      {"throughput >= 600/m", MetricFamily::kHttp, "throughput", "rps", ThresholdOp::kGreaterOrEqual, 10,
       "throughput >= 10/s"},
      {"throughput > 500", MetricFamily::kHttp, "throughput", "rps", ThresholdOp::kGreater, 500, "throughput > 500/s"},
      {"error_rate < 0.1%", MetricFamily::kHttp, "error_rate", "ratio", ThresholdOp::kLess, 0.001, "error_rate < 0.1%"},
      // Zero needs no `%`: it is zero as a percentage and as a ratio.
      {"error_rate <= 0", MetricFamily::kHttp, "error_rate", "ratio", ThresholdOp::kLessOrEqual, 0, "error_rate <= 0%"},
      {"wall_mean < 1.5s", MetricFamily::kCmd, "wall_mean", "s", ThresholdOp::kLess, 1.5, "wall_mean < 1.5s"},
      {"wall_median < 200ms", MetricFamily::kCmd, "wall_median", "s", ThresholdOp::kLess, 0.2, "wall_median < 200ms"},
      {"user < 1s", MetricFamily::kCmd, "user_mean", "s", ThresholdOp::kLess, 1, "user < 1s"},
      {"sys < 100ms", MetricFamily::kCmd, "sys_mean", "s", ThresholdOp::kLess, 0.1, "sys < 100ms"},
      {"rss < 500MB", MetricFamily::kCmd, "rss_max", "bytes", ThresholdOp::kLess, 500.0 * 1024 * 1024, "rss < 500MB"},
      {"api.rss < 500MB", MetricFamily::kHttp, "api.rss_max", "bytes", ThresholdOp::kLess, 500.0 * 1024 * 1024,
       "api.rss < 500MB"},
      {"api.rss_max < 1KB", MetricFamily::kService, "api.rss_max", "bytes", ThresholdOp::kLess, 1024, "api.rss_max < 1KB"},
      // `cpu` is the mean over the window; the highest sample is written in full.
      {"api.cpu < 80%", MetricFamily::kHttp, "api.cpu_pct_mean", "percent", ThresholdOp::kLess, 80, "api.cpu < 80%"},
      {"api.cpu < 250%", MetricFamily::kCmd, "api.cpu_pct_mean", "percent", ThresholdOp::kLess, 250, "api.cpu < 250%"},
      {"api.cpu_pct_max <= 190%", MetricFamily::kIngested, "api.cpu_pct_max", "percent", ThresholdOp::kLessOrEqual, 190,
       "api.cpu_pct_max <= 190%"},
      {"api.cpu_pct_mean < 50%", MetricFamily::kService, "api.cpu_pct_mean", "percent", ThresholdOp::kLess, 50,
       "api.cpu_pct_mean < 50%"},
      {"worker.v2.threads_max < 64", MetricFamily::kService, "worker.v2.threads_max", "count", ThresholdOp::kLess, 64,
       "worker.v2.threads_max < 64"},
      {"api.threads < 1000", MetricFamily::kHttp, "api.threads_max", "count", ThresholdOp::kLess, 1000,
       "api.threads < 1000"},
      {"my-db.fds <= 64", MetricFamily::kCmd, "my-db.fds_max", "count", ThresholdOp::kLessOrEqual, 64,
       "my-db.fds <= 64"},
      {"BM_parse_mean < 5ms", MetricFamily::kIngested, "BM_parse_mean", "ms", ThresholdOp::kLess, 5,
       "BM_parse_mean < 5ms"},
      {"items_per_second > 1e6", MetricFamily::kIngested, "items_per_second", "", ThresholdOp::kGreater, 1e6,
       "items_per_second > 1e+06"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Threshold t = parse_threshold(c.text, c.family, kAt);
    EXPECT_EQ(t.result_metric, c.result_metric);
    EXPECT_EQ(t.unit, c.unit);
    EXPECT_EQ(t.op, c.op);
    EXPECT_NEAR(t.value, c.value, 1e-9 * std::max(1.0, c.value));
    EXPECT_EQ(describe(t), c.description);
    EXPECT_EQ(t.position, kAt);
    EXPECT_EQ(t.text, c.text);
  }
}

// SSE benchmarks: delivery percentiles (also as p50 … max), counts, `==`, and events_lost as a
// count or, with a percentage, as the ratio of the (event, subscriber) pairs.
TEST(ParseThreshold, SseMetrics) {
  const ParseCase cases[] = {
      {"delivery_p95 < 200ms", MetricFamily::kSse, "delivery_p95", "ms", ThresholdOp::kLess, 200, "delivery_p95 < 200ms"},
      {"p99 < 1s", MetricFamily::kSse, "delivery_p99", "ms", ThresholdOp::kLess, 1000, "p99 < 1000ms"},
      {"events_lost == 0", MetricFamily::kSse, "events_lost", "count", ThresholdOp::kEqual, 0, "events_lost == 0"},
      {"events_lost < 0.1%", MetricFamily::kSse, "events_lost_ratio", "ratio", ThresholdOp::kLess, 0.001,
       "events_lost < 0.1%"},
      {"events_duplicate <= 3", MetricFamily::kSse, "events_duplicate", "count", ThresholdOp::kLessOrEqual, 3,
       "events_duplicate <= 3"},
      {"connect_p99 < 50ms", MetricFamily::kSse, "connect_p99", "ms", ThresholdOp::kLess, 50, "connect_p99 < 50ms"},
      {"throughput > 90000/s", MetricFamily::kSse, "throughput", "rps", ThresholdOp::kGreater, 90000,
       "throughput > 90000/s"},
  };
  for (const auto& c : cases) {
    Threshold t = parse_threshold(c.text, c.family, kAt);
    EXPECT_EQ(t.result_metric, c.result_metric) << c.text;
    EXPECT_EQ(t.unit, c.unit) << c.text;
    EXPECT_EQ(t.op, c.op) << c.text;
    EXPECT_NEAR(t.value, c.value, 1e-12) << c.text;
    EXPECT_EQ(describe(t), c.description);
  }
  EXPECT_TRUE(evaluate(parse_threshold("events_lost == 0", MetricFamily::kSse, kAt), 0));
  EXPECT_FALSE(evaluate(parse_threshold("events_lost == 0", MetricFamily::kSse, kAt), 1));
  EXPECT_THROW(parse_threshold("events_lost == lots", MetricFamily::kSse, kAt), UsageError);
  EXPECT_THROW(parse_threshold("error_rate < 1%", MetricFamily::kSse, kAt), UsageError);
}

TEST(ParseThreshold, KeepsServiceName) {
  Threshold t = parse_threshold("api.rss < 1GB", MetricFamily::kHttp, kAt);
  EXPECT_TRUE(t.is_service_metric());
  EXPECT_EQ(t.service, "api");
  EXPECT_EQ(t.metric, "api.rss");
  EXPECT_FALSE(parse_threshold("rss < 1GB", MetricFamily::kCmd, kAt).is_service_metric());
}

struct ErrorCase {
  const char* text;
  MetricFamily family;
  const char* message;
};

TEST(ParseThreshold, ErrorsNameTheTextAndPosition) {
  const ErrorCase cases[] = {
      {"p95 < fast", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'p95 < fast': expected a duration like 50ms for 'p95', got 'fast'"},
      {"p95 < 50", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'p95 < 50': expected a duration like 50ms for 'p95', got '50'"},
      {"p95 = 50ms", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'p95 = 50ms': expected an operator (one of < <= > >= ==) after the metric"},
      {"p95 <", MetricFamily::kHttp, "suite.yaml:7:18: threshold 'p95 <': expected a value after the operator"},
      {"< 50ms", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold '< 50ms': expected 'METRIC OP VALUE' like 'p95 < 50ms'"},
      {"error_rate < 0.1", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'error_rate < 0.1': expected a percentage like 0.1% for 'error_rate', got '0.1'"},
      {"throughput > fast", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'throughput > fast': expected a rate like 500/s for 'throughput', got 'fast'"},
      {"rss < lots", MetricFamily::kCmd,
       "suite.yaml:7:18: threshold 'rss < lots': expected a size like 500MB for 'rss', got 'lots'"},
      {"wall_mean < 1 s", MetricFamily::kCmd,
       "suite.yaml:7:18: threshold 'wall_mean < 1 s': expected a duration like 1.5s for 'wall_mean', got '1 s'"},
      {"api.cpu < 80", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'api.cpu < 80': expected a percentage like 80% for 'api.cpu', got '80'"},
      {"api.threads < 1.5", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'api.threads < 1.5': expected a whole number like 1000 for 'api.threads', got "
       "'1.5'"},
      {"api.memory < 1GB", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'api.memory < 1GB': unknown service metric 'memory' (expected one of cpu, "
       "cpu_pct_mean, cpu_pct_max, rss, rss_max, threads, threads_max, fds, fds_max)"},
      {"api.rss_mx < 1GB", MetricFamily::kCmd,
       "suite.yaml:7:18: threshold 'api.rss_mx < 1GB': unknown service metric 'rss_mx'; did you mean 'rss_max'? "
       "(expected one of cpu, cpu_pct_mean, cpu_pct_max, rss, rss_max, threads, threads_max, fds, fds_max)"},
      // `resources:` holds service thresholds only.
      {"p95 < 5ms", MetricFamily::kService,
       "suite.yaml:7:18: threshold 'p95 < 5ms': expected a service metric SERVICE.METRIC like 'api.rss' (METRIC one "
       "of cpu, cpu_pct_mean, cpu_pct_max, rss, rss_max, threads, threads_max, fds, fds_max)"},
      // The 99.9th percentile is p999, not a service named p99.
      {"p99.9 < 5ms", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'p99.9 < 5ms': unknown http metric 'p99.9'; did you mean 'p999'? (expected one of "
       "min, mean, p50, p90, p95, p99, p999, max, throughput, error_rate, callback_p50, callback_p90, callback_p95, callback_p99, callback_max, "
       "callbacks_received, callbacks_lost, callbacks_duplicate, callbacks_unknown, or SERVICE.cpu|rss|threads|fds)"},
      {"latency_p95 < 5ms", MetricFamily::kHttp,
       "suite.yaml:7:18: threshold 'latency_p95 < 5ms': unknown http metric 'latency_p95' (expected one of min, mean, "
       "p50, p90, p95, p99, p999, max, throughput, error_rate, callback_p50, callback_p90, callback_p95, callback_p99, callback_max, "
       "callbacks_received, callbacks_lost, callbacks_duplicate, callbacks_unknown, or SERVICE.cpu|rss|threads|fds)"},
      {"wall_man < 1s", MetricFamily::kCmd,
       "suite.yaml:7:18: threshold 'wall_man < 1s': unknown cmd metric 'wall_man'; did you mean 'wall_mean'? (expected "
       "one of wall_mean, wall_median, user, sys, rss, or SERVICE.cpu|rss|threads|fds)"},
      {"x < soon", MetricFamily::kIngested,
       "suite.yaml:7:18: threshold 'x < soon': expected a number or a duration like 5ms for 'x', got 'soon'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      parse_threshold(c.text, c.family, kAt);
      ADD_FAILURE() << "no error";
    } catch (const UsageError& error) {
      EXPECT_EQ(std::string(error.what()), c.message);
    }
  }
}

struct EvaluateCase {
  const char* text;
  double observed;
  bool passed;
};

TEST(EvaluateThreshold, ComparesInTheMetricsUnit) {
  const EvaluateCase cases[] = {
      {"p95 < 50ms", 49.9, true},          {"p95 < 50ms", 50, false},           {"p95 <= 50ms", 50, true},
      {"p95 <= 50ms", 50.1, false},        {"throughput > 500/s", 500, false},  {"throughput >= 500/s", 500, true},
      {"throughput > 500/s", 612.5, true}, {"error_rate < 0.1%", 0.0009, true}, {"error_rate < 0.1%", 0.002, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(evaluate(parse_threshold(c.text, MetricFamily::kHttp, kAt), c.observed), c.passed) << c.observed;
  }
  Threshold wall = parse_threshold("wall_mean < 1.5s", MetricFamily::kCmd, kAt);
  EXPECT_TRUE(evaluate(wall, 1.49));
  EXPECT_FALSE(evaluate(wall, 1.51));
  Threshold rss = parse_threshold("rss < 500MB", MetricFamily::kCmd, kAt);
  EXPECT_TRUE(evaluate(rss, 400.0 * 1024 * 1024));
  EXPECT_FALSE(evaluate(rss, 600.0 * 1024 * 1024));
}

TEST(FormatObserved, UsesTheThresholdsUnit) {
  EXPECT_EQ(format_observed(parse_threshold("p95 < 50ms", MetricFamily::kHttp, kAt), 62.5), "62.5ms");
  EXPECT_EQ(format_observed(parse_threshold("error_rate < 1%", MetricFamily::kHttp, kAt), 0.025), "2.5%");
  EXPECT_EQ(format_observed(parse_threshold("throughput > 1/s", MetricFamily::kHttp, kAt), 990), "990/s");
  EXPECT_EQ(format_observed(parse_threshold("rss < 1GB", MetricFamily::kCmd, kAt), 1536.0 * 1024), "1.5MB");
  EXPECT_EQ(format_observed(parse_threshold("wall_mean < 1s", MetricFamily::kCmd, kAt), 0.25), "250ms");
  EXPECT_EQ(format_observed(parse_threshold("wall_mean < 1s", MetricFamily::kCmd, kAt), 2.5), "2.5s");
  EXPECT_EQ(format_observed(parse_threshold("p99 < 50ms", MetricFamily::kHttp, kAt), 6.39795), "6.398ms");
}

}  // namespace
}  // namespace perfgate::suite
