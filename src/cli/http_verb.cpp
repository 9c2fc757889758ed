// `perfgate http URL`: parses and validates the options into LoadOptions, runs the load
// engine with a live progress line, prints the summary and writes the result document.
#include <chrono>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/progress.hpp"
#include "cli/signals.hpp"
#include "cli/summary.hpp"
#include "cli/verbs.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hdr_interval_log.hpp"
#include "core/output_file.hpp"
#include "core/redaction.hpp"
#include "core/result_document.hpp"
#include "core/units.hpp"
#include "http/load_engine.hpp"
#include "http/load_result.hpp"
#include "report/bmf.hpp"
#include "run/engine_options.hpp"
#include "run/http_load.hpp"
#include "suite/http_options.hpp"

namespace perfgate::cli {

int http_verb(const std::vector<std::string>& args) {
  CLI::App app{"Load an HTTP endpoint and report throughput, errors and latency.\n"
               "Closed model by default (each connection sends its next request when the previous\n"
               "completes); with --rate, the open model: requests are scheduled at a constant rate and\n"
               "latency runs from each request's scheduled time (coordinated omission corrected).",
               "perfgate http"};
  // Every benchmark option comes from the table that `http:` in a suite reads too.
  TableFlags<suite::HttpBenchmarkOptions> table_flags(app, suite::http_option_table());
  LoadOutputFlags f;
  add_load_output_flags(app, f, "METHOD path");
  std::string bmf_path;
  app.add_option("--bmf", bmf_path, "Write latency and throughput in bencher's metric format (BMF JSON)");
  std::string hlog_path;
  app.add_option("--hlog", hlog_path, "Write an HdrHistogram interval log (one interval a second) to FILE");
  app.footer("Exit codes: 0 ok, 2 bad options, 3 target unreachable or no request completed, 130 interrupted "
             "(partial results written).\n"
             "A suite's `http:` takes the same options (keys in docs/suite.md).");

  if (auto code = parse_verb_arguments(app, args)) return *code;

  suite::HttpBenchmarkOptions options = table_flags.read();
  FILE* summary_stream = check_output_paths({{"--json", f.json_path}, {"--bmf", bmf_path}, {"--hlog", hlog_path}});
  run::PreparedHttp v = run::build_http(options, [&](std::string_view key) { return table_flags.flag_for(key); });
  const Redaction redaction(options.redact);
  std::string shown_url = redaction.url(v.load.url.to_string());
  std::string name = f.name.empty() ? v.name : f.name;
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  ProgressLine progress(f.quiet);
  // The interval log is gathered a second at a time and written whole at the end, as --json is.
  std::string hlog = hdr_log_header(wall_ns() + v.load.warmup.count());
  Histogram hlog_scratch;
  auto take_hlog_seconds = [&](http::LoadRun& run) {
    if (hlog_path.empty()) return;
    for (const auto& second : run.take_seconds()) hlog += http::hdr_log_line(second, hlog_scratch);
  };
  http::LoadResult result = run::run_http_load(
      v, {.progress = [&](const http::ProgressSnapshot& s) { progress.update(s); },
          .stop_requested = interrupted,
          .measured_window_started = nullptr,
          .measured_window_ended = nullptr,
          .each_poll = take_hlog_seconds});
  progress.clear();
  result.interrupted = result.interrupted || interrupted();

  if (result.unreachable) {
    std::fprintf(stderr, "perfgate http: cannot connect to %s: %s\n", shown_url.c_str(),
                 result.connect_error.c_str());
    return exit_code::kRunFailed;
  }
  // With a document on stdout, the summary goes to stderr so the JSON stays clean.
  if (!f.quiet || summary_stream == stdout) {
    std::string summary = http_summary(v.load, v.request, shown_url, result);
    std::fputs(summary.c_str(), summary_stream);
    std::fflush(summary_stream);
  }
  if (!hlog_path.empty()) write_file_atomically(hlog_path, hlog);
  if (!f.json_path.empty() || !bmf_path.empty()) {
    nlohmann::json doc = result_document(run_info, {http::http_benchmark_json(name, v.config, result)});
    if (!f.json_path.empty()) write_file_atomically(f.json_path, doc.dump(2) + "\n");
    if (!bmf_path.empty()) write_file_atomically(bmf_path, report::bmf_document(doc).dump(2) + "\n");
  }
  if (result.interrupted) return exit_code::kInterrupted;
  if (result.nothing_completed) {
    std::fprintf(stderr, "perfgate http: %s\n", result.invalid_reason.c_str());
    return exit_code::kRunFailed;
  }
  return exit_code::kOk;
}

}  // namespace perfgate::cli
