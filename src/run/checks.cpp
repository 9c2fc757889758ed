// Threshold checks; see checks.hpp.
#include "run/checks.hpp"

#include <optional>
#include <string>

#include "core/result_document.hpp"
#include "suite/threshold.hpp"

namespace perfgate::run {
namespace {

struct Observed {
  double value = 0;
  std::string unit;
};

std::optional<Observed> metric_in(const nlohmann::json& benchmark, const std::string& name) {
  std::string unit;
  if (auto value = metric_value(benchmark, name, &unit)) return Observed{*value, unit};
  return std::nullopt;
}

// Seconds per unit of a time unit, or nullopt when `unit` is not one.
std::optional<double> seconds_per(const std::string& unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us" || unit == "µs") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1.0;
  return std::nullopt;
}

// The observed value in the threshold's unit: an ingested time in ns against a threshold in ms.
double in_threshold_unit(const suite::Threshold& threshold, const Observed& observed) {
  auto from = seconds_per(observed.unit);
  auto to = seconds_per(threshold.unit);
  if (from && to && observed.unit != threshold.unit) return observed.value * *from / *to;
  return observed.value;
}

// Why a benchmark's figures cannot pass a check, or "" when they can.
std::string invalid_reason(const nlohmann::json& benchmark) {
  if (!benchmark.is_object() || benchmark.value("valid", true)) return "";
  const auto& reason = benchmark.contains("invalid_reason") ? benchmark["invalid_reason"] : nlohmann::json();
  return reason.is_string() && !reason.get<std::string>().empty() ? reason.get<std::string>() : "the result is not valid";
}

nlohmann::json check(const suite::Threshold& threshold, const std::string& benchmark_name,
                     const std::optional<Observed>& observed, const std::string& invalid = "") {
  nlohmann::json c;
  c["benchmark"] = benchmark_name;
  c["expr"] = suite::describe(threshold);
  c["metric"] = threshold.result_metric;
  std::optional<double> value;
  if (observed) value = in_threshold_unit(threshold, *observed);
  c["observed"] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  c["observed_text"] = value ? suite::format_observed(threshold, *value) : std::string("not measured");
  // A figure of an invalid benchmark was not measured as asked: it never passes.
  c["passed"] = value && invalid.empty() && suite::evaluate(threshold, *value);
  if (!invalid.empty()) {
    c["invalid_reason"] = invalid;
    c["observed_text"] = c["observed_text"].get<std::string>() + " (benchmark not valid: " + invalid + ")";
  }
  c["position"] = threshold.position.to_string();
  return c;
}

}  // namespace

nlohmann::json check_thresholds(const suite::BenchmarkSpec& spec, const std::vector<nlohmann::json>& benchmarks) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& threshold : spec.thresholds) {
    // A service's figures cover the suite benchmark's whole window, which every benchmark object
    // it produced carries alike: one check.
    if (threshold.is_service_metric()) {
      checks.push_back(check(threshold, spec.name,
                             benchmarks.empty() ? std::nullopt : metric_in(benchmarks.front(), threshold.result_metric),
                             benchmarks.empty() ? std::string() : invalid_reason(benchmarks.front())));
      continue;
    }
    if (spec.kind != suite::BenchmarkKind::kIngest && benchmarks.size() <= 1) {
      checks.push_back(check(threshold, spec.name,
                             benchmarks.empty() ? std::nullopt : metric_in(benchmarks.front(), threshold.result_metric),
                             benchmarks.empty() ? std::string() : invalid_reason(benchmarks.front())));
      continue;
    }
    if (spec.kind != suite::BenchmarkKind::kIngest) {
      // A cmd benchmark with parameters: each command holds to the threshold.
      for (const auto& b : benchmarks) {
        checks.push_back(check(threshold, b.value("name", ""), metric_in(b, threshold.result_metric)));
      }
      continue;
    }
    std::size_t before = checks.size();
    // NAME.METRIC names one harness benchmark; names may contain dots, so try every split.
    for (const auto& b : benchmarks) {
      std::string name = b.value("ingested_name", b.value("name", ""));
      const std::string& written = threshold.result_metric;
      if (written.size() > name.size() + 1 && written.starts_with(name) && written[name.size()] == '.') {
        if (auto observed = metric_in(b, written.substr(name.size() + 1))) {
          checks.push_back(check(threshold, b.value("name", ""), observed, invalid_reason(b)));
        }
      }
    }
    if (checks.size() == before) {
      for (const auto& b : benchmarks) {
        if (auto observed = metric_in(b, threshold.result_metric)) {
          checks.push_back(check(threshold, b.value("name", ""), observed, invalid_reason(b)));
        }
      }
    }
    if (checks.size() == before) checks.push_back(check(threshold, spec.name, std::nullopt));
  }
  return checks;
}

std::size_t failed_check_count(const nlohmann::json& checks) {
  std::size_t failed = 0;
  for (const auto& c : checks) {
    if (!c.value("passed", false)) ++failed;
  }
  return failed;
}

}  // namespace perfgate::run
