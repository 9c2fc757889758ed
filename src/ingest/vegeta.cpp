// vegeta's summary: `vegeta report -type=json` ({"latencies": {"total", "mean", "50th", "90th",
// "95th", "99th", "max", "min"} in nanoseconds, "requests", "rate", "throughput", "success",
// "status_codes", "errors", "bytes_in", "bytes_out", "duration", "wait", …}; releases before
// 12.8 have no "90th", "min" or "throughput"). One benchmark, "vegeta", with the metric names of
// `perfgate http`: throughput (successful requests per second, vegeta's own "throughput"),
// error_rate (1 - success), latency_min/mean/p50/p90/p95/p99/max in ms.
#include "ingest/formats.hpp"

namespace perfgate::ingest {

std::vector<IngestedBenchmark> parse_vegeta(const std::string& text, const InputReader& in) {
  nlohmann::json doc = in.parse_json(text, "the JSON of vegeta report -type=json");
  in.expect_object(doc, "");
  const nlohmann::json& latencies = in.object_member(doc, "", "latencies");
  double requests = in.number_member(doc, "", "requests");
  double rate = in.number_member(doc, "", "rate");
  double success = in.number_member(doc, "", "success");
  if (success < 0 || success > 1) in.fail("success", "expected a fraction between 0 and 1");
  IngestedBenchmark b;
  b.name = "vegeta";
  b.config["requests"] = requests;
  b.config["rate"] = rate;
  for (const char* key : {"duration", "wait"}) {
    if (auto ns = in.optional_number(doc, "", key)) b.config[std::string(key) + "_s"] = *ns / 1e9;
  }
  if (const nlohmann::json* codes = in.optional_object(doc, "", "status_codes")) b.config["status_codes"] = *codes;
  if (const nlohmann::json* errors = in.optional_array(doc, "", "errors")) b.config["errors"] = *errors;
  std::optional<double> throughput = in.optional_number(doc, "", "throughput");
  b.add_metric("throughput", throughput.value_or(rate * success), "rps", "higher");
  b.add_metric("error_rate", 1.0 - success, "ratio", "lower");
  if (requests <= 0 || success <= 0) {
    b.invalid_reason = "no request succeeded";
    return {b};
  }
  static constexpr std::pair<const char*, const char*> kLatencies[] = {
      {"min", "latency_min"}, {"mean", "latency_mean"}, {"50th", "latency_p50"}, {"90th", "latency_p90"},
      {"95th", "latency_p95"}, {"99th", "latency_p99"}, {"max", "latency_max"}};
  for (const auto& [key, metric] : kLatencies) {
    if (auto ns = in.optional_number(latencies, "latencies", key)) b.add_metric(metric, *ns / 1e6, "ms", "lower");
  }
  if (!b.has_metric("latency_p50")) in.fail("latencies.50th", "missing");
  return {b};
}

}  // namespace perfgate::ingest
