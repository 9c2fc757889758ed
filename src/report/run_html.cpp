// HTML for a suite run; see run_html.hpp.
#include "report/run_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/text_escape.hpp"
#include "core/units.hpp"
#include "report/service_resources.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

constexpr const char* kStyle = R"(body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#555}
.pass{color:#17702f}.fail,.regressed{color:#b00020;font-weight:600}.improved{color:#17702f}.noisy{color:#8a6d00}
.reason{color:#555;font-size:.92em}svg{background:#fafafa;border:1px solid #ddd}
.p50{stroke:#1f6feb;color:#1f6feb}.p99{stroke:#d1242f;color:#d1242f}
.cpu{stroke:#8250df;color:#8250df}.rss{stroke:#1a7f37;color:#1a7f37})";

std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string number(double value) {
  if (!std::isfinite(value)) return "–";
  return fmt::format("{:.4g}", value);
}

std::string run_facts(const json& run) {
  std::string out = "<p class=\"meta\">";
  out += fmt::format("run <code>{}</code>", html_text(text_of(run, "id")));
  if (run.contains("started_at")) out += fmt::format(", started {}", html_text(text_of(run, "started_at")));
  if (auto git = run.find("git"); git != run.end() && git->is_object()) {
    out += fmt::format(", git {} <code>{}</code>{}", html_text(text_of(*git, "branch")),
                       html_text(text_of(*git, "commit").substr(0, 12)), git->value("dirty", false) ? " (dirty)" : "");
  }
  if (auto env = run.find("env"); env != run.end() && env->is_object()) {
    out += fmt::format("<br>on {} ({}, {} CPUs, {}, kernel {})", html_text(text_of(*env, "hostname")),
                       html_text(text_of(*env, "cpu_model")), html_text(text_of(*env, "cpus")),
                       html_text(text_of(*env, "os")), html_text(text_of(*env, "kernel")));
  }
  return out + "</p>\n";
}

std::string checks_table(const json& checks) {
  if (checks.empty()) return "";
  std::string out = "<h2>Checks</h2>\n<table><tr><th>Benchmark</th><th>Check</th><th>Observed</th><th>Result</th></tr>\n";
  for (const auto& c : checks) {
    bool passed = c.value("passed", false);
    out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>\n",
                       html_text(text_of(c, "benchmark")), html_text(text_of(c, "expr")),
                       html_text(text_of(c, "observed_text")), passed ? "pass" : "fail", passed ? "pass" : "FAIL");
  }
  return out + "</table>\n";
}

std::string comparison_table(const RunSummary& summary) {
  if (summary.comparison == nullptr) {
    return fmt::format("<h2>Comparison</h2>\n<p>No comparison: {}.</p>\n", html_text(summary.no_baseline_reason));
  }
  const compare::ComparisonReport& report = *summary.comparison;
  std::string out = fmt::format("<h2>Comparison with {}</h2>\n", html_text(summary.baseline_label));
  out += fmt::format("<p>{} regressed, {} improved, {} noisy, {} unchanged.</p>\n",
                     report.count(compare::Verdict::regressed), report.count(compare::Verdict::improved),
                     report.count(compare::Verdict::noisy), report.count(compare::Verdict::unchanged));
  out += "<table><tr><th>Benchmark</th><th>Metric</th><th>Baseline</th><th>Current</th><th>Change</th><th>p</th>"
         "<th>Verdict</th><th>Why</th></tr>\n";
  for (const auto& row : report.rows) {
    std::string verdict(compare::to_string(row.verdict));
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{} {}</td><td class=\"n\">{} {}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"{}\">{}</td><td class=\"reason\">{}</td></tr>\n",
        html_text(row.benchmark), html_text(row.metric), number(row.baseline), html_text(row.unit), number(row.current),
        html_text(row.unit), row.change_pct ? fmt::format("{:+.1f}%", *row.change_pct) : "–",
        row.p_value ? fmt::format("{:.3g}", *row.p_value) : "–", verdict, verdict, html_text(row.reason));
  }
  out += "</table>\n";
  for (const auto& note : report.notes) out += fmt::format("<p class=\"meta\">{}</p>\n", html_text(note));
  return out;
}

struct ChartLine {
  std::vector<double> values;  // one per time in `t`
  const char* css_class;
};

// Lines over time on one chart, from zero: an inline SVG, no script. `y_text` writes the top value.
std::string line_chart(const std::string& label, const std::vector<double>& t, const std::vector<ChartLine>& lines,
                       const std::function<std::string(double)>& y_text) {
  if (t.size() < 2 || lines.empty()) return "";
  constexpr double kWidth = 640;
  constexpr double kHeight = 180;
  constexpr double kLeft = 56;
  constexpr double kBottom = 22;
  constexpr double kTop = 10;
  double t_max = std::max(*std::max_element(t.begin(), t.end()), 1e-9);
  double y_max = 1e-9;
  for (const auto& line : lines) {
    for (double v : line.values) y_max = std::max(y_max, v);
  }
  y_max *= 1.1;
  auto x = [&](double value) { return kLeft + (kWidth - kLeft - 10) * value / t_max; };
  auto y = [&](double value) { return kTop + (kHeight - kTop - kBottom) * (1 - value / y_max); };
  std::string out = fmt::format(
      "<svg role=\"img\" aria-label=\"{2}\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">", kWidth, kHeight,
      html_text(label));
  out += fmt::format("<text x=\"4\" y=\"{:.0f}\" font-size=\"11\">{}</text>", kTop + 10, html_text(y_text(y_max)));
  out += fmt::format("<text x=\"4\" y=\"{:.0f}\" font-size=\"11\">0</text>", kHeight - kBottom);
  out += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" font-size=\"11\" text-anchor=\"end\">{} s</text>", kWidth - 10,
                     kHeight - 6, number(t_max));
  for (const auto& line : lines) {
    std::string points;
    for (std::size_t i = 0; i < line.values.size() && i < t.size(); ++i) {
      points += fmt::format("{:.1f},{:.1f} ", x(t[i]), y(line.values[i]));
    }
    out += fmt::format("<polyline class=\"{}\" fill=\"none\" stroke-width=\"2\" points=\"{}\"/>", line.css_class, points);
  }
  return out + "</svg>\n";
}

// Per-second p50 and p99 of an http benchmark as two lines on one chart, from zero.
std::string latency_chart(const json& timeline) {
  std::vector<double> t;
  std::vector<double> p50;
  std::vector<double> p99;
  for (const auto& point : timeline) {
    if (!point.is_object() || !point.contains("t") || !point.contains("p50_ms") || !point.contains("p99_ms")) continue;
    if (!point["t"].is_number() || !point["p50_ms"].is_number() || !point["p99_ms"].is_number()) continue;
    t.push_back(point["t"].get<double>());
    p50.push_back(point["p50_ms"].get<double>());
    p99.push_back(point["p99_ms"].get<double>());
  }
  std::string chart = line_chart("latency per second", t, {{p50, "p50"}, {p99, "p99"}},
                                 [](double v) { return number(v) + " ms"; });
  if (chart.empty()) return "";
  return "<p class=\"meta\">Latency per second: <span class=\"p50\">p50</span> and <span class=\"p99\">p99</span>.</p>\n" +
         chart;
}

// A monitored service's CPU and RSS over the benchmark's measured window (resource_timeline).
std::string resource_charts(const std::string& service, const json& timeline) {
  std::vector<double> t;
  std::vector<double> cpu;
  std::vector<double> rss;
  for (const auto& point : timeline) {
    if (!point.is_object() || !point.contains("t") || !point["t"].is_number()) continue;
    auto value = [&](const char* key) {
      return point.contains(key) && point[key].is_number() ? point[key].get<double>() : 0.0;
    };
    t.push_back(value("t"));
    cpu.push_back(value("cpu_pct"));
    rss.push_back(value("rss_bytes"));
  }
  std::string cpu_chart = line_chart(service + " CPU over time", t, {{cpu, "cpu"}}, [](double v) { return number(v) + "%"; });
  if (cpu_chart.empty()) return "";
  std::string rss_chart = line_chart(service + " RSS over time", t, {{rss, "rss"}}, [](double v) { return format_bytes(v); });
  return fmt::format("<p class=\"meta\">Service <code>{0}</code>: <span class=\"cpu\">CPU</span> (100% = one CPU busy) "
                     "and <span class=\"rss\">RSS</span> over time.</p>\n",
                     html_text(service)) +
         cpu_chart + rss_chart;
}

std::string resources_table(const json& benchmark) {
  json list = json::array({benchmark});
  std::string out;
  for (const auto& f : service_figures(list)) {
    if (out.empty()) {
      out = "<table><tr><th>Service</th><th>CPU mean</th><th>CPU max</th><th>RSS max</th><th>Threads</th><th>FDs</th>"
            "<th>Samples</th></tr>\n";
    }
    if (f.samples == 0) {
      out += fmt::format("<tr><td>{}</td><td colspan=\"5\">not measured: {}</td><td class=\"n\">0</td></tr>\n",
                         html_text(f.service), html_text(f.note));
      continue;
    }
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{:.1f}%</td><td class=\"n\">{:.1f}%</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{:.0f}</td><td class=\"n\">{:.0f}</td><td class=\"n\">{}</td></tr>\n",
                       html_text(f.service), f.cpu_pct_mean, f.cpu_pct_max, html_text(format_bytes(f.rss_max_bytes)),
                       f.threads_max, f.fds_max, f.samples);
  }
  return out.empty() ? out : out + "</table>\n";
}

