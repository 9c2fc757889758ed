// JMH's `-rf json`: an array of runs {benchmark, mode, params, primaryMetric {score, scoreError,
// scoreConfidence, scorePercentiles, scoreUnit, rawData | rawDataHistogram}, secondaryMetrics}.
// A benchmark is named "CLASS.METHOD" or, with @Param, "CLASS.METHOD(size=10,kind=a)". The mode
// gives the direction: thrpt scores become ops_per_s (higher); avgt, sample and ss scores
// ns_per_op (lower). rawData (one score per measurement iteration, per fork) are the samples; in
// sample mode each iteration's histogram gives that iteration's mean. JMH writes NaN and
// infinities as the strings "NaN", "+INF", "-INF": such a score is no measurement.
#include <fmt/format.h>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;

struct UnitConversion {
  std::string suffix;  // "ns_per_op" or "ops_per_s"
  std::string unit;
  std::string better;
  double factor;
};

// "ns/op", "us/op", "ms/op", "s/op", "min/op" and "ops/ns" … "ops/min" (JMH's TimeUnit labels).
std::optional<UnitConversion> convert(const std::string& score_unit) {
  auto slash = score_unit.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string left = score_unit.substr(0, slash), right = score_unit.substr(slash + 1);
  if (right == "op") {
    if (auto ns = nanoseconds_per(left)) return UnitConversion{"ns_per_op", "ns", "lower", *ns};
  }
  if (left == "ops") {
    if (auto ns = nanoseconds_per(right)) return UnitConversion{"ops_per_s", "ops/s", "higher", 1e9 / *ns};
  }
  return std::nullopt;
}

// A score, or nothing for JMH's "NaN"/"+INF"/"-INF".
std::optional<double> score_of(const InputReader& in, const json& value, const std::string& path) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "NaN" || s == "+INF" || s == "-INF") return std::nullopt;
  }
  return in.expect_number(value, path);
}

std::string name_of(const InputReader& in, const json& run, const std::string& path) {
  std::string name = in.string_member(run, path, "benchmark");
  const json* params = in.optional_object(run, path, "params");
  if (params == nullptr || params->empty()) return name;
  std::string list;
  for (const auto& [key, value] : params->items()) {
    if (!list.empty()) list += ",";
    list += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return name + "(" + list + ")";
}

// rawData: [[fork 1 iteration scores], [fork 2 …]]; rawDataHistogram: [[[[value, count], …] per iteration] per fork].
std::vector<double> iteration_scores(const InputReader& in, const json& metric, const std::string& path) {
  std::vector<double> scores;
  if (const json* raw = in.optional_array(metric, path, "rawData")) {
    std::string raw_path = member_path(path, "rawData");
    for (std::size_t f = 0; f < raw->size(); ++f) {
      std::string fork_path = index_path(raw_path, f);
      const json& fork = in.expect_array((*raw)[f], fork_path);
      for (std::size_t i = 0; i < fork.size(); ++i) {
        if (auto s = score_of(in, fork[i], index_path(fork_path, i))) scores.push_back(*s);
      }
    }
  } else if (const json* histogram = in.optional_array(metric, path, "rawDataHistogram")) {
    std::string raw_path = member_path(path, "rawDataHistogram");
    for (std::size_t f = 0; f < histogram->size(); ++f) {
      std::string fork_path = index_path(raw_path, f);
      const json& fork = in.expect_array((*histogram)[f], fork_path);
      for (std::size_t i = 0; i < fork.size(); ++i) {
        std::string iteration_path = index_path(fork_path, i);
        const json& buckets = in.expect_array(fork[i], iteration_path);
        double sum = 0, count = 0;
        for (std::size_t k = 0; k < buckets.size(); ++k) {
          std::string bucket_path = index_path(iteration_path, k);
          const json& bucket = in.expect_array(buckets[k], bucket_path);
          if (bucket.size() != 2) in.fail(bucket_path, "expected [value, count]");
          double v = in.expect_number(bucket[0], index_path(bucket_path, 0));
          double n = in.expect_number(bucket[1], index_path(bucket_path, 1));
          sum += v * n;
          count += n;
        }
        if (count > 0) scores.push_back(sum / count);
      }
    }
  }
  return scores;
}

}  // namespace

