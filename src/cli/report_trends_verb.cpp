// `perfgate report trends` over the store (without --input): every metric's series across the
// complete runs, with its change points; `report trends --input LOG --days N` stays the
// operation-log trend of report_verb.cpp, which hands the store form over to this file.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/run_reference.hpp"
#include "cli/verbs.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "report/trends.hpp"

namespace perfgate::cli {
namespace {

// started_at of runs is ISO-8601 UTC text, so "N days ago" compares as text.
std::string days_ago(int days) {
  auto then = std::chrono::system_clock::now() - std::chrono::hours(24) * days;
  return iso8601_utc(std::chrono::duration_cast<std::chrono::nanoseconds>(then.time_since_epoch()).count());
}

}  // namespace

int report_store_trends_verb(const std::vector<std::string>& args) {
  CLI::App app{
      "Every metric's series across the stored complete runs, with its change points: where it\n"
      "shifted for good (E-divisive means, a permutation test at p <= 0.002), naming the run, its\n"
      "commit and time, and the size of the shift, better or worse.",
      "perfgate report trends"};
  std::string store_url = ".perfgate/history.db";
  std::optional<std::string> suite, benchmark, metric;
  int days = 0;
  std::size_t last = 500;
  std::string json_path, markdown_path, html_path;
  app.add_option("--store", store_url, "The run history (default .perfgate/history.db)");
  app.add_option("--suite", suite, "Only this suite (default: every suite in the store)");
  app.add_option("--benchmark", benchmark, "Only this benchmark");
  app.add_option("--metric", metric, "Only this metric, e.g. latency_p99");
  app.add_option("--days", days, "Only runs of the last N days")->check(whole_number_check(1, kMaxDays));
  app.add_option("--last", last, "At most the newest N runs of each suite (default 500)")
      ->check(whole_number_check(2, 100'000));
  app.add_option("--json", json_path, "Write the series and change points as JSON (- for stdout)");
  app.add_option("--markdown", markdown_path, "Write the change points as Markdown");
  app.add_option("--html", html_path, "Write a page with a chart per shifted series");
  app.footer("Exit codes: 0 done (a change point does not fail it), 2 bad options or no store.");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  std::FILE* text = check_output_paths({{"--json", json_path}, {"--markdown", markdown_path}, {"--html", html_path}});
  auto store = open_existing_store(store_url);
  report::TrendQuery query;
  query.suite = suite;
  query.benchmark = benchmark;
  query.metric = metric;
  query.max_runs = last;
  if (days > 0) query.since = days_ago(days);
  std::vector<report::TrendSeries> series = report::collect_trends(*store, query);
  if (!json_path.empty()) write_output_file(json_path, report::trends_json(series).dump(2) + "\n");
  if (!markdown_path.empty()) write_output_file(markdown_path, report::trends_markdown(series));
  if (!html_path.empty()) write_output_file(html_path, report::trends_html(series));
  std::fputs(report::trends_text(series).c_str(), text);
  return 0;
}

}  // namespace perfgate::cli
