// Reading the raw samples behind a metric out of a benchmark object; see sample_series.hpp.
#include "compare/sample_series.hpp"

#include <algorithm>
#include <cmath>

#include "core/statistics.hpp"

namespace perfgate::compare {
namespace {

using nlohmann::json;

bool is_finite_number(const json& value) { return value.is_number() && std::isfinite(value.get<double>()); }

std::vector<double> per_run_samples(const json& benchmark, const char* key) {
  std::vector<double> values;
  auto samples = benchmark.find("samples");
  if (samples == benchmark.end() || !samples->is_object()) return values;
  auto list = samples->find(key);
  if (list == samples->end() || !list->is_array()) return values;
  for (const auto& v : *list) {
    if (is_finite_number(v)) values.push_back(v.get<double>());
  }
  return values;
}

const json* timeline_of(const json& benchmark) {
  auto timeline = benchmark.find("timeline");
  if (timeline == benchmark.end() || !timeline->is_array()) return nullptr;
  return &*timeline;
}

double count_of(const json& point, const char* key) {
  auto count = point.find(key);
  return count != point.end() && is_finite_number(*count) ? count->get<double>() : 0.0;
}

double requests_of(const json& point) { return count_of(point, "requests"); }

std::vector<double> latency_per_second(const json& benchmark, const char* key) {
  std::vector<double> values;
  const json* timeline = timeline_of(benchmark);
  if (timeline == nullptr) return values;
  for (const auto& point : *timeline) {
    // A second in which no request succeeded has no latency (an empty histogram reads 0 ms).
    if (!point.is_object() || requests_of(point) - count_of(point, "errors") <= 0) continue;
    auto latency = point.find(key);
    if (latency != point.end() && is_finite_number(*latency)) values.push_back(latency->get<double>());
  }
  return values;
}

std::vector<double> error_rate_per_second(const json& benchmark) {
  std::vector<double> values;
  const json* timeline = timeline_of(benchmark);
  if (timeline == nullptr) return values;
  for (const auto& point : *timeline) {
    if (!point.is_object() || requests_of(point) <= 0) continue;
    values.push_back(count_of(point, "errors") / requests_of(point));
  }
  return values;
}

std::vector<double> throughput_per_second(const json& benchmark) {
  struct Interval {
    double length_s;
    double requests;
  };
  std::vector<Interval> intervals;
  const json* timeline = timeline_of(benchmark);
  if (timeline == nullptr) return {};
  // `t` is the end of each interval, counted from the start of measuring.
  double previous_end_s = 0;
  for (const auto& point : *timeline) {
    if (!point.is_object()) continue;
    auto end = point.find("t");
    if (end == point.end() || !is_finite_number(*end)) continue;
    double end_s = end->get<double>();
    if (end_s > previous_end_s) intervals.push_back({end_s - previous_end_s, requests_of(point)});
    previous_end_s = std::max(previous_end_s, end_s);
  }
  std::vector<double> lengths;
  for (const auto& i : intervals) lengths.push_back(i.length_s);
  // A run rarely ends on a second boundary; the last fraction of a second has so few requests
  // that its rate would be noise, so intervals under half the typical length are left out.
  double shortest_useful_s = stats::median(lengths) / 2;
  std::vector<double> rates;
  for (const auto& i : intervals) {
    if (i.length_s >= shortest_useful_s) rates.push_back(i.requests / i.length_s);
  }
  return rates;
}

// The service's samples of the benchmark's window (perfgate run with a monitored service).
std::vector<double> resource_samples(const json& benchmark, std::string_view metric, const char* key) {
  std::vector<double> values;
  auto timelines = benchmark.find("resource_timeline");
  if (timelines == benchmark.end() || !timelines->is_object()) return values;
  auto timeline = timelines->find(service_of_metric(metric));
  if (timeline == timelines->end() || !timeline->is_array()) return values;
  for (const auto& point : *timeline) {
    auto value = point.is_object() ? point.find(key) : point.end();
    if (point.is_object() && value != point.end() && is_finite_number(*value)) values.push_back(value->get<double>());
  }
  return values;
}

}  // namespace

std::string service_of_metric(std::string_view metric) {
  static constexpr std::string_view kServiceMetrics[] = {"cpu_pct_mean", "cpu_pct_max", "rss_max", "threads_max",
                                                         "fds_max"};
  auto dot = metric.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string_view suffix = metric.substr(dot + 1);
  for (auto name : kServiceMetrics) {
    if (suffix == name) return std::string(metric.substr(0, dot));
  }
  return "";
}

SampleSeries series_for_metric(std::string_view metric) {
  if (metric == "wall_mean" || metric == "wall_median" || metric == "wall_min" || metric == "wall_max") {
    return SampleSeries::wall_per_run;
  }
  if (metric == "user_mean") return SampleSeries::user_per_run;
  if (metric == "sys_mean") return SampleSeries::sys_per_run;
  // The per-second p50 follows the centre of the distribution; the per-second p99 its tail.
  if (metric == "latency_min" || metric == "latency_mean" || metric == "latency_p50") {
    return SampleSeries::latency_p50_per_s;
  }
  if (metric == "latency_p90" || metric == "latency_p95" || metric == "latency_p99") {
    return SampleSeries::latency_p99_per_s;
  }
  // No per-second series measures the 99.9th percentile (a second rarely has 1,000 requests):
  // it is tested on the histograms. The maximum is a single request; no test can judge it.
  if (metric == "latency_p999") return SampleSeries::latency_histogram;
  // Callbacks have no per-second series: their histogram and counts over the run decide.
  if (metric == "callback_latency_p50" || metric == "callback_latency_p90" || metric == "callback_latency_p95" ||
      metric == "callback_latency_p99" || metric == "callbacks_lost") {
    return SampleSeries::callback_histogram;
  }
  if (metric == "throughput") return SampleSeries::throughput_per_s;
  if (metric == "error_rate") return SampleSeries::error_rate_per_s;
  // A service's mean CPU and its memory rest on the samples of the window; the peaks of CPU,
  // threads and fds are single samples.
  if (!service_of_metric(metric).empty() && metric.ends_with(".cpu_pct_mean")) return SampleSeries::service_cpu_per_sample;
  if (!service_of_metric(metric).empty() && metric.ends_with(".rss_max")) return SampleSeries::service_rss_per_sample;
  return SampleSeries::none;
}

SampleSeries series_for(const json& benchmark, std::string_view metric) {
  auto samples = benchmark.find("samples");
  if (samples != benchmark.end() && samples->is_object()) {
    auto listed = samples->find("values_metrics");
    if (listed != samples->end() && listed->is_array()) {
      for (const auto& name : *listed) {
        if (name.is_string() && name.get<std::string>() == metric) return SampleSeries::ingested_values;
      }
    }
  }
  return series_for_metric(metric);
}

std::string_view describe(SampleSeries series) {
  switch (series) {
    case SampleSeries::none:
      return "no samples";
    case SampleSeries::wall_per_run:
      return "per-run wall times";
    case SampleSeries::user_per_run:
      return "per-run user CPU times";
    case SampleSeries::sys_per_run:
      return "per-run system CPU times";
    case SampleSeries::latency_p50_per_s:
      return "per-second p50";
    case SampleSeries::latency_p99_per_s:
      return "per-second p99";
    case SampleSeries::throughput_per_s:
      return "per-second request rate";
    case SampleSeries::error_rate_per_s:
      return "per-second error rate";
    case SampleSeries::latency_histogram:
      return "latency histograms";
    case SampleSeries::callback_histogram:
      return "callback histograms";
    case SampleSeries::ingested_values:
      return "the harness's samples";
    case SampleSeries::service_cpu_per_sample:
      return "per-sample service CPU";
    case SampleSeries::service_rss_per_sample:
      return "per-sample service RSS";
  }
  return "no samples";
}

std::vector<double> extract_series(const nlohmann::json& benchmark, SampleSeries series, std::string_view metric) {
  if (!benchmark.is_object()) return {};
  switch (series) {
    case SampleSeries::none:
      return {};
    case SampleSeries::wall_per_run:
      return per_run_samples(benchmark, "wall_s");
    case SampleSeries::user_per_run:
      return per_run_samples(benchmark, "user_s");
    case SampleSeries::sys_per_run:
      return per_run_samples(benchmark, "sys_s");
    case SampleSeries::latency_p50_per_s:
      return latency_per_second(benchmark, "p50_ms");
    case SampleSeries::latency_p99_per_s:
      return latency_per_second(benchmark, "p99_ms");
    case SampleSeries::throughput_per_s:
      return throughput_per_second(benchmark);
    case SampleSeries::error_rate_per_s:
      return error_rate_per_second(benchmark);
    case SampleSeries::latency_histogram:
    case SampleSeries::callback_histogram:
      return {};
    case SampleSeries::ingested_values:
      return per_run_samples(benchmark, "values");
    case SampleSeries::service_cpu_per_sample:
      return resource_samples(benchmark, metric, "cpu_pct");
    case SampleSeries::service_rss_per_sample:
      return resource_samples(benchmark, metric, "rss_bytes");
  }
  return {};
}

}  // namespace perfgate::compare
