// `perfgate sse URL`: subscribers on an event stream, events published on schedule (or timed
// by their own timestamp), delivery latency, losses and duplicates; summary and result document.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/signals.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/hdr_interval_log.hpp"
#include "core/output_file.hpp"
#include "core/result_document.hpp"
#include "core/units.hpp"
#include "http/load_result.hpp"
#include "run/engine_options.hpp"
#include "sse/sse_engine.hpp"
#include "sse/sse_result.hpp"
#include "suite/sse_options.hpp"

namespace perfgate::cli {
namespace {

struct OutputFlags {
  std::string json_path;
  std::string hlog_path;
  std::string name;
  bool quiet = false;
};

void show_progress(const sse::SseProgress& p) {
  std::fprintf(stderr, "\r\033[K  %.1fs/%.0fs  %d connected  %s published  %s events received", p.elapsed_s,
               p.planned_s, p.connected, format_count(p.published).c_str(), format_count(p.received).c_str());
  std::fflush(stderr);
}

}  // namespace

int sse_verb(const std::vector<std::string>& args) {
  CLI::App app{"Subscribe to a Server-Sent-Events stream with N subscribers and measure delivery.\n"
               "With --publish, perfgate POSTs each event (the --body template, ${seq} its id) at --rate and\n"
               "the delivery latency of every (event, subscriber) runs from the scheduled publish; with\n"
               "--ts-field, each event's own timestamp is the start. Events not received within --timeout\n"
               "are lost; a dropped stream is reconnected with Last-Event-ID.",
               "perfgate sse"};
  TableFlags<suite::SseBenchmarkOptions> table_flags(app, suite::sse_option_table());
  OutputFlags f;
  app.add_option("--json", f.json_path, "Write the result document (perfgate.result/v1) to FILE, or - for stdout");
  app.add_option("--name", f.name, "Benchmark name in the result document (default: sse PATH)");
  app.add_option("--hlog", f.hlog_path,
                 "Write an HdrHistogram interval log (one interval a second) of the delivery latency to FILE");
  app.add_flag("-q,--quiet", f.quiet, "No progress line");
  app.footer("Exit codes: 0 ok, 2 bad options, 3 no subscription succeeded, 130 interrupted (partial results written).\n"
             "A suite's `sse:` takes the same options (keys in docs/suite.md).");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  suite::SseBenchmarkOptions options = table_flags.read();
  FILE* summary_stream = check_output_paths({{"--json", f.json_path}, {"--hlog", f.hlog_path}});
  run::PreparedSse prepared = run::build_sse(options, [&](std::string_view key) { return table_flags.flag_for(key); });
  const std::string name = f.name.empty() ? "sse " + prepared.options.url.target : f.name;
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  const bool progress = !f.quiet && isatty(STDERR_FILENO) == 1;
  sse::SseRun run(prepared.options);
  run.start();
  while (!run.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (interrupted()) run.request_stop();
    if (progress) show_progress(run.snapshot());
  }
  if (progress) std::fputs("\r\033[K", stderr);
  sse::SseResult result = run.wait();
  // The delivery latency (the result's latency_ms), filed by the second it was received in.
  std::string hlog = hdr_log_header(run.window_start_wall_ns());
  Histogram hlog_scratch;
  for (const auto& second : run.take_seconds()) hlog += http::hdr_log_line(second, hlog_scratch);
  result.interrupted = result.interrupted || interrupted();

  if (result.unreachable && !result.interrupted) {
    std::fprintf(stderr, "perfgate sse: cannot subscribe to %s: %s\n", prepared.config.value("url", "").c_str(),
                 result.connect_error.c_str());
    return exit_code::kRunFailed;
  }
  if (result.publish_unreachable && !result.interrupted) {
    std::fprintf(stderr, "perfgate sse: cannot connect to the publish URL %s: %s\n",
                 prepared.config["publish"].value("url", "").c_str(), result.publish_error.c_str());
    return exit_code::kRunFailed;
  }
  if (!f.quiet || summary_stream == stdout) {
    std::string summary = fmt::format("sse {}  ({} subscribers)\n", prepared.config.value("url", ""),
                                      prepared.options.subscribers) +
                          sse::sse_summary_lines(result);
    std::fputs(summary.c_str(), summary_stream);
    std::fflush(summary_stream);
  }
  if (!f.hlog_path.empty()) write_file_atomically(f.hlog_path, hlog);
  if (!f.json_path.empty()) {
    nlohmann::json doc = result_document(run_info, {sse::sse_benchmark_json(name, prepared.config, result)});
    write_file_atomically(f.json_path, doc.dump(2) + "\n");
  }
  if (result.interrupted) return exit_code::kInterrupted;
  return exit_code::kOk;
}

}  // namespace perfgate::cli
