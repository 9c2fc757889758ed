// Synthetic `perfgate.result/v1` documents for the comparison tests: cmd benchmarks from lists of
// run times and http benchmarks from per-second timelines, with their `metrics` computed from the
// samples the way the engines do, plus a seeded generator whose draws every standard library
// reproduces.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "core/statistics.hpp"

namespace perfgate::compare::synthetic {

using nlohmann::json;

// mt19937_64 with hand-written transforms, because std::normal_distribution differs between
// standard libraries and the A/A simulations must give the same counts everywhere.
class SeededDraws {
 public:
  explicit SeededDraws(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double normal() {  // Box-Muller; 1 - u keeps the log's argument in (0, 1]
    double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    return radius * std::cos(2.0 * std::numbers::pi * uniform());
  }
  // A positive value around `median` whose log has standard deviation `spread`.
  double lognormal(double median, double spread) { return median * std::exp(spread * normal()); }
  std::vector<double> lognormals(std::size_t count, double median, double spread) {
    std::vector<double> values;
    for (std::size_t i = 0; i < count; ++i) values.push_back(lognormal(median, spread));
    return values;
  }

 private:
  std::mt19937_64 engine_;
};

inline json metric(const std::string& name, double value, const std::string& unit, const std::string& better) {
  return {{"name", name}, {"value", value}, {"unit", unit}, {"better", better}};
}

inline json document(const std::vector<json>& benchmarks) {
  return {{"schema", "perfgate.result/v1"},
          {"run", {{"id", "synthetic"}}},
          {"benchmarks", benchmarks},
          {"checks", json::array()}};
}

inline std::vector<double> scaled(std::vector<double> values, double factor) {
  for (auto& v : values) v *= factor;
  return values;
}

// A cmd benchmark whose user and system times are fixed shares of each run's wall time.
inline json cmd_benchmark(const std::string& name, const std::vector<double>& wall_s) {
  std::vector<double> user_s = scaled(wall_s, 0.7);
  std::vector<double> sys_s = scaled(wall_s, 0.2);
  stats::Summary wall = stats::summarize(wall_s);
  json b = {{"name", name}, {"kind", "cmd"}, {"valid", true}, {"invalid_reason", nullptr}};
  b["samples"] = {{"wall_s", wall_s}, {"user_s", user_s}, {"sys_s", sys_s}};
  b["metrics"] = {metric("wall_mean", wall.mean, "s", "lower"),
                  metric("wall_median", wall.median, "s", "lower"),
                  metric("wall_stddev", wall.stddev, "s", "lower"),
                  metric("wall_min", wall.min, "s", "lower"),
                  metric("wall_max", wall.max, "s", "lower"),
                  metric("user_mean", stats::summarize(user_s).mean, "s", "lower"),
                  metric("sys_mean", stats::summarize(sys_s).mean, "s", "lower"),
                  metric("rss_max", 50e6, "bytes", "lower")};
  return b;
}

struct Second {
  double requests = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

// An http benchmark of whole seconds; its summary metrics are medians of the per-second values,
// close enough to what the histogram would give for these tests.
inline json http_benchmark(const std::string& name, const std::vector<Second>& seconds) {
  json timeline = json::array();
  std::vector<double> p50s, p99s;
  double total = 0;
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    const Second& s = seconds[i];
    timeline.push_back({{"t", static_cast<double>(i + 1)},
                        {"requests", s.requests},
                        {"errors", 0},
                        {"p50_ms", s.p50_ms},
                        {"p99_ms", s.p99_ms}});
    p50s.push_back(s.p50_ms);
    p99s.push_back(s.p99_ms);
    total += s.requests;
  }
  double duration_s = static_cast<double>(seconds.size());
  json b = {{"name", name}, {"kind", "http"}, {"valid", true}, {"invalid_reason", nullptr}};
  b["duration_s"] = duration_s;
  b["timeline"] = timeline;
  b["metrics"] = {metric("throughput", total / duration_s, "rps", "higher"),
                  metric("error_rate", 0.0, "ratio", "lower"),
                  metric("latency_mean", stats::summarize(p50s).mean, "ms", "lower"),
                  metric("latency_p50", stats::median(p50s), "ms", "lower"),
                  metric("latency_p99", stats::median(p99s), "ms", "lower"),
                  metric("latency_max", stats::summarize(p99s).max, "ms", "lower")};
  return b;
}

// `count` seconds around the given medians, each value spread lognormally by `spread`.
inline std::vector<Second> seconds_around(SeededDraws& draws, std::size_t count, double requests, double p50_ms,
                                          double p99_ms, double spread) {
  std::vector<Second> seconds;
  for (std::size_t i = 0; i < count; ++i) {
    seconds.push_back({std::round(draws.lognormal(requests, spread)), draws.lognormal(p50_ms, spread),
                       draws.lognormal(p99_ms, spread)});
  }
  return seconds;
}

inline std::vector<Second> scaled_latency(std::vector<Second> seconds, double factor) {
  for (auto& s : seconds) {
    s.p50_ms *= factor;
    s.p99_ms *= factor;
  }
  return seconds;
}

}  // namespace perfgate::compare::synthetic
