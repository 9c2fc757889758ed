// Threshold checks; see checks.hpp.
#include "run/checks.hpp"

#include <optional>

#include "suite/threshold.hpp"

namespace perfgate::run {
namespace {

std::optional<double> metric_in(const nlohmann::json& benchmark, const std::string& name) {
  if (!benchmark.is_object()) return std::nullopt;
  for (const auto& m : benchmark.value("metrics", nlohmann::json::array())) {
    if (m.value("name", "") == name && m.contains("value") && m["value"].is_number()) return m["value"].get<double>();
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json check_thresholds(const suite::BenchmarkSpec& spec, const nlohmann::json& benchmark) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& threshold : spec.thresholds) {
    std::optional<double> observed = metric_in(benchmark, threshold.result_metric);
    nlohmann::json check;
    check["benchmark"] = spec.name;
    check["expr"] = suite::describe(threshold);
    check["metric"] = threshold.result_metric;
    check["observed"] = observed ? nlohmann::json(*observed) : nlohmann::json(nullptr);
    check["observed_text"] = observed ? suite::format_observed(threshold, *observed) : std::string("not measured");
    check["passed"] = observed && suite::evaluate(threshold, *observed);
    check["position"] = threshold.position.to_string();
    checks.push_back(std::move(check));
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
