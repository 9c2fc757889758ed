// Thresholds: `METRIC OP VALUE[UNIT]` (DESIGN.md, `perfgate run`), e.g. `p95 < 50ms`,
// `error_rate < 0.1%`, `throughput > 500/s`, `rss < 500MB`, `api.cpu < 80%`.
//
// Parsing resolves the written metric to the name it has in the result document's
// `metrics` list and converts VALUE into that metric's unit, so the evaluator compares
// plain numbers and never parses text again:
//   http   min mean p50 p90 p95 p99 p999 max -> latency_<name>, "ms"  (VALUE a duration)
//          throughput                        -> throughput,     "rps" (VALUE a rate: 500/s)
//          error_rate                        -> error_rate,     "ratio" (VALUE a percent: 0.1%)
//   cmd    wall_mean wall_median             -> same name,      "s"   (VALUE a duration)
//          user sys                          -> user_mean sys_mean, "s"
//          rss                               -> rss_max,        "bytes" (VALUE a size: 500MB)
//   service SERVICE.cpu | SERVICE.cpu_pct_mean -> SERVICE.cpu_pct_mean, "percent" (80% -> 80)
//           SERVICE.cpu_pct_max              -> SERVICE.cpu_pct_max, "percent"
//           SERVICE.rss | SERVICE.rss_max    -> SERVICE.rss_max, "bytes"
//           SERVICE.threads | SERVICE.fds    -> SERVICE.threads_max | SERVICE.fds_max, "count"
//           (and their full names threads_max, fds_max)
//   ingested any identifier                  -> same name; a duration VALUE becomes "ms",
//                                               a plain number stays unitless ("")
// Service metrics are over the benchmark's measured window: cpu the mean of the sampled
// percentages (100% = one CPU busy), cpu_pct_max the highest sample, the others the peaks.
#pragma once

#include <string>
#include <string_view>

#include "suite/source_position.hpp"

namespace perfgate::suite {

enum class ThresholdOp { kLess, kLessOrEqual, kGreater, kGreaterOrEqual };

// Which metric names a threshold may use: those of its benchmark's kind (and SERVICE.* in all of
// them); kService: service metrics only (the suite's `resources:`).
enum class MetricFamily { kHttp, kCmd, kIngested, kService };

struct Threshold {
  std::string text;           // as written, for messages and the result's `checks`
  std::string metric;         // as written: "p95", "api.rss"
  std::string service;        // "api" for service metrics, else empty
  std::string result_metric;  // name in the result document: "latency_p95", "api.rss_bytes_max"
  std::string unit;           // of `value`: "ms", "s", "rps", "ratio", "bytes", "percent", "count", ""
  ThresholdOp op = ThresholdOp::kLess;
  double value = 0;  // in `unit`
  SourcePosition position;

  bool is_service_metric() const { return !service.empty(); }
};

// parse_threshold("p95 < 50ms", MetricFamily::kHttp, pos) -> {result_metric "latency_p95",
// unit "ms", op kLess, value 50}. Throws UsageError "FILE:LINE:COL: threshold '…': …".
Threshold parse_threshold(std::string_view text, MetricFamily family, const SourcePosition& position);

// evaluate(p95 < 50ms, 42.0) == true — `observed` in the threshold's unit.
bool evaluate(const Threshold& threshold, double observed);

// "p95 < 50ms" — the canonical spelling, with the value in the unit the user wrote it in.
std::string describe(const Threshold& threshold);

// An observed value in the threshold's terms: format_observed(p95 < 50ms, 62.5) == "62.5ms",
// for "p95 < 50ms failed: observed 62.5ms".
std::string format_observed(const Threshold& threshold, double observed);

std::string_view op_text(ThresholdOp op);

}  // namespace perfgate::suite
