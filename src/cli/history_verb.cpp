// `perfgate history`: what the run history holds — the newest runs (complete or not) of every
// suite or one, or one metric of one benchmark across the complete runs of a suite, with the
// change from each run to the next. Reads the store only; it never creates one.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/option_values.hpp"
#include "cli/run_reference.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/text_escape.hpp"
#include "core/suggestion.hpp"
#include "store/store.hpp"

namespace perfgate::cli {
namespace {

using nlohmann::json;

constexpr std::size_t kEveryRun = std::numeric_limits<std::size_t>::max();

struct HistoryOptions {
  std::string store_url = ".perfgate/history.db";
  std::optional<std::string> suite;
  std::optional<std::string> benchmark;
  std::optional<std::string> metric;
  long long last = 20;
  std::string json_path;
};

// Width on a terminal, counting UTF-8 code points rather than bytes.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
  return width;
}

// Rows (the first is the header) as columns padded to their widest cell, two spaces apart.
std::string aligned_table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right_aligned) {
  std::vector<std::size_t> widths(right_aligned.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      std::string padding(widths[i] - display_width(row[i]), ' ');
      line += " ";
      line += right_aligned[i] ? padding + row[i] : row[i] + padding;
      if (i + 1 < row.size()) line += " ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string short_commit(const std::string& commit) { return commit.substr(0, 10); }

std::string git_text(const std::optional<GitState>& git) {
  if (!git) return "-";
  std::string text = short_commit(git->commit);
  if (!git->branch.empty()) text += " " + terminal_text(git->branch);
  if (git->dirty) text += " +dirty";
  return text;
}

std::string tags_text(const std::map<std::string, std::string>& tags) {
  std::string text;
  for (const auto& [key, value] : tags) text += (text.empty() ? "" : " ") + terminal_text(key + "=" + value);
  return text.empty() ? "-" : text;
}

std::vector<std::string> suites_in(Store& store) {
  std::set<std::string> suites;
  for (const auto& run : store.list_runs(std::nullopt, kEveryRun)) suites.insert(run.record.suite);
  return {suites.begin(), suites.end()};
}

// The suite a series belongs to: --suite (which must have runs), or the only suite there is.
std::string series_suite(Store& store, const HistoryOptions& o) {
  std::vector<std::string> suites = suites_in(store);
  if (suites.empty()) throw UsageError(fmt::format("no runs in '{}' yet, so no series to show", o.store_url));
  if (o.suite) {
    if (std::find(suites.begin(), suites.end(), *o.suite) != suites.end()) return *o.suite;
    throw UsageError(fmt::format("--suite '{}': no runs of that suite in '{}'{} (suites: {})", *o.suite, o.store_url,
                                 did_you_mean(*o.suite, suites), join_names(suites)));
  }
  if (suites.size() == 1) return suites.front();
  throw UsageError(fmt::format("--suite is needed: '{}' holds runs of {} suites: {}", o.store_url, suites.size(),
                               join_names(suites)));
}

// The newest run of the suite as a result document, preferring a complete one because only
// complete runs make up a series.
struct LatestRun {
  std::string id;
  json document;
};

std::optional<LatestRun> latest_run(Store& store, const std::string& suite) {
  std::optional<StoredRun> stored = store.latest_complete_run(suite, std::nullopt);
  if (!stored) {
    std::vector<StoredRun> any = store.list_runs(suite, 1);
    if (any.empty()) return std::nullopt;
    stored = any.front();
  }
  std::optional<json> document = store.get_run(stored->record.id);
  if (!document) return std::nullopt;
  return LatestRun{stored->record.id, *document};
}

std::vector<std::string> benchmark_names(const json& document) {
  std::vector<std::string> names;
  for (const auto& b : document.value("benchmarks", json::array())) {
    if (b.is_object() && b.contains("name") && b["name"].is_string()) names.push_back(b["name"].get<std::string>());
  }
  return names;
}

// The benchmark's metric names, or nullopt when the document has no such benchmark.
std::optional<std::vector<std::string>> metric_names(const json& document, const std::string& benchmark) {
  for (const auto& b : document.value("benchmarks", json::array())) {
    if (!b.is_object() || b.value("name", json()) != benchmark) continue;
    std::vector<std::string> names;
    for (const auto& m : b.value("metrics", json::array())) {
      if (m.is_object() && m.contains("name") && m["name"].is_string()) names.push_back(m["name"].get<std::string>());
    }
    return names;
  }
  return std::nullopt;
}

std::string or_none(const std::vector<std::string>& names) { return names.empty() ? "none" : join_names(names); }

// What the latest run of the suite offers instead of a benchmark or metric that was not
// found (or not given): "; suite S's latest run (ID) has benchmarks: a, b; did you mean 'a'?".
std::string benchmark_hint(const LatestRun& latest, const std::string& suite, const std::string& wanted) {
  std::vector<std::string> names = benchmark_names(latest.document);
  std::string hint = fmt::format("suite '{}' has these benchmarks in its latest run ({}): {}", suite, latest.id,
                                 or_none(names));
  return wanted.empty() ? hint : hint + did_you_mean(wanted, names);
}

std::string metric_hint(const LatestRun& latest, const std::string& benchmark, const std::vector<std::string>& names,
                        const std::string& wanted) {
  std::string hint = fmt::format("benchmark '{}' has these metrics in the latest run ({}): {}", benchmark, latest.id,
                                 or_none(names));
  return wanted.empty() ? hint : hint + did_you_mean(wanted, names);
}

// --benchmark without --metric or the reverse: says which is missing and, when the store can
// tell, what there is to choose from.
[[noreturn]] void missing_series_option(const HistoryOptions& o) {
  std::string message = o.benchmark
                            ? fmt::format("--benchmark '{}' needs --metric to name one of its metrics", *o.benchmark)
                            : fmt::format("--metric '{}' needs --benchmark to say whose metric", *o.metric);
  std::string hint;
  try {
    if (store_exists(o.store_url)) {
      auto store = open_store(o.store_url);
      std::string suite = series_suite(*store, o);
      if (std::optional<LatestRun> latest = latest_run(*store, suite)) {
        std::optional<std::vector<std::string>> metrics;
        if (o.benchmark) metrics = metric_names(latest->document, *o.benchmark);
        hint = metrics ? metric_hint(*latest, *o.benchmark, *metrics, "")
                       : benchmark_hint(*latest, suite, o.benchmark.value_or(""));
      }
    }
  } catch (const UsageError&) {
    // No single suite to look in (or no history): the missing option is the message.
  }
  throw UsageError(hint.empty() ? message : message + "; " + hint);
}

std::string format_value(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "n/a";
  // Big counts (bytes, requests) read better whole than in exponent notation.
  if (std::abs(*value) >= 1e5 && std::abs(*value) < 1e15) return fmt::format("{:.0f}", *value);
  return fmt::format("{:.6g}", *value);
}

std::string value_text(const MetricPoint& point) {
  std::string text = format_value(point.value);
  return point.unit.empty() || !point.value ? text : text + " " + point.unit;
}

// The change from the previous point, with whether it went the good way.
std::string change_text(const MetricPoint* previous, const MetricPoint& point) {
  if (previous == nullptr) return "-";
  if (!previous->value || !point.value || *previous->value == 0 || !std::isfinite(*previous->value) ||
      !std::isfinite(*point.value)) {
    return "n/a";
  }
  double pct = (*point.value - *previous->value) / std::abs(*previous->value) * 100;
  std::string text = fmt::format("{:+.1f}%", pct);
  if (text == "+0.0%" || text == "-0.0%") return "+0.0%";
  bool better = point.better == "higher" ? pct > 0 : pct < 0;
  return text + (better ? " better" : " worse");
}

json runs_json(const std::vector<StoredRun>& runs) {
  json list = json::array();
  for (const auto& run : runs) {
    const RunRecord& r = run.record;
    list.push_back({{"id", r.id},
                    {"started_at", r.started_at},
                    {"suite", r.suite},
                    {"status", to_string(run.status)},
                    {"git", r.git ? json{{"commit", r.git->commit}, {"branch", r.git->branch}, {"dirty", r.git->dirty}}
                                  : json(nullptr)},
                    {"tags", r.tags}});
  }
  return {{"runs", list}};
}

json series_json(const std::string& suite, const HistoryOptions& o, const std::vector<MetricPoint>& points) {
  json list = json::array();
  for (const auto& p : points) {
    list.push_back({{"run_id", p.run_id},
                    {"started_at", p.started_at},
                    {"git_commit", p.git_commit ? json(*p.git_commit) : json(nullptr)},
                    {"value", p.value && std::isfinite(*p.value) ? json(*p.value) : json(nullptr)},
                    {"unit", p.unit},
                    {"better", p.better}});
  }
  return {{"suite", suite}, {"benchmark", *o.benchmark}, {"metric", *o.metric}, {"points", list}};
}

int list_runs(Store& store, const HistoryOptions& o, std::FILE* text) {
  std::vector<StoredRun> runs = store.list_runs(o.suite, static_cast<std::size_t>(o.last));
  if (runs.empty()) {
    std::string message = o.suite ? fmt::format("no runs of suite '{}' in '{}'", *o.suite, o.store_url)
                                  : fmt::format("no runs in '{}' yet", o.store_url);
    if (o.suite) {
      // An unknown suite is bad input (exit 2), as the help says; an empty store is just empty.
      std::vector<std::string> suites = suites_in(store);
      if (!suites.empty()) {
        message += fmt::format("{} (suites: {})", did_you_mean(*o.suite, suites), join_names(suites));
      }
      throw UsageError("--suite: " + message);
    }
    std::fputs((message + "\n").c_str(), text);
  } else {
    std::vector<std::vector<std::string>> rows{{"run", "started (UTC)", "suite", "status", "git", "tags"}};
    for (const auto& run : runs) {
      const RunRecord& r = run.record;
      // Everything in a store came from input (a suite, --tag, an ingested file): escaped for the terminal.
      rows.push_back({terminal_text(r.id), terminal_text(r.started_at), terminal_text(r.suite), to_string(run.status),
                      git_text(r.git), tags_text(r.tags)});
    }
    std::string out = aligned_table(rows, {false, false, false, false, false, false});
    out += fmt::format("\n{} run{}, newest first", runs.size(), runs.size() == 1 ? "" : "s");
    if (runs.size() == static_cast<std::size_t>(o.last)) out += fmt::format(" (--last {}; there may be more)", o.last);
    std::fputs((out + "\n").c_str(), text);
  }
  if (!o.json_path.empty()) write_file_atomically(o.json_path, runs_json(runs).dump(2) + "\n");
  return exit_code::kOk;
}

int show_series(Store& store, const HistoryOptions& o, std::FILE* text) {
  std::string suite = series_suite(store, o);
  std::vector<MetricPoint> points =
      store.metric_series(suite, *o.benchmark, *o.metric, static_cast<std::size_t>(o.last));
  if (points.empty()) {
    std::optional<LatestRun> latest = latest_run(store, suite);
    std::string message =
        fmt::format("no complete run of suite '{}' has metric '{}' of benchmark '{}'", suite, *o.metric, *o.benchmark);
    if (latest) {
      std::optional<std::vector<std::string>> metrics = metric_names(latest->document, *o.benchmark);
      message += "; " + (metrics ? metric_hint(*latest, *o.benchmark, *metrics, *o.metric)
                                 : benchmark_hint(*latest, suite, *o.benchmark));
    }
    throw UsageError(message);
  }
  const std::string& better = points.back().better;
  std::string out = fmt::format("{} / {} / {} ({} is better): {} complete run{}, oldest first\n", terminal_text(suite),
                                terminal_text(*o.benchmark), terminal_text(*o.metric), better.empty() ? "?" : better, points.size(), points.size() == 1 ? "" : "s");
  std::vector<std::vector<std::string>> rows{{"started (UTC)", "run", "commit", "value", "change"}};
  for (std::size_t i = 0; i < points.size(); ++i) {
    const MetricPoint& p = points[i];
    rows.push_back({terminal_text(p.started_at), terminal_text(p.run_id),
                    p.git_commit ? terminal_text(short_commit(*p.git_commit)) : "-", terminal_text(value_text(p)),
                    change_text(i == 0 ? nullptr : &points[i - 1], p)});
  }
  out += aligned_table(rows, {false, false, false, true, false});
  std::fputs(out.c_str(), text);
  if (!o.json_path.empty()) write_file_atomically(o.json_path, series_json(suite, o, points).dump(2) + "\n");
  return exit_code::kOk;
}

}  // namespace

int history_verb(const std::vector<std::string>& args) {
  CLI::App app{"List the stored runs, newest first, or one metric of one benchmark across the complete runs of a\n"
               "suite, oldest first, with the change from each run to the next.\n"
               "  perfgate history\n"
               "  perfgate history --suite webhook-service --last 5\n"
               "  perfgate history --suite webhook-service --benchmark health --metric latency_p95",
               "perfgate history"};
  HistoryOptions o;
  app.add_option("--suite", o.suite, "Only runs of this suite (needed for a series when the store holds several)");
  app.add_option("--benchmark", o.benchmark, "A series: the benchmark (with --metric)");
  app.add_option("--metric", o.metric, "A series: the metric, e.g. latency_p95 (with --benchmark)");
  app.add_option("--last", o.last, "How many runs, the newest (default 20)")->check(whole_number_check(1, 1'000'000));
  app.add_option("--json", o.json_path, "Write the list or series as JSON to FILE, - for stdout");
  app.add_option("--store", o.store_url, "Run history to read (default .perfgate/history.db)");
  app.footer("Incomplete runs (interrupted before the end) are listed but never part of a series.\n"
             "Exit codes: 0 shown, 2 bad input (no history at --store, an unknown suite, benchmark or metric),\n"
             "3 the store could not be read.");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  if (o.last < 1) throw UsageError(fmt::format("--last: expected a number of runs of at least 1, got {}", o.last));
  // With the JSON on stdout, stdout is the JSON document alone; what a person reads goes to stderr.
  std::FILE* text = check_output_paths({{"--json", o.json_path}});
  if (o.benchmark.has_value() != o.metric.has_value()) missing_series_option(o);
  auto store = open_existing_store(o.store_url);
  return o.benchmark ? show_series(*store, o, text) : list_runs(*store, o, text);
}

}  // namespace perfgate::cli
