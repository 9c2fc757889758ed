// Which raw samples stand behind a metric of the result document, and how to read them:
// cmd benchmarks keep every run (`samples.wall_s`, `user_s`, `sys_s`), http benchmarks keep a
// per-second `timeline`. The comparison tests these samples, never the single summary value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::compare {

enum class SampleSeries {
  none,               // no samples fit the metric (latency_max, wall_stddev, rss_max, other ingested metrics)
  wall_per_run,       // samples.wall_s
  user_per_run,       // samples.user_s
  sys_per_run,        // samples.sys_s
  latency_p50_per_s,  // timeline[].p50_ms: the centre of each second's latencies
  latency_p99_per_s,  // timeline[].p99_ms: the tail of each second's latencies
  throughput_per_s,   // timeline[].requests / interval length
  error_rate_per_s,   // timeline[].errors / timeline[].requests
  latency_histogram,  // the whole run's `histogram`: tested by count_tests.hpp, not as a series (latency_p999)
  callback_histogram, // `callbacks.histogram` and counts: callback_latency_p50 … p99 and callbacks_lost (count_tests.hpp)
  ingested_values,    // samples.values of an ingested benchmark, for the metrics in samples.values_metrics
  service_cpu_per_sample,  // resource_timeline.SERVICE[].cpu_pct: behind SERVICE.cpu_pct_mean
  service_rss_per_sample,  // resource_timeline.SERVICE[].rss_bytes: behind SERVICE.rss_max
};

// The series whose shift a change of `metric` shows up in.
//   series_for_metric("latency_p95")  // SampleSeries::latency_p99_per_s
//   series_for_metric("wall_stddev")  // SampleSeries::none (a spread, not a location)
//   series_for_metric("latency_max")  // SampleSeries::none (one request: shown, never tested)
SampleSeries series_for_metric(std::string_view metric);

// The same for a metric of a given benchmark: an ingested benchmark names the metrics its
// `samples.values` stand behind (`samples.values_metrics`: a harness's per-iteration times
// behind its mean and median); any other metric goes by its name as above.
SampleSeries series_for(const nlohmann::json& benchmark, std::string_view metric);

// A short phrase for reasons and reports: "per-run wall times", "per-second p99".
std::string_view describe(SampleSeries series);

// The service a service metric belongs to: "api" for "api.rss_max" (names may hold dots: the
// metric is after the last one); "" for any other metric.
std::string service_of_metric(std::string_view metric);

// The samples of `series` in one benchmark object; empty when the benchmark has none. The
// service series read the timeline of the service of `metric` (service_of_metric).
// Entries that are not finite numbers are skipped, seconds without a successful response give
// no latency sample (their percentile would read 0 ms), seconds without requests no error rate, and a trailing sliver of a second gives no throughput sample (its rate is noise).
std::vector<double> extract_series(const nlohmann::json& benchmark, SampleSeries series, std::string_view metric = {});

}  // namespace perfgate::compare
