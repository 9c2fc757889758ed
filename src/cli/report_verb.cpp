// `perfgate report`: reports over operation logs (the JSON lines of the tracker library or a
// team's own code): weekly, monthly, per-day trends, or an export as CSV, JSON or Markdown.
// The reading and the statistics are src/oplog's; this file parses the options and prints.
#include <algorithm>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/option_values.hpp"
#include "cli/run_reference.hpp"
#include "cli/verbs.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/text_escape.hpp"
#include "oplog/operation_report.hpp"
#include "oplog/report_format.hpp"
#include "oplog/timestamp.hpp"
#include "report/soak_report.hpp"
#include "store/store.hpp"

namespace perfgate::cli {
namespace {

std::int64_t now_option(const std::string& text) {
  if (text.empty()) return wall_ns();
  auto ns = oplog::parse_timestamp_ns(text);
  if (!ns) throw UsageError(fmt::format("--now: expected an ISO-8601 time like 2026-01-06T13:28:00Z, got '{}'", text));
  return *ns;
}

// Export goes to stdout, so what was skipped is said on stderr.
void print_input_notes(const oplog::Report& report) {
  const oplog::ReadStats& in = report.input;
  if (in.malformed > 0) {
    std::string first;
    for (const auto& m : in.first_malformed) {
      first += fmt::format("\n  {}:{}: {}", terminal_text(m.file), m.line, terminal_text(m.reason));
    }
    std::fprintf(stderr, "perfgate report: skipped %llu malformed lines; the first:%s\n",
                 static_cast<unsigned long long>(in.malformed), first.c_str());
  }
  for (const auto& w : in.warnings) std::fprintf(stderr, "perfgate report: warning: %s\n", terminal_text(w).c_str());
}

// `--run ID`: a stored run's story again. For a soak: the summary, the checkpoint table and the
// verdicts, from the store alone (a soak killed by SIGKILL keeps its checkpoints).
int stored_run_report(const std::string& run_text, const std::string& store_url) {
  if (!store_exists(store_url)) {
    throw UsageError(fmt::format("--store: no run history at '{}' (perfgate run creates it)", store_url));
  }
  auto store = open_store(store_url);
  auto found = find_stored_run(*store, run_text);
  if (!found) throw UsageError(fmt::format("--run '{}': no such run in '{}'", run_text, store_url));
  const nlohmann::json& document = found->document;
  std::vector<nlohmann::json> checkpoints = store->checkpoints(document["run"].value("id", ""));
  if (!document.contains("soak") && checkpoints.empty()) {
    throw UsageError(fmt::format("--run '{}': {} is not a soak run (perfgate compare and perfgate history show "
                                 "other runs)",
                                 run_text, found->label));
  }
  std::printf("perfgate report: %s, suite '%s', started %s, %s\n", found->label.c_str(),
              terminal_text(document["run"].value("suite", "")).c_str(),
              document["run"].value("started_at", "").c_str(), document["run"].value("status", "").c_str());
  if (!document.contains("soak")) {
    std::printf("The soak did not finish (no summary was written); its %zu checkpoint lines:\n", checkpoints.size());
    std::fputs(report::checkpoint_table(checkpoints).c_str(), stdout);
    return exit_code::kOk;
  }
  std::printf("%s\n%s\n", report::soak_summary(document, checkpoints).c_str(),
              report::soak_verdict_line(document["soak"]).c_str());
  return exit_code::kOk;
}

}  // namespace

int report_verb(const std::vector<std::string>& args) {
  // `report trends` without an operation log is the store's trends (report_trends_verb.cpp).
  bool reads_log = std::any_of(args.begin(), args.end(), [](const std::string& a) { return a.starts_with("--input"); });
  if (args.size() >= 2 && args[1] == "trends" && !reads_log) {
    std::vector<std::string> rest{"report trends"};
    rest.insert(rest.end(), args.begin() + 2, args.end());
    return report_store_trends_verb(rest);
  }
  CLI::App app{
      "Report on operation logs: the JSON lines the tracker library (or your own code) writes, one\n"
      "operation per line. Per operation: count, successes, avg, p95, p99, min, max (ms; nearest-rank\n"
      "percentiles over every record, failed ones included); reliability; the slowest operations;\n"
      "degradation flags (p95 > 2x avg, avg up > 20% against the previous period, error rate > 1%).\n"
      "Malformed lines are skipped and counted. gzip and zstd files are decompressed.\n"
      "`perfgate report trends` without --input shows the stored runs' trends and change points\n"
      "(perfgate report trends --help).\n"
      "With --run ID instead: a stored soak run's summary, checkpoint table and verdicts again.",
      "perfgate report"};
  std::vector<std::string> inputs;
  std::size_t slowest = 10;
  std::string now_text;
  std::string run_text;
  std::string store_url = ".perfgate/history.db";
  app.add_option("--input", inputs, "An operation log (JSON lines, plain, .gz or .zst); - for stdin (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--run", run_text, "A stored soak run (id, id prefix or git ref): its summary, checkpoint table "
                                    "and verdicts again, instead of --input");
  app.add_option("--store", store_url, "The run history for --run (default .perfgate/history.db)");  // one file per --input, so a misspelt subcommand is not read as a file
  app.add_option("--slowest", slowest, "How many of the slowest operations to list (default 10)")
      ->check(whole_number_check(0, 1'000'000));
  app.add_option("--now", now_text, "The end of the periods, e.g. 2026-01-06T00:00:00Z (default: now)");
  std::size_t threads = 0;
  app.add_option("--threads", threads,
                 "Threads reading the logs (default: one per core it may run on); files are split at lines, "
                 "stdin, .gz and .zst are cut into blocks of lines as they are read; the report is the same "
                 "with any number")
      ->check(whole_number_check(1, 256));
  app.allow_extras();  // a word that is no subcommand, or an unknown option, is named in the error below
  app.fallthrough();   // the options above may also follow the subcommand
  app.require_subcommand(0, 1);
  CLI::App* weekly = app.add_subcommand("weekly", "The last 7 days, compared with the 7 days before");
  CLI::App* monthly = app.add_subcommand("monthly", "The last 30 days, compared with the 30 days before");
  CLI::App* trends = app.add_subcommand("trends", "The last N days, with one row per day and operation");
  int trend_days = 0;
  trends->add_option("--days", trend_days, "How many days")->required()->check(whole_number_check(1, kMaxDays));
  CLI::App* exporter = app.add_subcommand("export", "Every record (or the last --days N) as CSV, JSON or Markdown");
  std::string format, output;
  int export_days = 0;
  exporter->add_option("--format", format, "csv, json or markdown")
      ->required()
      ->check(CLI::IsMember({"csv", "json", "markdown"}));
  exporter->add_option("--output", output, "Write to this file (atomically) instead of stdout");
  exporter->add_option("--days", export_days, "Only the last N days (compared with the N days before)")
      ->check(whole_number_check(1, kMaxDays));
  app.footer(
      "Periods end at --now and hold [now - N days, now); records outside are left out.\n"
      "Exit codes: 0 done (flags do not fail it), 2 bad options or an input that cannot be opened.");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  if (!run_text.empty()) {
    if (!inputs.empty()) throw UsageError("--run: a stored run or --input logs, not both");
    if (!app.get_subcommands().empty()) throw UsageError("--run: takes no subcommand");
    return stored_run_report(run_text, store_url);
  }
  if (inputs.empty()) throw UsageError("--input is required (an operation log), or --run ID for a stored soak run");
  if (auto extras = app.remaining(true); !extras.empty()) {
    throw UsageError(
        fmt::format("report: unknown subcommand or option '{}' (expected weekly, monthly, "
                    "trends --days N or export --format csv|json|markdown)",
                    extras.front()));
  }
  if (app.get_subcommands().empty()) {
    throw UsageError(
        "report: a subcommand is required: weekly, monthly, trends --days N or export --format "
        "csv|json|markdown");
  }
  std::set<std::string> seen;
  for (const auto& input : inputs) {
    if (input == "-" && !seen.insert(input).second) throw UsageError("--input: - (stdin) given more than once");
  }
  check_output_path("--output", output);
  std::int64_t now_ns = now_option(now_text);

  oplog::ReportOptions options;
  options.slowest = slowest;
  std::string title;
  if (weekly->parsed()) {
    options.period = oplog::last_days(now_ns, 7);
    title = "perfgate report: weekly (the last 7 days)";
  } else if (monthly->parsed()) {
    options.period = oplog::last_days(now_ns, 30);
    title = "perfgate report: monthly (the last 30 days)";
  } else if (trends->parsed()) {
    options.period = oplog::last_days(now_ns, trend_days);
    options.split_into_days = true;
    title = fmt::format("perfgate report: trends (the last {} days)", trend_days);
  } else {
    if (export_days > 0) options.period = oplog::last_days(now_ns, export_days);
    title = export_days > 0 ? fmt::format("Operations: the last {} days", export_days) : "Operations";
  }
  oplog::ReadThreads read_threads;
  read_threads.threads = threads > 0 ? threads : oplog::available_cores();
  oplog::Report report = oplog::build_report(inputs, options, {}, read_threads);

  if (!exporter->parsed()) {
    std::fputs(oplog::report_text(report, title).c_str(), stdout);
    return exit_code::kOk;
  }
  std::string content = format == "json"  ? oplog::report_json(report).dump(2) + "\n"
                        : format == "csv" ? oplog::report_csv(report)
                                          : oplog::report_markdown(report, title);
  if (output.empty() || output == "-") {
    std::fputs(content.c_str(), stdout);
  } else {
    write_file_atomically(output, content);
  }
  print_input_notes(report);
  return exit_code::kOk;
}

}  // namespace perfgate::cli
