// The human summary of an HTTP run; see summary.hpp.
#include "cli/summary.hpp"

#include <fmt/format.h>

#include "core/units.hpp"
#include "http/load_result.hpp"

namespace perfgate::cli {
namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string latency_row(const char* label, const Histogram& h) {
  return fmt::format("  {:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", label,
                     format_ms(ms(h.min())), format_ms(ms(h.value_at_percentile(50))),
                     format_ms(ms(h.value_at_percentile(90))), format_ms(ms(h.value_at_percentile(95))),
                     format_ms(ms(h.value_at_percentile(99))), format_ms(ms(h.value_at_percentile(99.9))),
                     format_ms(ms(h.max())), format_ms(h.mean() / 1e6), format_ms(h.stddev() / 1e6));
}

// How the latency table names what it measured from.
struct LatencyWords {
  const char* corrected_from;    // "each request's scheduled send time"
  const char* uncorrected_from;  // "the actual send"
  const char* rate_unit;         // "req/s"
};

// The latency table: corrected (or closed-model) row, what it holds, the uncorrected row and
// the schedule in the open model.
std::string latency_table(const http::LoadResult& r, const LatencyWords& words) {
  std::string out = fmt::format("  {:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", "latency", "min",
                                "p50", "p90", "p95", "p99", "p99.9", "max", "mean", "stddev");
  out += latency_row(r.open_model ? "corrected" : "", r.latency);
  if (r.timeout_samples() != 0) {
    out += fmt::format("  ({} of the {} latency samples are timeouts, recorded at the latency each had when abandoned)\n",
                       format_count(r.timeout_samples()), format_count(static_cast<std::uint64_t>(r.latency.total_count())));
  }
  if (r.latency.clamped_count() != 0) {
    out += fmt::format("  ({} latency samples were outside 1 us .. 1 h and are counted at that bound)\n",
                       format_count(static_cast<std::uint64_t>(r.latency.clamped_count())));
  }
  if (r.open_model) {
    out += latency_row("uncorrected", r.latency_uncorrected);
    out += fmt::format("  (corrected: from {}; uncorrected: from {})\n", words.corrected_from, words.uncorrected_from);
    out += fmt::format("  {:<12}achieved {:.1f} of {:.0f} {}; send lag p99 {}, max {}\n", "schedule", r.throughput_rps(),
                       r.rate_per_s, words.rate_unit, format_ms(ms(r.send_lag.value_at_percentile(99))),
                       format_ms(ms(r.send_lag.max())));
  }
  return out;
}

}  // namespace

std::string http_summary(const http::LoadOptions& options, const http::RequestSpec& spec, const std::string& shown_url,
                         const http::LoadResult& r) {
  std::string out;
  out += fmt::format("perfgate http {} {}\n", spec.method, shown_url);
  std::string model = r.open_model ? fmt::format("open model at {:.0f} req/s", r.rate_per_s) : "closed model";
  std::string bound = options.duration ? format_duration(*options.duration) : std::string("until done");
  if (options.requests != 0) bound += fmt::format(", {} requests", format_count(options.requests));
  out += fmt::format("  {}, {} connection{}, {} thread{}, {}{}\n", model, options.connections,
                     options.connections == 1 ? "" : "s", r.threads, r.threads == 1 ? "" : "s",
                     bound, options.warmup.count() > 0 ? ", warm-up " + format_duration(options.warmup) : "");
  if (r.interrupted) out += "  INTERRUPTED: the figures cover what was measured before the signal\n";
  out += "\n";
  out += fmt::format("  {:<12}{} total, {} ok, {} errors\n", "requests", format_count(r.total), format_count(r.ok),
                     format_count(r.errors));
  double bytes_per_s = r.duration_s > 0 ? static_cast<double>(r.bytes_read) / r.duration_s : 0;
  out += fmt::format("  {:<12}{:.1f} req/s, {}/s over {:.2f}s\n", "throughput", r.throughput_rps(),
                     format_bytes(bytes_per_s), r.duration_s);
  std::string statuses;
  for (const auto& [code, count] : r.status) {
    statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : ", ", code, format_count(count));
  }
  out += fmt::format("  {:<12}{}\n", "status", statuses.empty() ? "-" : statuses);
  const auto& e = r.error_classes;
  out += fmt::format("  {:<12}timeout {}, connect {}, reset {}, protocol {}\n", "errors", e.timeout, e.connect,
                     e.reset, e.protocol);
  out += "\n";
  out += latency_table(r, {"each request's scheduled send time", "the actual send", "req/s"});
  if (r.callbacks) out += http::callback_summary(*r.callbacks, r.open_model);
  if (r.total != 0) {
    out += fmt::format("  {:<12}{:.2f} us CPU per request ({:.0f}% of {} thread{})\n", "client",
                       r.client_cpu_s * 1e6 / static_cast<double>(r.total), r.client_cpu_fraction * 100,
                       r.threads, r.threads == 1 ? "" : "s");
  }
  for (const auto& note : r.notes) out += "\n  NOTE: " + note + "\n";
  if (!r.valid) {
    out += "\n  !!! RESULT NOT VALID: " + r.invalid_reason + "\n";
    out += "  !!! The latencies above are perfgate's, not the target's; do not trust them.\n";
  }
  return out;
}

std::string exec_summary(const exec::ExecOptions& options, const std::string& shown_command,
                         const exec::ExecResult& result) {
  const http::LoadResult& r = result.load;
  std::string out = fmt::format("perfgate exec {}\n", shown_command);
  std::string model = r.open_model ? fmt::format("open model at {:.0f} ops/s", r.rate_per_s)
                                   : fmt::format("closed model, {} in flight", options.concurrency);
  std::string bound = options.duration ? format_duration(*options.duration) : std::string("until done");
  if (options.operations != 0) bound += fmt::format(", {} operations", format_count(options.operations));
  out += fmt::format("  {}, {} worker{} (at most {} in flight each), {}{}\n", model, options.workers,
                     options.workers == 1 ? "" : "s", options.in_flight, bound,
                     options.warmup.count() > 0 ? ", warm-up " + format_duration(options.warmup) : "");
  if (r.interrupted) out += "  INTERRUPTED: the figures cover what was measured before the signal\n";
  out += "\n";
  out += fmt::format("  {:<12}{} total, {} ok, {} errors (timeout {}, error answers {})\n", "operations",
                     format_count(r.total), format_count(r.ok), format_count(r.errors), r.error_classes.timeout,
                     result.error_answers);
  for (const auto& [message, count] : result.error_messages) {
    out += fmt::format("  {:<12}{}x '{}'\n", "", format_count(count), message);
  }
  if (result.late_answers != 0) {
    out += fmt::format("  {:<12}{} answers came after their operation had timed out (ignored)\n", "",
                       format_count(result.late_answers));
  }
  out += fmt::format("  {:<12}{:.1f} ops/s over {:.2f}s\n\n", "throughput", r.throughput_rps(), r.duration_s);
  out += latency_table(r, {"each operation's scheduled time", "the write to the worker", "ops/s"});
  if (r.total != 0) {
    out += fmt::format("  {:<12}{:.2f} us of perfgate CPU per operation ({:.0f}% of its one thread)\n", "client",
                       r.client_cpu_s * 1e6 / static_cast<double>(r.total), r.client_cpu_fraction * 100);
  }
  for (const auto& note : r.notes) out += "\n  NOTE: " + note + "\n";
  if (!r.valid) {
    out += "\n  !!! RESULT NOT VALID: " + r.invalid_reason + "\n";
  }
  return out;
}

}  // namespace perfgate::cli
