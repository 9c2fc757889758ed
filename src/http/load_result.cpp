// The HTTP benchmark object of the result document; see load_result.hpp.
#include "http/load_result.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/hdr_interval_log.hpp"
#include "core/histogram_codec.hpp"
#include "core/units.hpp"

namespace perfgate::http {
namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }
double seconds(Nanos d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace

nlohmann::json latency_json(const Histogram& h) {
  return {{"min", ms(h.min())},
          {"mean", h.mean() / 1e6},
          {"stddev", h.stddev() / 1e6},
          {"p50", ms(h.value_at_percentile(50))},
          {"p90", ms(h.value_at_percentile(90))},
          {"p95", ms(h.value_at_percentile(95))},
          {"p99", ms(h.value_at_percentile(99))},
          {"p999", ms(h.value_at_percentile(99.9))},
          {"max", ms(h.max())}};
}

nlohmann::json http_config_json(const LoadOptions& options, const std::string& shown_url, const RequestSpec& shown,
                                const Redaction& redaction) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : redaction.headers(shown.headers)) headers[name] = value;
  nlohmann::json config;
  config["url"] = redaction.url(shown_url);
  config["method"] = shown.method;
  config["headers"] = headers;
  config["body_bytes"] = shown.body.size();
  config["connections"] = options.connections;
  config["threads"] = options.threads;
  config["rate"] = options.rate_per_s ? nlohmann::json(*options.rate_per_s) : nlohmann::json(nullptr);
  config["duration_s"] = options.duration ? nlohmann::json(seconds(*options.duration)) : nlohmann::json(nullptr);
  config["requests"] = options.requests != 0 ? nlohmann::json(options.requests) : nlohmann::json(nullptr);
  config["warmup_s"] = seconds(options.warmup);
  config["timeout_s"] = seconds(options.timeout);
  config["grace_s"] = seconds(grace_period(options));
  return config;
}

std::vector<Metric> http_metrics(const LoadResult& r) {
  const Histogram& h = r.latency;
  double error_rate = r.total != 0 ? static_cast<double>(r.errors) / static_cast<double>(r.total) : 0;
  std::vector<Metric> metrics = {
      {"throughput", r.throughput_rps(), "rps", "higher"},
      {"error_rate", error_rate, "ratio", "lower"},
      {"latency_min", ms(h.min()), "ms", "lower"},
      {"latency_mean", h.mean() / 1e6, "ms", "lower"},
      {"latency_p50", ms(h.value_at_percentile(50)), "ms", "lower"},
      {"latency_p90", ms(h.value_at_percentile(90)), "ms", "lower"},
      {"latency_p95", ms(h.value_at_percentile(95)), "ms", "lower"},
      {"latency_p99", ms(h.value_at_percentile(99)), "ms", "lower"},
      {"latency_p999", ms(h.value_at_percentile(99.9)), "ms", "lower"},
      {"latency_max", ms(h.max()), "ms", "lower"},
  };
  if (r.callbacks) {
    // Percentiles over the first arrivals; what never came is counted, not timed.
    const CallbackTotals& cb = *r.callbacks;
    const Histogram& c = cb.latency;
    std::vector<Metric> callback_metrics = {
        {"callback_latency_p50", ms(c.value_at_percentile(50)), "ms", "lower"},
        {"callback_latency_p90", ms(c.value_at_percentile(90)), "ms", "lower"},
        {"callback_latency_p95", ms(c.value_at_percentile(95)), "ms", "lower"},
        {"callback_latency_p99", ms(c.value_at_percentile(99)), "ms", "lower"},
        {"callback_latency_max", ms(c.max()), "ms", "lower"},
        {"callbacks_received", static_cast<double>(cb.received), "count", "higher"},
        {"callbacks_lost", static_cast<double>(cb.lost), "count", "lower"},
        {"callbacks_duplicate", static_cast<double>(cb.duplicate), "count", "lower"},
        {"callbacks_unknown", static_cast<double>(cb.unknown), "count", "lower"},
    };
    metrics.insert(metrics.end(), callback_metrics.begin(), callback_metrics.end());
  }
  return metrics;
}

std::string callback_summary(const CallbackTotals& cb, bool open_model) {
  const Histogram& c = cb.latency;
  auto at = [&](double p) { return format_ms(ms(c.value_at_percentile(p))); };
  std::string out = fmt::format("  {:<12}{} received, {} lost, {} duplicate, {} unknown (of {} expected; timeout {})\n",
                                "callbacks", format_count(cb.received), format_count(cb.lost), format_count(cb.duplicate),
                                format_count(cb.unknown), format_count(cb.expected), format_ms(cb.timeout_s * 1e3));
  if (cb.received != 0) {
    out += fmt::format("  {:<12}p50 {}  p90 {}  p95 {}  p99 {}  max {}  (from the {} send)\n", "callback", at(50), at(90),
                       at(95), at(99), format_ms(ms(c.max())), open_model ? "scheduled" : "actual");
  }
  if (cb.late != 0) {
    out += fmt::format("  ({} callbacks came after the timeout: not timed, counted lost when expected)\n",
                       format_count(cb.late));
  }
  return out;

}

