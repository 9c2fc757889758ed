// The shared parts of the HTML pages; see html_page.hpp.
#include "report/html_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/histogram_codec.hpp"
#include "core/text_escape.hpp"
#include "core/units.hpp"
#include "report/comparison_report.hpp"
#include "report/service_resources.hpp"
#include "report/svg_chart.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

constexpr const char* kStyle =
    R"(:root{color-scheme:light}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:70em;margin:0 auto;padding:1.2em 1.2em 3em}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.25em;margin:1.8em 0 .6em;padding-bottom:.3em;border-bottom:1px solid #d0d7de}
h3{font-size:1.12em;margin:0 0 .4em}h4{font-size:1em;margin:1em 0 .2em;color:#57606a}
.verdict{border:1px solid;border-radius:10px;padding:.9em 1.3em;margin:1em 0}
.verdict.pass{border-color:#1a7f37;background:#dafbe1}.verdict.fail{border-color:#cf222e;background:#ffebe9}
.verdict .word{font-size:1.9em;font-weight:700;margin-right:.5em;vertical-align:-.1em}
.verdict.pass .word{color:#116329}.verdict.fail .word{color:#a40e26}
.verdict .headline{font-size:1.1em;font-weight:600}.verdict ul{margin:.5em 0 0;padding-left:1.3em}
.card{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:1em 1.2em;margin:1em 0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,430px),1fr));gap:.8em;margin:.6em 0}
svg.chart{display:block;width:100%;height:auto;max-width:640px;background:#fff}
svg .title{font:600 13px system-ui,sans-serif;fill:#1f2328}
svg .legend,svg .tick,svg .axis{font:11px system-ui,sans-serif;fill:#57606a}
svg .marker{font:600 10px system-ui,sans-serif}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .frame{fill:none;stroke:#d0d7de}
table{border-collapse:collapse;margin:.4em 0;background:#fff}
th,td{padding:.3em .7em;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{font-weight:600;color:#57606a;font-size:.9em}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#57606a}.reason{color:#57606a;font-size:.92em}
.regressed,.failed,.worse,td.fail{color:#a40e26;font-weight:600}.improved,.better{color:#116329;font-weight:600}
.noisy{color:#7d4e00}td.pass{color:#116329}
.tiles{display:flex;flex-wrap:wrap;gap:.6em;margin:.3em 0 .6em}
.tile{border:1px solid #d0d7de;border-radius:8px;padding:.35em .8em;min-width:8.5em}
.tile .k{font-size:.82em;color:#57606a}.tile .v{font-size:1.25em;font-weight:600;font-variant-numeric:tabular-nums}
.tile .d{font-size:.85em}
details{margin:.5em 0}summary{cursor:pointer;color:#0969da}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff2f5;padding:.1em .3em;border-radius:4px}
a{color:#0969da})";

std::optional<double> number_at(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

void add_point(ChartLine& line, double x, double y, const std::string& title = "") {
  line.x.push_back(x);
  line.y.push_back(y);
  if (!title.empty()) line.point_titles.push_back(title);
}

std::string number(double value) {
  if (!std::isfinite(value)) return "–";
  return fmt::format("{:.4g}", value);
}

// A metric's value with its unit, as a person reads it.
std::string value_text(double value, const std::string& unit) {
  if (!std::isfinite(value)) return "–";
  if (unit == "ratio") return fmt::format("{:.3g}%", value * 100);
  if (unit == "bytes") return format_bytes(value);
  if (unit == "%" || unit == "percent") return fmt::format("{:.1f}%", value);
  return unit.empty() ? number(value) : number(value) + " " + unit;
}

// How a chart's axis shows a metric's unit: bytes in MiB, a ratio in percent.
struct AxisUnit {
  double factor;
  std::string unit;
};

AxisUnit axis_unit(const std::string& unit) {
  if (unit == "bytes") return {1.0 / (1024.0 * 1024.0), "MiB"};
  if (unit == "ratio") return {100, "%"};
  if (unit == "percent") return {1, "%"};
  return {1, unit};
}

// A p-value as people read it: below 0.001 it only matters that it is small.
std::string p_text(double p) { return p < 0.001 ? "<0.001" : fmt::format("{:.2g}", p); }

std::string change_text(const compare::ComparisonRow& row) {
  return row.change_pct ? fmt::format("{:+.1f}%", *row.change_pct) : "–";
}

const json* benchmark_named(const json& document, const std::string& name) {
  auto benchmarks = document.find("benchmarks");
  if (benchmarks == document.end() || !benchmarks->is_array()) return nullptr;
  for (const auto& b : *benchmarks) {
    if (b.is_object() && b.value("name", "") == name) return &b;
  }
  return nullptr;
}

// The latency spectrum as (nines position, ms): from the histogram when it decodes (one point
// every 0.05 nines up to the last recorded value), else the percentiles of latency_ms.
struct Spectrum {
  std::vector<double> x, y;
  double count = 0;
};

Spectrum spectrum_of(const json& benchmark) {
  Spectrum s;
  if (auto h = benchmark.find("histogram"); h != benchmark.end() && h->is_object() && h->contains("data") &&
                                             (*h)["data"].is_string()) {
    if (std::optional<Histogram> histogram = decode_hdr_v2_base64((*h)["data"].get<std::string>());
        histogram && histogram->total_count() > 0) {
      s.count = static_cast<double>(histogram->total_count());
      const double last = std::log10(s.count);  // the quantile 1 - 1/N: the last one the data resolves
      for (int step = 0; step * 0.05 < last; ++step) {
        const double x = step * 0.05;
        const double q = 1 - std::pow(10, -x);
        s.x.push_back(x);
        s.y.push_back(static_cast<double>(histogram->value_at_percentile(q * 100)) / 1e6);
      }
      s.x.push_back(std::max(last, 0.0));
      s.y.push_back(static_cast<double>(histogram->max()) / 1e6);
      return s;
    }
  }
  auto latency = benchmark.find("latency_ms");
  if (latency == benchmark.end() || !latency->is_object()) return s;
  for (const auto& [key, q] : {std::pair{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}, {"p999", 0.999}}) {
    if (auto v = number_at(*latency, key)) {
      s.x.push_back(nines_position(q));
      s.y.push_back(*v);
    }
  }
  return s;
}

std::string spectrum_chart(const json& benchmark, const json* baseline) {
  Spectrum current = spectrum_of(benchmark);
  if (current.x.size() < 2) return "";
  Chart chart;
  chart.title = "Latency by percentile";
  chart.y_unit = "ms";
  chart.x_axis = XAxis::nines;
  const json* uncorrected = nullptr;
  if (auto u = benchmark.find("latency_uncorrected_ms"); u != benchmark.end() && u->is_object()) uncorrected = &*u;
  if (baseline != nullptr) {
    Spectrum before = spectrum_of(*baseline);
    if (before.x.size() >= 2) chart.lines.push_back({"baseline", before.x, before.y, kGrey, true});
  }
  // Corrected: from each request's scheduled send (coordinated omission corrected); uncorrected:
  // from its actual send, as a tool without a schedule would report it.
  chart.lines.push_back({uncorrected != nullptr ? "corrected" : "this run", current.x, current.y, kBlue});
  if (uncorrected != nullptr) {
    ChartLine line{"uncorrected", {}, {}, kOrange};
    line.dots = true;
    for (const auto& [key, q] : {std::pair{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}}) {
      if (auto v = number_at(*uncorrected, key)) {
        line.x.push_back(nines_position(q));
        line.y.push_back(*v);
        line.point_titles.push_back(fmt::format("uncorrected {}: {} ms", key, number(*v)));
      }
    }
    if (auto v = number_at(*uncorrected, "max"); v && current.count > 1) {
      line.x.push_back(std::log10(current.count));
      line.y.push_back(*v);
      line.point_titles.push_back(fmt::format("uncorrected max: {} ms", number(*v)));
    }
    if (!line.x.empty()) chart.lines.push_back(std::move(line));
  }
  return svg_chart(chart);
}

// Per second: p50 and p99 on one chart, completed requests (and errors) on another.
std::string timeline_charts(const json& timeline) {
  Chart latency{"Latency per second", "ms"};
  Chart throughput{"Throughput per second", "rps"};
  ChartLine p50{"p50", {}, {}, kBlue}, p99{"p99", {}, {}, kRed}, done{"requests", {}, {}, kGreen},
      errors{"errors", {}, {}, kRed};
  bool any_error = false;
  for (const auto& point : timeline) {
    auto t = point.is_object() ? number_at(point, "t") : std::nullopt;
    if (!t) continue;
    if (auto v = number_at(point, "p50_ms")) add_point(p50, *t, *v);
    if (auto v = number_at(point, "p99_ms")) add_point(p99, *t, *v);
    if (auto v = number_at(point, "requests")) add_point(done, *t, *v);
    if (auto v = number_at(point, "errors")) {
      add_point(errors, *t, *v);
      any_error = any_error || *v > 0;
    }
  }
  latency.lines = {p50, p99};
  throughput.lines = {done};
  if (any_error) throughput.lines.push_back(errors);
  return svg_chart(latency) + svg_chart(throughput);
}

// Each monitored service's CPU and RSS over the measured window.
std::string resource_charts(const json& timelines) {
  std::string out;
  for (const auto& [service, timeline] : timelines.items()) {
    if (!timeline.is_array()) continue;
    ChartLine cpu{"CPU (100% = one core busy)", {}, {}, kPurple}, rss{"RSS", {}, {}, kTeal};
    for (const auto& point : timeline) {
      auto t = point.is_object() ? number_at(point, "t") : std::nullopt;
      if (!t) continue;
      if (auto v = number_at(point, "cpu_pct")) add_point(cpu, *t, *v);
      if (auto v = number_at(point, "rss_bytes")) add_point(rss, *t, *v / (1024.0 * 1024.0));
    }
    Chart cpu_chart{service + " CPU over time", "%"};
    cpu_chart.lines.push_back(std::move(cpu));
    Chart rss_chart{service + " RSS over time", "MiB"};
    rss_chart.lines.push_back(std::move(rss));
    out += svg_chart(cpu_chart) + svg_chart(rss_chart);
  }
  return out;
}

std::string resources_table(const json& benchmark) {
  std::string out;
  for (const auto& f : service_figures(json::array({benchmark}))) {
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

// A link to a file path as written in a document, or the path as text when it has a URL scheme:
// a document from elsewhere (compare A B) must not turn "javascript:…" into a script.
std::string file_link(const std::string& path, const std::string& text_html) {
  const auto colon = path.find(':');
  if (colon != std::string::npos && colon < path.find('/')) return text_html + " <code>" + html_text(path) + "</code>";
  return fmt::format("<a href=\"{}\">{}</a>", html_text(path), text_html);
}

// Links to the services' flame graphs (`profile: true`), files of the run folder: the paths are
// as perfgate wrote them, relative to the folder it ran in.
std::string profile_links(const json& benchmark, const BenchmarkPageContext& context) {
  auto profiles = benchmark.find("profiles");
  if (profiles == benchmark.end() || !profiles->is_object() || profiles->empty()) return "";
  std::string out = "<p>CPU flame graphs:";
  for (const auto& [service, files] : profiles->items()) {
    if (!files.is_object()) continue;
    std::string diff;
    if (auto it = context.diff_flame_graphs.find({field_text(benchmark, "name"), service});
        it != context.diff_flame_graphs.end()) {
      diff = "; " + file_link(it->second, "against the baseline");
    }
    out += fmt::format(" {} <span class=\"meta\">({} samples; {}{})</span>",
                       file_link(field_text(files, "svg"), html_text(service)), html_text(field_text(files, "samples")),
                       file_link(field_text(files, "folded"), "folded"), diff);
  }
  return out + "</p>\n";
}

const compare::ComparisonRow* row_of(const compare::ComparisonReport* report, const std::string& benchmark,
                                     const std::string& metric) {
  if (report == nullptr) return nullptr;
  for (const auto& row : report->rows) {
    if (row.benchmark == benchmark && row.metric == metric) return &row;
  }
  return nullptr;
}

// The gated metrics as tiles: the value, and the change against the baseline when compared.
std::string metric_tiles(const json& benchmark, const std::vector<const json*>& gated,
                         const compare::ComparisonReport* report) {
  std::string out;
  const std::string name = field_text(benchmark, "name");
  for (const json* metric : gated) {
    auto value = number_at(*metric, "value");
    if (!value) continue;
    std::string metric_name = field_text(*metric, "name");
    std::string delta;
    if (const auto* row = row_of(report, name, metric_name)) {
      std::string verdict(compare::to_string(row->verdict));
      delta = fmt::format("<div class=\"d {}\">{} {}</div>", verdict, change_text(*row), verdict);
    }
    out += fmt::format("<div class=\"tile\"><div class=\"k\">{}</div><div class=\"v\">{}</div>{}</div>",
                       html_text(metric_name), html_text(value_text(*value, field_text(*metric, "unit"))), delta);
  }
  return out.empty() ? out : "<div class=\"tiles\">" + out + "</div>\n";
}

std::string metrics_table(const json& metrics) {
  std::string out = fmt::format("<details><summary>All {} metrics</summary>\n<table><tr><th>Metric</th><th>Value</th>"
                                "<th>Unit</th></tr>\n",
                                metrics.size());
  for (const auto& metric : metrics) {
    auto value = number_at(metric, "value");
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n", html_text(field_text(metric, "name")),
                       value ? number(*value) : "–", html_text(field_text(metric, "unit")));
  }
  return out + "</table></details>\n";
}

std::string benchmark_section(const json& benchmark, const BenchmarkPageContext& context) {
  const std::string name = field_text(benchmark, "name");
  std::string out = fmt::format("<section class=\"card\">\n<h3>{} <span class=\"meta\">({})</span></h3>\n",
                                html_text(name), html_text(field_text(benchmark, "kind")));
  if (!benchmark.value("valid", true)) {
    out += fmt::format("<p class=\"failed\">INVALID: {}</p>\n", html_text(field_text(benchmark, "invalid_reason")));
  }
  std::vector<const json*> gated;
  const json no_metrics = json::array();
  auto metrics_it = benchmark.find("metrics");
  const json& metrics = metrics_it != benchmark.end() && metrics_it->is_array() ? *metrics_it : no_metrics;
  for (const auto& metric : metrics) {
    if (metric.is_object() && compare::gated_by_default(benchmark, field_text(metric, "name"))) gated.push_back(&metric);
  }
  out += metric_tiles(benchmark, gated, context.comparison);

  std::string charts;
  const json* baseline = context.baseline_document != nullptr ? benchmark_named(*context.baseline_document, name) : nullptr;
  charts += spectrum_chart(benchmark, baseline);
  if (auto timeline = benchmark.find("timeline"); timeline != benchmark.end() && timeline->is_array()) {
    charts += timeline_charts(*timeline);
  }
  if (auto timelines = benchmark.find("resource_timeline"); timelines != benchmark.end() && timelines->is_object()) {
    charts += resource_charts(*timelines);
  }
  std::string history;
  if (context.history != nullptr) {
    auto baseline_run = context.baseline_run_ids.find(name);
    for (const json* metric : gated) {
      for (const auto& series : *context.history) {
        if (series.benchmark != name || series.metric != field_text(*metric, "name")) continue;
        bool flat_zero = std::all_of(series.points.begin(), series.points.end(), [](const TrendPoint& p) { return p.value == 0; });
        if (flat_zero) continue;  // an error rate that was always 0 says nothing as a chart
        history += history_chart(series, baseline_run != context.baseline_run_ids.end() ? baseline_run->second : "",
                                 context.current_run_id);
      }
    }
  }
  if (!charts.empty()) out += "<div class=\"charts\">" + charts + "</div>\n";
  if (auto u = benchmark.find("latency_uncorrected_ms"); u != benchmark.end() && u->is_object() && !charts.empty()) {
    out += "<p class=\"meta\">Corrected latency counts from when each request was due (the open model's schedule, so "
           "a stall is not hidden by the requests it delayed); uncorrected from when it was actually sent.</p>\n";
  }
  if (!history.empty()) out += "<h4>Across runs</h4>\n<div class=\"charts\">" + history + "</div>\n";
  out += resources_table(benchmark);
  out += profile_links(benchmark, context);
  if (!metrics.empty()) out += metrics_table(metrics);
  return out + "</section>\n";
}

std::string row_html(const compare::ComparisonRow& row) {
  std::string verdict(compare::to_string(row.verdict));
  return fmt::format(
      "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
      "<td class=\"n\">{}</td><td class=\"{}\">{}{}</td><td class=\"reason\">{}</td></tr>\n",
      html_text(row.benchmark), html_text(row.metric), html_text(value_text(row.baseline, row.unit)),
      html_text(value_text(row.current, row.unit)), change_text(row),
      row.p_value ? html_text(p_text(*row.p_value)) : "–", verdict, verdict, row.gated ? "" : " (not gated)",
      html_text(row.reason));
}

constexpr const char* kRowHeader =
    "<table><tr><th>Benchmark</th><th>Metric</th><th>Baseline</th><th>Current</th><th>Change</th><th>p</th>"
    "<th>Verdict</th><th>Why</th></tr>\n";

}  // namespace

std::string field_text(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string html_page_start(const std::string& title) {
  return fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
                     "<style>\n{}\n</style>\n</head>\n<body>\n<main>\n",
                     html_text(title), kStyle);
}

std::string html_page_end() {
  return "<p class=\"meta\">Written by perfgate " PERFGATE_VERSION ".</p>\n</main>\n</body>\n</html>\n";
}

std::string verdict_banner(bool passed, const std::string& word, const std::string& headline,
                           const std::vector<std::string>& changes_html, const std::string& quiet) {
  std::string out = fmt::format("<div class=\"verdict {}\" id=\"verdict\"><span class=\"word\">{}</span>"
                                "<span class=\"headline\">{}</span>\n",
                                passed ? "pass" : "fail", html_text(word), html_text(headline));
  if (changes_html.empty()) return out + fmt::format("<p>{}</p></div>\n", html_text(quiet));
  out += "<ul>\n";
  for (const auto& item : changes_html) out += "<li>" + item + "</li>\n";
  return out + "</ul></div>\n";
}

std::vector<std::string> comparison_changes(const compare::ComparisonReport& report) {
  std::vector<std::string> out;
  for (auto verdict : {compare::Verdict::regressed, compare::Verdict::improved, compare::Verdict::noisy}) {
    for (const auto& row : report.rows) {
      if (!row.gated || row.verdict != verdict) continue;
      std::string what = verdict == compare::Verdict::regressed  ? "got worse"
                         : verdict == compare::Verdict::improved ? "got better"
                                                                 : "moved, but not clearly (noisy)";
      out.push_back(fmt::format("<b>{}</b> <code>{}</code> <span class=\"{}\">{}</span>: {} &rarr; {} ({}{})",
                                html_text(row.benchmark), html_text(row.metric), compare::to_string(verdict), what,
                                html_text(value_text(row.baseline, row.unit)),
                                html_text(value_text(row.current, row.unit)), change_text(row),
                                row.p_value ? html_text(", p " + std::string(*row.p_value < 0.001 ? "" : "= ") +
                                                        p_text(*row.p_value))
                                            : ""));
    }
  }
  return out;
}

std::string comparison_section(const compare::ComparisonReport& report, const std::string& baseline_label,
                               const std::string& current_label) {
  std::string out = fmt::format("<h2>Comparison</h2>\n<p class=\"meta\">{} against the baseline {}: {}.</p>\n",
                                html_text(current_label), html_text(baseline_label),
                                html_text(comparison_counts(report)));
  // Shown: what changed on a gated metric. Folded: the unchanged rows, and the changes of metrics
  // that never gate (min, max, stddev…), which follow single requests and are mostly noise.
  std::string changed, unchanged, ungated;
  std::size_t unchanged_rows = 0, ungated_rows = 0;
  for (const auto& row : report.rows) {
    if (row.verdict == compare::Verdict::unchanged) {
      unchanged += row_html(row);
      ++unchanged_rows;
    } else if (!row.gated) {
      ungated += row_html(row);
      ++ungated_rows;
    } else {
      changed += row_html(row);
    }
  }
  if (!changed.empty()) out += kRowHeader + changed + "</table>\n";
  if (ungated_rows > 0) {
    out += fmt::format("<details class=\"ungated\"><summary>{} change{} of metrics that do not gate</summary>\n{}{}"
                       "</table></details>\n",
                       ungated_rows, ungated_rows == 1 ? "" : "s", kRowHeader, ungated);
  }
  if (unchanged_rows > 0) {
    out += fmt::format("<details class=\"unchanged\"><summary>{} unchanged row{}</summary>\n{}{}</table></details>\n",
                       unchanged_rows, unchanged_rows == 1 ? "" : "s", kRowHeader, unchanged);
  }
  for (const auto& name : report.only_in_baseline) out += fmt::format("<p class=\"meta\">Only in the baseline: {}</p>\n", html_text(name));
  for (const auto& name : report.only_in_current) out += fmt::format("<p class=\"meta\">Only in this run: {}</p>\n", html_text(name));
  for (const auto& note : report.notes) out += fmt::format("<p class=\"meta\">{}</p>\n", html_text(note));
  return out;
}

std::string benchmark_sections(const json& document, const BenchmarkPageContext& context) {
  auto benchmarks = document.find("benchmarks");
  if (benchmarks == document.end() || !benchmarks->is_array() || benchmarks->empty()) return "";
  std::string out = "<h2>Benchmarks</h2>\n";
  for (const auto& benchmark : *benchmarks) {
    if (benchmark.is_object()) out += benchmark_section(benchmark, context);
  }
  return out;
}

std::string history_chart(const TrendSeries& series, const std::string& baseline_run_id,
                          const std::string& current_run_id) {
  Chart chart;
  chart.title = series.metric + " across runs";
  const AxisUnit axis = axis_unit(series.unit);
  chart.y_unit = axis.unit;
  chart.x_axis = XAxis::runs;
  chart.y_from_zero = false;
  ChartLine all{"runs", {}, {}, kBlue};
  all.dots = true;
  ChartLine baseline{"baseline", {}, {}, kGrey}, current{"this run", {}, {}, kOrange};
  for (std::size_t i = 0; i < series.points.size(); ++i) {
    const TrendPoint& p = series.points[i];
    std::string date = p.started_at.size() >= 16 ? p.started_at.substr(5, 5) + " " + p.started_at.substr(11, 5) : p.started_at;
    chart.run_labels.push_back(date);
    std::string tip = fmt::format("{}: run {} ({}{})", value_text(p.value, series.unit), p.run_id, p.started_at,
                                  p.git_commit ? ", " + p.git_commit->substr(0, 10) : "");
    const auto x = static_cast<double>(i);
    const double y = p.value * axis.factor;
    add_point(all, x, y, tip);
    if (p.run_id == baseline_run_id) add_point(baseline, x, y, tip);
    if (p.run_id == current_run_id) add_point(current, x, y, tip);
  }
  chart.lines.push_back(std::move(all));
  if (!baseline.x.empty()) chart.lines.push_back(std::move(baseline));
  if (!current.x.empty()) chart.lines.push_back(std::move(current));
  for (const auto& c : series.changes) {
    if (c.index == 0 || c.index >= series.points.size()) continue;
    std::string shift = fmt::format("{:+.0f}% {}", c.relative_change * 100, c.direction);
    chart.markers.push_back({static_cast<double>(c.index) - 0.5, shift, c.direction == "worse" ? kRed : kGreen,
                             fmt::format("change point: {} ({} → {}) from run {}", shift, value_text(c.before, series.unit),
                                         value_text(c.after, series.unit), series.points[c.index].run_id)});
  }
  return svg_chart(chart);
}

}  // namespace perfgate::report