std::string benchmark_section(const json& benchmark) {
  std::string out = fmt::format("<h3>{} <span class=\"meta\">({})</span></h3>\n", html_text(text_of(benchmark, "name")),
                                html_text(text_of(benchmark, "kind")));
  if (!benchmark.value("valid", true)) {
    out += fmt::format("<p class=\"fail\">INVALID: {}</p>\n", html_text(text_of(benchmark, "invalid_reason")));
  }
  if (auto metrics = benchmark.find("metrics"); metrics != benchmark.end() && metrics->is_array() && !metrics->empty()) {
    out += "<table><tr><th>Metric</th><th>Value</th><th>Unit</th></tr>\n";
    for (const auto& metric : *metrics) {
      const json& value = metric.contains("value") ? metric["value"] : json();
      out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n", html_text(text_of(metric, "name")),
                         value.is_number() ? number(value.get<double>()) : "–", html_text(text_of(metric, "unit")));
    }
    out += "</table>\n";
  }
  if (auto timeline = benchmark.find("timeline"); timeline != benchmark.end() && timeline->is_array()) {
    out += latency_chart(*timeline);
  }
  out += resources_table(benchmark);
  if (auto timelines = benchmark.find("resource_timeline"); timelines != benchmark.end() && timelines->is_object()) {
    for (const auto& [service, timeline] : timelines->items()) {
      if (timeline.is_array()) out += resource_charts(service, timeline);
    }
  }
  return out;
}

}  // namespace

std::string run_html(const RunSummary& summary, const json& document) {
  std::string verdict = run_verdict_line(summary);
  bool passed = verdict.rfind("PASS", 0) == 0;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>perfgate {}: {}</title>\n"
      "<style>\n{}\n</style>\n</head>\n<body>\n<h1>perfgate <code>{}</code>: <span class=\"{}\">{}</span></h1>\n",
      html_text(summary.suite), html_text(verdict), kStyle, html_text(summary.suite), passed ? "pass" : "fail",
      html_text(verdict));
  if (auto run = document.find("run"); run != document.end() && run->is_object()) out += run_facts(*run);
  out += checks_table(summary.checks);
  out += comparison_table(summary);
  if (auto benchmarks = document.find("benchmarks"); benchmarks != document.end() && benchmarks->is_array()) {
    out += "<h2>Benchmarks</h2>\n";
    for (const auto& benchmark : *benchmarks) {
      if (benchmark.is_object()) out += benchmark_section(benchmark);
    }
  }
  return out + "<p class=\"meta\">Written by perfgate " PERFGATE_VERSION ".</p>\n</body>\n</html>\n";
}

}  // namespace perfgate::report
