// k6's end-of-test summary as JSON: `k6 run --summary-export FILE` ({"metrics": {NAME: {avg, min,
// med, max, p(90), p(95)} | {count, rate} | {passes, fails, value} | {value, min, max}}}), or the
// `data` handed to handleSummary and written with JSON.stringify ({"metrics": {NAME: {"type",
// "contains", "values": {…}}}}). One benchmark, "k6". Trends become NAME_mean, NAME_median,
// NAME_min, NAME_max, NAME_p95 … (ms for time, lower); counters NAME_count and NAME_rate (per
// second); rates NAME_rate (a ratio); gauges (vus) are the setup, kept in config.
#include <fmt/format.h>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;

// Legacy exports carry no "contains"; k6's built-in trends are all times in milliseconds.
bool is_builtin_time_trend(const std::string& name) {
  return name.starts_with("http_req_") || name.starts_with("iteration_duration") ||
         name.starts_with("group_duration") || name.starts_with("ws_") || name.starts_with("grpc_req_duration") ||
         name.starts_with("browser_");
}

// What grows when things go wrong: failures and errors; anything else counted is work done.
bool counts_failures(const std::string& name) {
  return name.find("fail") != std::string::npos || name.find("error") != std::string::npos ||
         name.find("dropped") != std::string::npos;
}

std::string trend_stat_name(const std::string& stat) {
  if (stat == "avg") return "mean";
  if (stat == "med") return "median";
  if (stat.starts_with("p(") && stat.ends_with(")")) {
    std::string p = stat.substr(2, stat.size() - 3);
    for (char& c : p) {
      if (c == '.') c = '_';
    }
    return "p" + p;
  }
  return metric_name_from(stat);
}

std::string kind_of(const json& values, const std::optional<std::string>& declared) {
  if (declared) return *declared;
  if (values.contains("avg") || values.contains("med")) return "trend";
  if (values.contains("passes") || values.contains("fails")) return "rate";
  if (values.contains("count")) return "counter";
  return "gauge";
}

}  // namespace

std::vector<IngestedBenchmark> parse_k6(const std::string& text, const InputReader& in) {
  json doc = in.parse_json(text, "the JSON of k6 run --summary-export, or handleSummary's data");
  const json& metrics = in.object_member(doc, "", "metrics");
  if (metrics.empty()) in.fail("metrics", "no metrics in the file");
  IngestedBenchmark b;
  b.name = "k6";
  json gauges = json::object(), rates = json::object(), thresholds = json::object();
  for (const auto& [name, entry] : metrics.items()) {
    std::string path = member_path("metrics", name);
    in.expect_object(entry, path);
    std::optional<std::string> declared = in.optional_string(entry, path, "type");
    std::optional<std::string> contains = in.optional_string(entry, path, "contains");
    const json* nested = in.optional_object(entry, path, "values");
    const json& values = nested ? *nested : entry;
    std::string values_path = nested ? member_path(path, "values") : path;
    if (const json* t = in.optional_object(entry, path, "thresholds")) thresholds[name] = *t;
    std::string metric = metric_name_from(name);
    std::string kind = kind_of(values, declared);
    if (kind == "trend") {
      bool time = contains ? *contains == "time" : is_builtin_time_trend(name);
      std::string unit = time ? "ms" : contains && *contains == "data" ? "bytes" : "value";
      for (const auto& [stat, value] : values.items()) {
        if (stat == "thresholds") continue;
        double v = in.expect_number(value, member_path(values_path, stat));
        if (stat == "count") {
          b.add_metric(metric + "_count", v, "count", "higher");
        } else {
          b.add_metric(metric + "_" + trend_stat_name(stat), v, unit, "lower");
        }
      }
    } else if (kind == "counter") {
      bool data = contains ? *contains == "data" : name.starts_with("data_");
      std::string better = counts_failures(name) ? "lower" : "higher";
      if (auto count = in.optional_number(values, values_path, "count")) {
        b.add_metric(metric + "_count", *count, data ? "bytes" : "count", better);
      }
      if (auto rate = in.optional_number(values, values_path, "rate")) {
        b.add_metric(metric + "_rate", *rate, data ? "bytes/s" : "1/s", better);
      }
    } else if (kind == "rate") {
      // The legacy export calls the fraction "value", handleSummary calls it "rate".
      std::optional<double> fraction = in.optional_number(values, values_path, "rate");
      if (!fraction) fraction = in.optional_number(values, values_path, "value");
      if (fraction) b.add_metric(metric + "_rate", *fraction, "ratio", counts_failures(name) ? "lower" : "higher");
      rates[name] = {{"passes", in.optional_number(values, values_path, "passes").value_or(0)},
                     {"fails", in.optional_number(values, values_path, "fails").value_or(0)}};
    } else {
      json gauge = json::object();
      for (const auto& [stat, value] : values.items()) {
        if (stat != "thresholds") gauge[stat] = value;
      }
      gauges[name] = gauge;
    }
  }
  if (b.metrics.empty()) in.fail("metrics", "no trend, counter or rate metrics in the file");
  b.config["gauges"] = gauges;
  b.config["rates"] = rates;
  if (!thresholds.empty()) b.config["thresholds"] = thresholds;
  if (const json* root = in.optional_object(doc, "", "root_group")) {
    if (root->contains("checks")) b.config["checks"] = (*root)["checks"];
  }
  if (const json* state = in.optional_object(doc, "", "state")) b.config["state"] = *state;
  return {b};
}

}  // namespace perfgate::ingest
