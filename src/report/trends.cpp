// Trends over the store; see trends.hpp.
#include "report/trends.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "compare/change_points.hpp"
#include "core/text_escape.hpp"
#include "report/html_page.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

std::string short_commit(const std::optional<std::string>& commit) {
  return commit && !commit->empty() ? commit->substr(0, 10) : "-";
}

std::string value_text(double value, const std::string& unit) {
  std::string number = fmt::format("{:.4g}", value);
  return unit.empty() ? number : number + " " + unit;
}

std::string change_text(const TrendChange& c) {
  return fmt::format("{:+.1f}%", c.relative_change * 100);
}

}  // namespace

std::vector<TrendSeries> collect_trends(Store& store, const TrendQuery& query) {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, TrendSeries> found;
  std::vector<StoredRun> runs = store.list_runs(query.suite, query.max_runs);
  std::reverse(runs.begin(), runs.end());  // oldest first
  for (const auto& run : runs) {
    if (run.status != RunStatus::kComplete) continue;
    if (query.since && run.record.started_at < *query.since) continue;
    std::optional<json> doc = store.get_run(run.record.id);
    if (!doc) continue;
    for (const auto& benchmark : doc->value("benchmarks", json::array())) {
      std::string name = benchmark.value("name", "");
      if (query.benchmark && name != *query.benchmark) continue;
      for (const auto& metric : benchmark.value("metrics", json::array())) {
        if (!metric.contains("value") || !metric["value"].is_number()) continue;
        std::string metric_name = metric.value("name", "");
        if (query.metric && metric_name != *query.metric) continue;
        TrendSeries& s = found[{run.record.suite, name, metric_name}];
        if (s.points.empty()) {
          s.suite = run.record.suite;
          s.benchmark = name;
          s.metric = metric_name;
          s.unit = metric.value("unit", "");
          s.better = metric.value("better", "lower");
        }
        std::optional<std::string> commit;
        if (run.record.git) commit = run.record.git->commit;
        s.points.push_back({run.record.id, run.record.started_at, commit, metric["value"].get<double>()});
      }
    }
  }
  std::vector<TrendSeries> out;
  for (auto& [key, s] : found) {
    if (s.points.size() < 2) continue;
    std::vector<double> values;
    for (const auto& p : s.points) values.push_back(p.value);
    for (const auto& cp : compare::find_change_points(values)) {
      TrendChange c;
      c.index = cp.index;
      c.before = cp.mean_before;
      c.after = cp.mean_after;
      c.relative_change = cp.relative_change;
      c.p_value = cp.p_value;
      bool up = cp.mean_after > cp.mean_before;
      c.direction = (up == (s.better == "higher")) ? "better" : "worse";
      s.changes.push_back(c);
    }
    out.push_back(std::move(s));
  }
  return out;
}

json trends_json(const std::vector<TrendSeries>& series) {
  json list = json::array();
  for (const auto& s : series) {
    json points = json::array();
    for (const auto& p : s.points) {
      points.push_back({{"run_id", p.run_id}, {"started_at", p.started_at},
                        {"git_commit", p.git_commit ? json(*p.git_commit) : json(nullptr)}, {"value", p.value}});
    }
    json changes = json::array();
    for (const auto& c : s.changes) {
      const TrendPoint& at = s.points[c.index];
      changes.push_back({{"index", c.index}, {"run_id", at.run_id}, {"started_at", at.started_at},
                         {"git_commit", at.git_commit ? json(*at.git_commit) : json(nullptr)},
                         {"before", c.before}, {"after", c.after}, {"relative_change", c.relative_change},
                         {"direction", c.direction}, {"p_value", c.p_value}});
    }
    list.push_back({{"suite", s.suite}, {"benchmark", s.benchmark}, {"metric", s.metric}, {"unit", s.unit},
                    {"better", s.better}, {"points", points}, {"change_points", changes}});
  }
  return {{"method", "E-divisive means (permutation test, p <= 0.002)"}, {"series", list}};
}

std::string trends_text(const std::vector<TrendSeries>& series) {
  std::string out;
  std::size_t quiet = 0;
  for (const auto& s : series) {
    if (s.changes.empty()) {
      ++quiet;
      continue;
    }
    for (const auto& c : s.changes) {
      const TrendPoint& at = s.points[c.index];
      out += fmt::format("{} {} {}: {} {} ({} -> {}) from run {} ({}, {})\n", terminal_text(s.suite),
                         terminal_text(s.benchmark), terminal_text(s.metric), change_text(c), c.direction,
                         value_text(c.before, s.unit), value_text(c.after, s.unit), terminal_text(at.run_id),
                         terminal_text(short_commit(at.git_commit)), terminal_text(at.started_at));
    }
  }
  if (series.empty()) return "no metric has two or more complete runs in the store for this selection\n";
  out += fmt::format("{} series, {} without a change point\n", series.size(), quiet);
  return out;
}

