// bencher's metric format; see bmf.hpp.
#include "report/bmf.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/result_document.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

std::optional<double> ns_per(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "µs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return std::nullopt;
}

json measure(double value, std::optional<double> lower, std::optional<double> upper) {
  json m = {{"value", value}};
  if (lower) m["lower_value"] = *lower;
  if (upper) m["upper_value"] = *upper;
  return m;
}

std::optional<json> latency(const json& b) {
  if (auto p50 = metric_value(b, "latency_p50")) {
    auto ns = [](std::optional<double> ms) { return ms ? std::optional<double>(*ms * 1e6) : std::nullopt; };
    return measure(*p50 * 1e6, ns(metric_value(b, "latency_min")), ns(metric_value(b, "latency_p99")));
  }
  if (auto mean = metric_value(b, "wall_mean")) {
    auto ns = [](std::optional<double> s) { return s ? std::optional<double>(*s * 1e9) : std::nullopt; };
    return measure(*mean * 1e9, ns(metric_value(b, "wall_min")), ns(metric_value(b, "wall_max")));
  }
  for (const auto& m : b.value("metrics", json::array())) {
    std::string name = m.value("name", "");
    if (!name.ends_with("_mean") || !m.contains("value") || !m["value"].is_number()) continue;
    if (auto scale = ns_per(m.value("unit", ""))) return measure(m["value"].get<double>() * *scale, {}, {});
  }
  return std::nullopt;
}

std::optional<json> throughput(const json& b) {
  std::string unit;
  std::optional<double> rps = metric_value(b, "throughput", &unit);
  if (!rps || unit != "rps") return std::nullopt;
  // The timeline has one entry per second; the last may be a fraction of one, so it is left out.
  std::optional<double> lower, upper;
  const json timeline = b.value("timeline", json::array());
  if (timeline.is_array() && timeline.size() >= 3) {
    for (std::size_t i = 0; i + 1 < timeline.size(); ++i) {
      if (!timeline[i].contains("requests") || !timeline[i]["requests"].is_number()) continue;
      double r = timeline[i]["requests"].get<double>();
      lower = lower ? std::min(*lower, r) : r;
      upper = upper ? std::max(*upper, r) : r;
    }
  }
  return measure(*rps, lower, upper);
}

}  // namespace

json bmf_document(const json& result_document) {
  json out = json::object();
  for (const auto& b : result_document.value("benchmarks", json::array())) {
    if (!b.value("valid", true)) continue;
    json measures = json::object();
    if (auto l = latency(b)) measures["latency"] = *l;
    if (auto t = throughput(b)) measures["throughput"] = *t;
    if (!measures.empty()) out[b.value("name", "")] = measures;
  }
  return out;
}

}  // namespace perfgate::report
