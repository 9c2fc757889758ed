// oha's JSON output (`oha --output-format json`, earlier `oha -j`; its schema.json):
// {"summary": {"successRate", "total", "slowest", "fastest", "average", "requestsPerSec", …},
//  "latencyPercentiles": {"p10", …, "p99.9", "p99.99"}, "rps": {…}, "details": {…},
//  "statusCodeDistribution": {CODE: N}, "errorDistribution": {MESSAGE: N}}, times in seconds.
// One benchmark, "oha", with the metric names of `perfgate http`: throughput (oha's
// requestsPerSec), latency_min/mean/pNN/max in ms, and error_rate — oha's successRate counts
// any answer as a success, so the error rate is computed: answers other than 2xx/3xx plus
// connection errors, over both (requests cut off by the deadline at the end are not errors).
#include <fmt/format.h>

#include <charconv>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

// "p99.9" -> "latency_p999"; anything but pNN[.N] is skipped.
std::optional<std::string> latency_metric(const std::string& key) {
  if (key.size() < 2 || key[0] != 'p') return std::nullopt;
  std::string digits = key.substr(1);
  double value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value <= 0 || value > 100) return std::nullopt;
  std::erase(digits, '.');
  return "latency_p" + digits;
}

}  // namespace

std::vector<IngestedBenchmark> parse_oha(const std::string& text, const InputReader& in) {
  nlohmann::json doc = in.parse_json(text, "the JSON of oha --output-format json");
  in.expect_object(doc, "");
  const nlohmann::json& summary = in.object_member(doc, "", "summary");
  IngestedBenchmark b;
  b.name = "oha";
  double answers = 0, failed_answers = 0;
  if (const nlohmann::json* codes = in.optional_object(doc, "", "statusCodeDistribution")) {
    for (const auto& [code, count] : codes->items()) {
      double n = in.expect_number(count, member_path("statusCodeDistribution", code));
      answers += n;
      if (!code.starts_with('2') && !code.starts_with('3')) failed_answers += n;
    }
    b.config["status_codes"] = *codes;
  }
  double connection_errors = 0;
  if (const nlohmann::json* errors = in.optional_object(doc, "", "errorDistribution")) {
    for (const auto& [message, count] : errors->items()) {
      double n = in.expect_number(count, member_path("errorDistribution", message));
      if (message != "aborted due to deadline") connection_errors += n;
    }
    b.config["errors"] = *errors;
  }
  b.config["duration_s"] = in.number_member(summary, "summary", "total");
  b.config["success_rate"] = in.number_member(summary, "summary", "successRate");
  b.config["requests"] = answers + connection_errors;
  b.add_metric("throughput", in.number_member(summary, "summary", "requestsPerSec"), "rps", "higher");
  double attempts = answers + connection_errors;
  b.add_metric("error_rate", attempts > 0 ? (failed_answers + connection_errors) / attempts : 0.0, "ratio", "lower");
  if (answers <= 0) {
    b.invalid_reason = "no request was answered";
    return {b};
  }
  // oha writes null (or NaN) where nothing was measured; add_metric drops what is not finite.
  auto seconds = [&](const nlohmann::json& object, std::string_view path, std::string_view key) -> double {
    std::optional<double> v = in.optional_number(object, path, key);
    return v ? *v * 1e3 : std::nan("");
  };
  b.add_metric("latency_min", seconds(summary, "summary", "fastest"), "ms", "lower");
  b.add_metric("latency_mean", seconds(summary, "summary", "average"), "ms", "lower");
  if (const nlohmann::json* percentiles = in.optional_object(doc, "", "latencyPercentiles")) {
    for (const auto& [key, value] : percentiles->items()) {
      if (auto metric = latency_metric(key)) b.add_metric(*metric, seconds(*percentiles, "latencyPercentiles", key), "ms", "lower");
    }
  }
  b.add_metric("latency_max", seconds(summary, "summary", "slowest"), "ms", "lower");
  if (const nlohmann::json* rps = in.optional_object(doc, "", "rps")) b.config["rps"] = *rps;
  return {b};
}

}  // namespace perfgate::ingest
