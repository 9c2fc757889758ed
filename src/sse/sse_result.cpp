// The SSE benchmark object of the result document; see sse_result.hpp.
#include "sse/sse_result.hpp"

#include <fmt/format.h>

#include "core/histogram_codec.hpp"
#include "core/units.hpp"
#include "http/load_result.hpp"

namespace perfgate::sse {
namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }
double seconds(Nanos d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace

nlohmann::json sse_config_json(const SseOptions& o, const std::string& shown_url, const std::string& shown_publish_url,
                               const Redaction& redaction) {
  nlohmann::json config;
  config["url"] = redaction.url(shown_url);
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : redaction.headers(o.headers)) headers[name] = value;
  config["headers"] = headers;
  config["subscribers"] = o.subscribers;
  config["threads"] = o.threads;
  config["duration_s"] = seconds(o.duration);
  config["timeout_s"] = seconds(o.timeout);
  if (o.publish) {
    config["publish"] = {{"url", redaction.url(shown_publish_url)},
                         {"rate", o.publish->rate_per_s},
                         {"body", o.publish->body_text},
                         {"connections", o.publish->connections}};
    config["id_field"] = o.id_field.written();
    config["ts_field"] = nullptr;
  } else {
    config["publish"] = nullptr;
    config["id_field"] = o.id_field.written();
    config["ts_field"] = o.ts_field ? nlohmann::json(o.ts_field->written()) : nlohmann::json(nullptr);
  }
  return config;
}

std::vector<Metric> sse_metrics(const SseResult& r) {
  const Histogram& h = r.delivery;
  return {
      {"throughput", r.throughput_eps(), "rps", "higher"},
      {"delivery_mean", h.mean() / 1e6, "ms", "lower"},
      {"delivery_p50", ms(h.value_at_percentile(50)), "ms", "lower"},
      {"delivery_p90", ms(h.value_at_percentile(90)), "ms", "lower"},
      {"delivery_p95", ms(h.value_at_percentile(95)), "ms", "lower"},
      {"delivery_p99", ms(h.value_at_percentile(99)), "ms", "lower"},
      {"delivery_max", ms(h.max()), "ms", "lower"},
      {"events_received", static_cast<double>(r.events_received), "count", "higher"},
      {"events_lost", static_cast<double>(r.events_lost), "count", "lower"},
      {"events_lost_ratio", r.lost_ratio(), "ratio", "lower"},
      {"events_duplicate", static_cast<double>(r.events_duplicate), "count", "lower"},
      {"connect_p99", ms(r.connect.value_at_percentile(99)), "ms", "lower"},
      {"reconnects", static_cast<double>(r.reconnects), "count", "lower"},
  };
}

nlohmann::json sse_benchmark_json(const std::string& name, const nlohmann::json& config, const SseResult& r) {
  nlohmann::json b;
  b["name"] = name;
  b["kind"] = "sse";
  b["valid"] = r.valid;
  b["invalid_reason"] = r.valid ? nlohmann::json(nullptr) : nlohmann::json(r.invalid_reason);
  b["interrupted"] = r.interrupted;
  b["config"] = config;
  b["duration_s"] = r.duration_s;
  // As for http: ok + errors == total; here the pairs (event, subscriber) that counted.
  b["requests"] = {{"total", r.events_expected}, {"ok", r.events_received}, {"errors", r.events_lost}};
  b["throughput_rps"] = r.throughput_eps();
  b["latency_ms"] = http::latency_json(r.delivery);
  b["latency_uncorrected_ms"] = nullptr;
  b["events"] = {{"received", r.events_received},   {"lost", r.events_lost},         {"late", r.events_late},
                 {"duplicate", r.events_duplicate}, {"unknown", r.events_unknown},   {"dispatched", r.events_total},
                 {"comments", r.comments}};
  b["publish"] = {{"published", r.published},
                  {"errors", r.publish_errors},
                  {"lag_p99_ms", ms(r.publish_lag.value_at_percentile(99))},
                  {"lag_max_ms", ms(r.publish_lag.max())}};
  b["subscriptions"] = {{"subscribers", r.subscribers},
                        {"reconnects", r.reconnects},
                        {"connect_failures", r.connect_failures},
                        {"connect_ms", {{"p50", ms(r.connect.value_at_percentile(50))},
                                        {"p99", ms(r.connect.value_at_percentile(99))},
                                        {"max", ms(r.connect.max())}}}};
  b["client"] = {{"threads", r.threads},
                 {"cpu_s", r.client_cpu_s},
                 {"cpu_fraction", r.client_cpu_fraction},
                 {"publisher_cpu_s", r.publisher_cpu_s},
                 {"cpu_us_per_event", r.events_total != 0 ? r.client_cpu_s * 1e6 / static_cast<double>(r.events_total) : 0.0},
                 {"bytes_read", r.bytes_read}};
  b["notes"] = r.notes;
  b["histogram"] = {{"encoding", "hdr-v2-base64"},
                    {"unit", "ns"},
                    {"data", encode_hdr_v2_base64(r.delivery)},
                    {"clamped", r.delivery.clamped_count()}};
  b["timeline"] = nlohmann::json::array();
  b["metrics"] = metrics_to_json(sse_metrics(r));
  return b;
}

std::string sse_summary_lines(const SseResult& r) {
  std::string out = fmt::format("  {} events received by {} subscribers in {:.1f} s, {:.1f} events/s; {} lost ({:.3f}%), "
                                "{} duplicate, {} reconnects\n",
                                format_count(r.events_received), r.subscribers, r.duration_s, r.throughput_eps(),
                                format_count(r.events_lost), r.lost_ratio() * 100, format_count(r.events_duplicate),
                                format_count(r.reconnects));
  auto p = [&](double q) { return format_ms(static_cast<double>(r.delivery.value_at_percentile(q)) / 1e6); };
  out += fmt::format("  delivery p50 {}  p90 {}  p95 {}  p99 {}  max {}   connect p99 {}\n", p(50), p(90), p(95), p(99),
                     format_ms(static_cast<double>(r.delivery.max()) / 1e6),
                     format_ms(static_cast<double>(r.connect.value_at_percentile(99)) / 1e6));
  if (r.published != 0 || r.publish_errors != 0) {
    out += fmt::format("  published {} ({} failed); client CPU {:.1f} us per event\n", format_count(r.published),
                       format_count(r.publish_errors),
                       r.events_total != 0 ? r.client_cpu_s * 1e6 / static_cast<double>(r.events_total) : 0.0);
  }
  if (!r.valid) out += "  INVALID: " + r.invalid_reason + "\n";
  for (const auto& note : r.notes) out += "  note: " + note + "\n";
  return out;
}

}  // namespace perfgate::sse
