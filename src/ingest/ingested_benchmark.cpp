// Building ingested benchmark objects; see ingested_benchmark.hpp.
#include "ingest/ingested_benchmark.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/statistics.hpp"

namespace perfgate::ingest {

void IngestedBenchmark::add_metric(std::string metric, double value, std::string unit, std::string better) {
  if (!std::isfinite(value)) return;
  metrics.push_back({std::move(metric), value, std::move(unit), std::move(better)});
}

void IngestedBenchmark::set_values(std::vector<double> values, const std::string& unit,
                                   const std::vector<std::string>& metric_names) {
  if (values.empty()) return;
  if (values.size() > kMaxSamples) samples["values_total"] = values.size();
  samples["values"] = thin(std::move(values));
  samples["values_unit"] = unit;
  std::vector<std::string> present;
  for (const auto& m : metric_names) {
    if (has_metric(m)) present.push_back(m);
  }
  samples["values_metrics"] = present;
}

void IngestedBenchmark::add_series(const std::string& key, std::vector<double> values) {
  if (values.empty()) return;
  samples[key] = thin(std::move(values));
}

bool IngestedBenchmark::has_metric(std::string_view metric) const {
  return std::any_of(metrics.begin(), metrics.end(), [&](const Metric& m) { return m.name == metric; });
}

nlohmann::json IngestedBenchmark::to_json(std::string_view format) const {
  nlohmann::json b = extra;
  b["name"] = name;
  b["kind"] = "ingested";
  b["format"] = format;
  b["valid"] = !invalid_reason.has_value();
  b["invalid_reason"] = invalid_reason ? nlohmann::json(*invalid_reason) : nlohmann::json(nullptr);
  b["config"] = config;
  b["samples"] = samples;
  b["metrics"] = metrics_to_json(metrics);
  return b;
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double median_of(const std::vector<double>& values) { return stats::median(values); }

double stddev_of(const std::vector<double>& values) { return stats::summarize(values).stddev; }

std::optional<double> nanoseconds_per(std::string_view unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;  // both micro signs
  if (unit == "ms") return 1e6;
  if (unit == "s" || unit == "sec") return 1e9;
  if (unit == "min" || unit == "m") return 60e9;
  if (unit == "h" || unit == "hr") return 3600e9;
  return std::nullopt;
}

std::string metric_name_from(std::string_view text) {
  std::string out;
  bool pending_separator = false;
  for (char c : text) {
    if (c == '/') {
      if (!out.empty()) out += "_per";
      pending_separator = true;
      continue;
    }
    bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      word = true;
    }
    if (!word) {
      pending_separator = true;
      continue;
    }
    if (pending_separator && !out.empty()) out += '_';
    pending_separator = false;
    out += c;
  }
  return out.empty() ? "value" : out;
}

std::vector<double> thin(std::vector<double> values, std::size_t limit) {
  if (values.size() <= limit || limit == 0) return values;
  std::vector<double> kept;
  kept.reserve(limit);
  // Index i * n / limit spreads the kept samples evenly over the whole series.
  for (std::size_t i = 0; i < limit; ++i) kept.push_back(values[i * values.size() / limit]);
  return kept;
}

}  // namespace perfgate::ingest