std::vector<IngestedBenchmark> parse_jmh(const std::string& text, const InputReader& in) {
  json doc = in.parse_json(text, "the JSON of JMH -rf json");
  in.expect_array(doc, "the top level");
  if (doc.empty()) in.fail("the top level", "no benchmarks in the file (an empty array)");
  std::vector<IngestedBenchmark> out;
  for (std::size_t r = 0; r < doc.size(); ++r) {
    std::string path = index_path("", r);
    const json& run = in.expect_object(doc[r], path);
    IngestedBenchmark b;
    b.name = name_of(in, run, path);
    std::string mode = in.string_member(run, path, "mode");
    for (const auto& [key, value] : run.items()) {
      if (key != "primaryMetric" && key != "secondaryMetrics") b.config[key] = value;
    }
    std::string primary_path = member_path(path, "primaryMetric");
    const json& primary = in.object_member(run, path, "primaryMetric");
    std::string score_unit = in.string_member(primary, primary_path, "scoreUnit");
    auto conversion = convert(score_unit);
    if (!conversion) {
      in.fail(member_path(primary_path, "scoreUnit"),
              fmt::format("unknown unit '{}' (expected e.g. ops/s or ns/op)", score_unit));
    }
    bool throughput = mode == "thrpt";
    if (throughput != (conversion->suffix == "ops_per_s")) {
      in.fail(member_path(primary_path, "scoreUnit"), fmt::format("'{}' does not fit mode '{}'", score_unit, mode));
    }
    std::string metric = conversion->suffix;
    auto score = score_of(in, in.member(primary, primary_path, "score"), member_path(primary_path, "score"));
    if (!score) {
      b.invalid_reason = "JMH reported no score (NaN)";
    } else {
      b.add_metric(metric, *score * conversion->factor, conversion->unit, conversion->better);
    }
    if (const json* percentiles = in.optional_object(primary, primary_path, "scorePercentiles")) {
      if (percentiles->contains("50.0")) {
        std::string p_path = member_path(member_path(primary_path, "scorePercentiles"), "50.0");
        if (auto median = score_of(in, (*percentiles)["50.0"], p_path)) {
          b.add_metric(metric + "_median", *median * conversion->factor, conversion->unit, conversion->better);
        }
      }
    }
    if (primary.contains("scoreError")) {
      if (auto error = score_of(in, primary["scoreError"], member_path(primary_path, "scoreError"))) {
        b.extra["score_error"] = {{metric, *error * conversion->factor}};  // half-width of JMH's 99.9% interval
      }
    }
    std::vector<double> scores = iteration_scores(in, primary, primary_path);
    for (double& s : scores) s *= conversion->factor;
    b.set_values(std::move(scores), conversion->unit, {metric, metric + "_median"});

    if (const json* secondary = in.optional_object(run, path, "secondaryMetrics")) {
      std::string secondary_path = member_path(path, "secondaryMetrics");
      for (const auto& [label, m] : secondary->items()) {
        std::string m_path = member_path(secondary_path, label);
        in.expect_object(m, m_path);
        std::string unit = in.string_member(m, m_path, "scoreUnit");
        auto value = score_of(in, in.member(m, m_path, "score"), member_path(m_path, "score"));
        if (!value) continue;
        std::string name = metric_name_from(label);
        // Per-method scores of @Group benchmarks share the primary's units; the profilers'
        // figures (·gc.alloc.rate.norm in B/op, ·gc.count) are costs.
        if (auto c = convert(unit)) {
          b.add_metric(name + "_" + c->suffix, *value * c->factor, c->unit, c->better);
        } else {
          b.add_metric(name, *value, unit, "lower");
        }
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace perfgate::ingest
