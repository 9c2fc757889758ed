// A soak run's text; see soak_report.hpp.
#include "report/soak_report.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/text_escape.hpp"
#include "core/units.hpp"

namespace perfgate::report {
namespace {

using Row = std::vector<std::string>;

// Columns padded to their widest cell; the first `left` columns left-aligned, the rest right.
std::string table(const std::vector<Row>& rows, std::size_t left) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i < left ? fmt::format(" {:<{}}", row[i], widths[i]) : fmt::format(" {:>{}}", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

double number(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::uint64_t count(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::string rate(double rps) { return rps >= 100 ? fmt::format("{:.0f}", rps) : fmt::format("{:.1f}", rps); }

std::string percent(double fraction) { return fmt::format("{:+.1f}%", fraction * 100); }

std::string bytes_per_h(double value) {
  return (value < 0 ? "-" : "+") + format_bytes(std::fabs(value)) + "/h";
}

std::vector<std::string> leak_findings(const nlohmann::json& leak) {
  std::vector<std::string> found;
  for (const auto& [service, series] : leak.items()) {
    for (const char* name : {"rss", "threads", "fds"}) {
      const nlohmann::json& verdict = member(series, name);
      if (!verdict.value("leaking", false)) continue;
      std::string slope = std::string(name) == "rss" ? bytes_per_h(number(verdict, "slope_bytes_per_h"))
                                                     : fmt::format("{:+.1f}/h", number(verdict, "slope_per_h"));
      found.push_back(fmt::format("leak in {} ({} {})", terminal_text(service), name, slope));
    }
  }
  return found;
}

std::vector<std::string> drift_findings(const nlohmann::json& drift) {
  std::vector<std::string> found;
  for (const auto& [benchmark, verdict] : drift.items()) {
    if (verdict.value("drifting", false)) {
      found.push_back(fmt::format("drift of {} (p95 {} over the soak)", terminal_text(benchmark),
                                  percent(number(verdict, "change"))));
    }
  }
  return found;
}

}  // namespace

std::string soak_clock(double seconds) {
  auto total = static_cast<long long>(std::llround(std::max(seconds, 0.0)));
  long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

std::string checkpoint_progress_line(std::size_t checkpoint, double t_s, double total_s,
                                     const std::vector<nlohmann::json>& lines) {
  std::string out = fmt::format("checkpoint {}  {}/{}", checkpoint, soak_clock(t_s), soak_clock(total_s));
  for (const auto& line : lines) {
    out += fmt::format("  {} {} req/s p95 {} {} errors", terminal_text(line.value("benchmark", "")),
                       rate(number(line, "throughput_rps")), format_ms(number(member(line, "latency_ms"), "p95")),
                       format_count(count(line, "errors")));
  }
  if (!lines.empty()) {
    const nlohmann::json& resources = member(lines.front(), "resources");
    std::string services;
    for (const auto& [service, r] : resources.items()) {
      services += fmt::format("{}{} RSS {} CPU {:.0f}%", services.empty() ? "" : ", ", terminal_text(service),
                              format_bytes(number(member(r, "rss_bytes"), "max")), number(member(r, "cpu_pct"), "mean"));
    }
    if (!services.empty()) out += "  | " + services;
  }
  return out;
}

std::string checkpoint_table(const std::vector<nlohmann::json>& lines) {
  std::set<std::string> services;
  for (const auto& line : lines) {
    for (const auto& [service, r] : member(line, "resources").items()) services.insert(service);
  }
  Row header = {"t", "benchmark", "requests", "req/s", "errors", "p50", "p95", "p99", "max"};
  for (const auto& service : services) {
    header.push_back(terminal_text(service) + " RSS");
    header.push_back(terminal_text(service) + " CPU");
  }
  std::vector<Row> rows = {header};
  for (const auto& line : lines) {
    const nlohmann::json& latency = member(line, "latency_ms");
    Row row = {soak_clock(number(line, "t_s")),
               terminal_text(line.value("benchmark", "")),
               format_count(count(line, "requests")),
               rate(number(line, "throughput_rps")),
               format_count(count(line, "errors")),
               format_ms(number(latency, "p50")),
               format_ms(number(latency, "p95")),
               format_ms(number(latency, "p99")),
               format_ms(number(latency, "max"))};
    const nlohmann::json& resources = member(line, "resources");
    for (const auto& service : services) {
      const nlohmann::json& r = member(resources, service.c_str());
      bool sampled = resources.contains(service);
      row.push_back(sampled ? format_bytes(number(member(r, "rss_bytes"), "max")) : "-");
      row.push_back(sampled ? fmt::format("{:.0f}%", number(member(r, "cpu_pct"), "mean")) : "-");
    }
    rows.push_back(std::move(row));
  }
  return table(rows, 2);
}

std::string soak_summary(const nlohmann::json& document, const std::vector<nlohmann::json>& checkpoints) {
  const nlohmann::json& soak = member(document, "soak");
  std::string out = fmt::format("Soak: {} of {} ({}), {} checkpoints of {}\n", soak_clock(number(soak, "elapsed_s")),
                                soak_clock(number(soak, "duration_s")), soak.value("ended", "?"),
                                count(soak, "checkpoints"), soak_clock(number(soak, "checkpoint_s")));
  const nlohmann::json& service_exit = member(soak, "service_exit");
  if (!service_exit.empty()) {
    out += fmt::format("  {} at {}\n", terminal_text(service_exit.value("what", "")),
                       soak_clock(number(service_exit, "t_s")));
  }
  std::vector<Row> rows = {{"benchmark", "requests", "req/s", "errors", "p50", "p95", "p99", "max"}};
  for (const auto& b : document.value("benchmarks", nlohmann::json::array())) {
    const nlohmann::json& latency = member(b, "latency_ms");
    const nlohmann::json& requests = member(b, "requests");
    rows.push_back({terminal_text(b.value("name", "")), format_count(count(requests, "total")),
                    rate(number(b, "throughput_rps")), format_count(count(requests, "errors")),
                    format_ms(number(latency, "p50")), format_ms(number(latency, "p95")),
                    format_ms(number(latency, "p99")), format_ms(number(latency, "max"))});
  }
  out += table(rows, 1);
  out += fmt::format("Checkpoints ({} lines):\n", checkpoints.size());
  out += checkpoint_table(checkpoints);

  const nlohmann::json& leak = member(soak, "leak");
  out += "Leak check (slope after the first 10%, 95% interval):\n";
  if (leak.empty()) out += "  no service is monitored (monitor: true on a service)\n";
  for (const auto& [service, series] : leak.items()) {
    const nlohmann::json& rss = member(series, "rss");
    const nlohmann::json& ci = rss.value("ci95", nlohmann::json::array());
    bool leaking = !leak_findings({{service, series}}).empty();
    // Documents stored before the least-growth rule have no "judged": they were judged.
    bool judged = rss.value("judged", true);
    out += fmt::format("  {}: {}  rss {} [{} .. {}] (allowed {}), threads {:+.1f}/h, fds {:+.1f}/h\n",
                       terminal_text(service),
                       leaking ? "LEAK"
                       : judged
                           ? "no leak"
                           : fmt::format("no verdict (too little growth or too few samples in {:.1f} s to tell a leak from a warm-up)",
                                         number(rss, "window_s")),
                       bytes_per_h(number(rss, "slope_bytes_per_h")),
                       bytes_per_h(ci.size() == 2 && ci[0].is_number() ? ci[0].get<double>() : 0),
                       bytes_per_h(ci.size() == 2 && ci[1].is_number() ? ci[1].get<double>() : 0),
                       bytes_per_h(number(rss, "threshold_per_h")), number(member(series, "threads"), "slope_per_h"),
                       number(member(series, "fds"), "slope_per_h"));
  }
  out += "Drift of p95 over the checkpoints:\n";
  for (const auto& [benchmark, verdict] : member(soak, "drift").items()) {
    if (!verdict.value("judged", false)) {
      out += fmt::format("  {}: not judged ({})\n", terminal_text(benchmark), verdict.value("reason", ""));
      continue;
    }
    out += fmt::format("  {}: {}  p95 {} over the soak (allowed {}), slope {:+.3f} ms/h\n", terminal_text(benchmark),
                       verdict.value("drifting", false) ? "DRIFT" : "no drift", percent(number(verdict, "change")),
                       percent(number(verdict, "max_change")), number(verdict, "slope_ms_per_h"));
  }
  return out;
}

std::string soak_verdict_line(const nlohmann::json& soak) {
  std::vector<std::string> failures, warnings;
  for (auto& finding : leak_findings(member(soak, "leak"))) {
    (soak.value("on_leak", "fail") == "warn" ? warnings : failures).push_back(std::move(finding));
  }
  for (auto& finding : drift_findings(member(soak, "drift"))) {
    (soak.value("on_drift", "fail") == "warn" ? warnings : failures).push_back(std::move(finding));
  }
  // A soak that did not run its course passes nothing: what it found so far is said after.
  std::string ended = soak.is_object() ? soak.value("ended", "complete") : "complete";
  if (ended == "failed") failures.insert(failures.begin(), "the soak ended early");
  std::string line;
  if (ended == "interrupted") {
    line = failures.empty() ? "INTERRUPTED (no leak or drift so far)"
                            : fmt::format("INTERRUPTED: {}", fmt::join(failures, ", "));
  } else {
    line = failures.empty() ? "PASS" : fmt::format("FAIL: {}", fmt::join(failures, ", "));
  }
  if (!warnings.empty()) line += fmt::format(" (warnings: {})", fmt::join(warnings, ", "));
  return line;
}

}  // namespace perfgate::report