std::string trends_markdown(const std::vector<TrendSeries>& series) {
  std::string out = "## perfgate trends\n\n";
  std::size_t changes = 0;
  for (const auto& s : series) changes += s.changes.size();
  if (changes == 0) {
    out += fmt::format("No change point in {} series.\n", series.size());
    return out;
  }
  out += "| Suite | Benchmark | Metric | Change | Before | After | From run | Commit | Started |\n"
         "|:---|:---|:---|---:|---:|---:|:---|:---|:---|\n";
  for (const auto& s : series) {
    for (const auto& c : s.changes) {
      const TrendPoint& at = s.points[c.index];
      out += fmt::format("| {} | {} | {} | {} {} | {} | {} | {} | {} | {} |\n", markdown_cell(s.suite),
                         markdown_cell(s.benchmark), markdown_code(s.metric), change_text(c), c.direction,
                         markdown_cell(value_text(c.before, s.unit)), markdown_cell(value_text(c.after, s.unit)),
                         markdown_code(at.run_id), markdown_code(short_commit(at.git_commit)),
                         markdown_cell(at.started_at));
    }
  }
  out += fmt::format("\n{} series; change points by E-divisive means (p <= 0.002).\n", series.size());
  return out;
}

std::string trends_html(const std::vector<TrendSeries>& series) {
  std::size_t changes = 0, worse = 0;
  std::vector<std::string> items;
  for (const char* direction : {"worse", "better"}) {
    for (const auto& s : series) {
      for (const auto& c : s.changes) {
        if (c.direction != direction) continue;
        ++changes;
        if (c.direction == "worse") ++worse;
        const TrendPoint& at = s.points[c.index];
        items.push_back(fmt::format("<b>{}</b> <code>{}</code> <span class=\"{}\">got {}</span>: {} &rarr; {} ({}) "
                                    "from run <code>{}</code> ({}, {})",
                                    html_text(s.benchmark), html_text(s.metric), c.direction, c.direction,
                                    html_text(value_text(c.before, s.unit)), html_text(value_text(c.after, s.unit)),
                                    change_text(c), html_text(at.run_id), html_text(short_commit(at.git_commit)),
                                    html_text(at.started_at)));
      }
    }
  }
  const std::string headline = fmt::format("{} change point{} in {} series ({} worse)", changes, changes == 1 ? "" : "s",
                                           series.size(), worse);
  std::string out = html_page_start("perfgate trends: " + headline);
  out += "<h1>perfgate trends</h1>\n";
  out += verdict_banner(worse == 0, worse == 0 ? "STEADY" : "WORSE", headline, items,
                        series.empty() ? "No metric has two or more complete runs in the store for this selection."
                                       : "No metric shifted: every series stays at its level.");
  out += "<p class=\"meta\">Change points by E-divisive means (permutation test, p &le; 0.002): the run where a "
         "series moved to a new level for good, not a single slow run.</p>\n";
  if (changes > 0) out += "<h2>Series that shifted</h2>\n";
  for (const auto& s : series) {
    if (s.changes.empty()) continue;
    out += fmt::format("<section class=\"card\"><h3>{} &middot; {} <span class=\"meta\">({})</span></h3>\n"
                       "<div class=\"charts\">{}</div></section>\n",
                       html_text(s.benchmark), html_text(s.metric), html_text(s.suite), history_chart(s, "", ""));
  }
  std::string rows;
  std::size_t steady = 0;
  for (const auto& s : series) {
    if (!s.changes.empty()) continue;
    ++steady;
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                        html_text(s.suite), html_text(s.benchmark), html_text(s.metric), s.points.size(),
                        html_text(value_text(s.points.back().value, s.unit)));
  }
  if (steady > 0) {
    out += fmt::format("<details class=\"unchanged\"><summary>{} series without a change point</summary>\n<table><tr>"
                       "<th>Suite</th><th>Benchmark</th><th>Metric</th><th>Runs</th><th>Latest</th></tr>\n{}</table>"
                       "</details>\n",
                       steady, rows);
  }
  return out + html_page_end();
}

}  // namespace perfgate::report
