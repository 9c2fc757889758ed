// One benchmark object of kind "ingested", as a format's parser builds it up, and the few
// conversions every format needs: time units to nanoseconds, names made into metric names.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result_document.hpp"

namespace perfgate::ingest {

// A tracker log of millions of lines would put millions of samples in the store; past this
// many, an evenly spaced subset stands for them (a rank test loses nothing that matters).
inline constexpr std::size_t kMaxSamples = 100000;

struct IngestedBenchmark {
  std::string name;
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json samples = nlohmann::json::object();
  std::vector<Metric> metrics;
  std::optional<std::string> invalid_reason;
  nlohmann::json extra = nlohmann::json::object();  // further members, e.g. "confidence_intervals"

  // Adds a metric unless the value is not finite: a harness that wrote NaN measured nothing.
  void add_metric(std::string metric, double value, std::string unit, std::string better);
  // The primary raw series: samples.values (at most kMaxSamples of them), its unit, and the
  // metrics it stands behind. Empty `values` leave samples alone.
  void set_values(std::vector<double> values, const std::string& unit, const std::vector<std::string>& metric_names);
  // A further series, samples.KEY (at most kMaxSamples).
  void add_series(const std::string& key, std::vector<double> values);
  bool has_metric(std::string_view metric) const;

  nlohmann::json to_json(std::string_view format) const;
};

double mean_of(const std::vector<double>& values);
double median_of(const std::vector<double>& values);
// Sample standard deviation (n - 1); 0 below two values.
double stddev_of(const std::vector<double>& values);

// Nanoseconds in one `unit`: "ns" 1, "us"/"µs" 1e3, "ms" 1e6, "s" 1e9, "min" 6e10, "h"/"hr" 3.6e12.
std::optional<double> nanoseconds_per(std::string_view unit);

// "·gc.alloc.rate.norm" -> "gc_alloc_rate_norm", "MB/s" -> "mb_per_s": lower case, "/" read as
// "per", every other run of characters outside [a-z0-9] one "_".
std::string metric_name_from(std::string_view text);

// Thins `values` to at most `limit` evenly spaced ones, keeping their order.
std::vector<double> thin(std::vector<double> values, std::size_t limit = kMaxSamples);

}  // namespace perfgate::ingest
