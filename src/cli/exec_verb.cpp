// `perfgate exec [options] -- WORKER ARGS`: parses the options into ExecOptions, starts the
// workers (each prints `ready`), runs the exec engine with a live progress line, prints the
// summary and writes the result document.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
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
#include "core/result_document.hpp"
#include "exec/exec_engine.hpp"
#include "exec/exec_result.hpp"
#include "http/load_result.hpp"
#include "run/engine_options.hpp"
#include "suite/exec_options.hpp"

namespace perfgate::cli {
namespace {

// The workers' stderr, for a verb without a run folder: a fresh folder under $TMPDIR.
std::string make_stderr_directory() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") + "/perfgate-exec-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw RunError(fmt::format("cannot create a folder for the workers' stderr ({})", pattern));
  }
  return pattern;
}

// Where the workers' stderr went, or "" after removing the folder when they wrote nothing.
std::string keep_stderr_if_written(const std::string& directory) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_regular_file(error) && entry.file_size(error) > 0) return directory;
  }
  std::filesystem::remove_all(directory, error);
  return "";
}

}  // namespace

int exec_verb(const std::vector<std::string>& args) {
  CLI::App app{"Load any operation through worker processes that speak a line protocol on stdin/stdout.\n"
               "The worker prints `ready` once; perfgate writes `ID` or `ID<TAB>PAYLOAD` per operation; the\n"
               "worker answers `ID<TAB>ok` or `ID<TAB>error<TAB>MESSAGE` (in any order with --in-flight > 1).\n"
               "Closed model by default (-c operations in flight); with --rate, the open model: latency runs\n"
               "from each operation's scheduled time (coordinated omission corrected).",
               "perfgate exec"};
  TableFlags<suite::ExecBenchmarkOptions> table_flags(app, suite::exec_option_table());
  LoadOutputFlags f;
  add_load_output_flags(app, f, "the worker command");
  std::string hlog_path;
  app.add_option("--hlog", hlog_path, "Write an HdrHistogram interval log (one interval a second) to FILE");
  app.footer("Example: perfgate exec -c 10 -d 30s -- python3 examples/exec/worker.py\n"
             "Exit codes: 0 ok, 2 bad options (a worker that is not executable too), 3 a worker failed to start,\n"
             "exited or broke the protocol, or no operation succeeded, 130 interrupted (partial results written).\n"
             "A suite's `exec:` takes the same options (keys in docs/suite.md); the protocol is in docs/operations.md.");

  if (auto code = parse_verb_arguments(app, args)) return *code;

  suite::ExecBenchmarkOptions options = table_flags.read();
  FILE* summary_stream = check_output_paths({{"--json", f.json_path}, {"--hlog", hlog_path}});
  run::PreparedExec v = run::build_exec(options, [&](std::string_view key) { return table_flags.flag_for(key); });
  std::string name = f.name.empty() ? v.shown_command : f.name;
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  v.options.stderr_directory = make_stderr_directory();
  exec::ExecRun run(v.options);
  try {
    run.start_workers(&interrupt_flag());
  } catch (const RunError& e) {
    std::fprintf(stderr, "perfgate exec: %s\n", e.what());
    keep_stderr_if_written(v.options.stderr_directory);
    return interrupted() ? exit_code::kInterrupted : exit_code::kRunFailed;
  }
  kill_on_forced_exit(run.process_group());
  ProgressLine progress(f.quiet);
  // The interval log's base: the start of the measured window (the clock starts right after).
  std::string hlog = hdr_log_header(wall_ns() + v.options.warmup.count());
  exec::ExecResult result = run_with_progress(run, progress, interrupted);
  Histogram hlog_scratch;
  for (const auto& second : run.take_seconds()) hlog += http::hdr_log_line(second, hlog_scratch);
  forget_on_forced_exit(run.process_group());
  result.load.interrupted = result.load.interrupted || interrupted();
  std::string kept = keep_stderr_if_written(v.options.stderr_directory);
  if (kept.empty()) result.stderr_paths.clear();  // removed: nothing was written

  if (result.failure) {
    std::fprintf(stderr, "perfgate exec: %s\n", result.failure->c_str());
    return exit_code::kRunFailed;
  }
  if (!f.quiet || summary_stream == stdout) {
    std::string summary = exec_summary(v.options, v.shown_command, result);
    summary += kept.empty() ? "\n  workers' stderr: empty (nothing kept)\n"
                            : fmt::format("\n  workers' stderr: {}/worker-N.stderr\n", kept);
    std::fputs(summary.c_str(), summary_stream);
    std::fflush(summary_stream);
  }
  if (!hlog_path.empty()) write_file_atomically(hlog_path, hlog);
  if (!f.json_path.empty()) {
    nlohmann::json doc = result_document(run_info, {exec::exec_benchmark_json(name, v.config, result)});
    write_file_atomically(f.json_path, doc.dump(2) + "\n");
  }
  if (result.load.interrupted) return exit_code::kInterrupted;
  if (result.load.nothing_completed) {
    std::fprintf(stderr, "perfgate exec: %s\n", result.load.invalid_reason.c_str());
    return exit_code::kRunFailed;
  }
  return exit_code::kOk;
}

}  // namespace perfgate::cli