std::string hdr_log_line(const PublishedSecond& second, Histogram& scratch) {
  for (auto [index, count] : second.counts) scratch.add_at_index(index, count);
  double start_s = static_cast<double>(second.index);
  std::string line = hdr_log_interval_line(start_s, std::max(second.end_s - start_s, 0.0), scratch);
  scratch.reset();
  return line;
}

nlohmann::json http_benchmark_json(const std::string& name, const nlohmann::json& config, const LoadResult& r) {
  nlohmann::json b;
  b["name"] = name;
  b["kind"] = "http";
  b["valid"] = r.valid;
  b["invalid_reason"] = r.valid ? nlohmann::json(nullptr) : nlohmann::json(r.invalid_reason);
  b["interrupted"] = r.interrupted;
  b["config"] = config;
  b["duration_s"] = r.duration_s;
  b["requests"] = {{"total", r.total}, {"ok", r.ok}, {"errors", r.errors}};
  nlohmann::json status = nlohmann::json::object();
  for (const auto& [code, count] : r.status) status[std::to_string(code)] = count;
  b["status"] = status;
  b["errors"] = {{"timeout", r.error_classes.timeout},
                 {"connect", r.error_classes.connect},
                 {"reset", r.error_classes.reset},
                 {"protocol", r.error_classes.protocol}};
  b["throughput_rps"] = r.throughput_rps();
  b["bytes_per_s"] = r.duration_s > 0 ? static_cast<double>(r.bytes_read) / r.duration_s : 0.0;
  b["latency_ms"] = latency_json(r.latency);
  // Timeouts are in the latency figures at the latency they had when abandoned.
  b["latency_timeout_samples"] = r.timeout_samples();
  if (r.open_model) {
    const Histogram& u = r.latency_uncorrected;
    b["latency_uncorrected_ms"] = {{"p50", ms(u.value_at_percentile(50))},
                                   {"p90", ms(u.value_at_percentile(90))},
                                   {"p99", ms(u.value_at_percentile(99))},
                                   {"max", ms(u.max())}};
    b["schedule"] = {{"rate", r.rate_per_s},
                     {"achieved_rate", r.throughput_rps()},
                     {"waited_for_connection", r.waited_for_connection},
                     {"max_connection_wait_ms", ms(r.max_connection_wait_ns)},
                     {"send_lag_p99_ms", ms(r.send_lag.value_at_percentile(99))},
                     {"send_lag_max_ms", ms(r.send_lag.max())}};
  } else {
    b["latency_uncorrected_ms"] = nullptr;
  }
  b["client"] = {{"threads", r.threads},
                 {"cpu_s", r.client_cpu_s},
                 {"cpu_fraction", r.client_cpu_fraction},
                 {"cpu_us_per_request", r.total != 0 ? r.client_cpu_s * 1e6 / static_cast<double>(r.total) : 0.0}};
  b["notes"] = r.notes;
  if (r.callbacks) {
    const CallbackTotals& cb = *r.callbacks;
    const Histogram& c = cb.latency;
    b["callbacks"] = {{"url", cb.url},
                      {"id_from", cb.id_from},
                      {"timeout_s", cb.timeout_s},
                      {"expected", cb.expected},
                      {"received", cb.received},
                      {"lost", cb.lost},
                      {"late", cb.late},
                      {"duplicate", cb.duplicate},
                      {"unknown", cb.unknown},
                      {"latency_ms", {{"p50", ms(c.value_at_percentile(50))},
                                      {"p90", ms(c.value_at_percentile(90))},
                                      {"p95", ms(c.value_at_percentile(95))},
                                      {"p99", ms(c.value_at_percentile(99))},
                                      {"max", ms(c.max())}}},
                      {"histogram", {{"encoding", "hdr-v2-base64"}, {"unit", "ns"}, {"data", encode_hdr_v2_base64(c)}}}};
  }
  // The encoding cannot carry how many values fell outside 1 µs .. 1 h: said beside it.
  b["histogram"] = {{"encoding", "hdr-v2-base64"},
                    {"unit", "ns"},
                    {"data", encode_hdr_v2_base64(r.latency)},
                    {"clamped", r.latency.clamped_count()}};
  nlohmann::json timeline = nlohmann::json::array();
  for (const auto& p : r.timeline) {
    timeline.push_back({{"t", p.t_s}, {"requests", p.requests}, {"errors", p.errors}, {"p50_ms", p.p50_ms}, {"p99_ms", p.p99_ms}});
  }
  b["timeline"] = timeline;
  b["metrics"] = metrics_to_json(http_metrics(r));
  return b;
}

}  // namespace perfgate::http
