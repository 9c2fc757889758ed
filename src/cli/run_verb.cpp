// `perfgate run SUITE.yaml`: flags -> SuiteRunOptions -> run::SuiteRun (services, benchmarks,
// checks, store, comparison, gate) -> the terminal's lines and the output files -> the exit code.
// What was measured is kept (the store, the run folder's result.json) even when the run is
// interrupted or fails half-way; the outputs are written then too.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/progress.hpp"
#include "cli/run_reference.hpp"
#include "cli/signals.hpp"
#include "cli/soak_output.hpp"
#include "cli/verbs.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/result_document.hpp"
#include "report/bmf.hpp"
#include "report/comparison_report.hpp"
#include "report/junit.hpp"
#include "report/run_html.hpp"
#include "report/run_markdown.hpp"
#include "report/trends.hpp"
#include "run/soak_run.hpp"
#include "run/suite_run.hpp"
#include "store/store.hpp"
#include "suite/suite_loader.hpp"

namespace perfgate::cli {
namespace {

constexpr const char* kDefaultStore = ".perfgate/history.db";

struct RunFlags {
  std::string suite_path;
  std::vector<std::string> only;
  std::vector<std::string> tags;
  std::string baseline;
  std::string baseline_branch;
  std::string store;
  std::string json_path;
  std::string markdown_path;
  std::string bmf_path;
  std::string html_path;
  std::string junit_path;
  std::string max_change;
  std::string soak;
  std::string checkpoint;
  bool quiet = false;
};

// --baseline RUN|REF|FILE: a result file, else a complete stored run (by id or git ref).
run::BaselineRun explicit_baseline(Store& store, const std::string& flag, const std::string& store_url) {
  if (is_regular_file(flag)) {
    LoadedRun file = load_result_file("--baseline", flag);
    return {file.document, file.label, false, {}};
  }
  auto found = find_stored_run(store, flag);
  if (!found) {
    throw UsageError(fmt::format("--baseline '{}': neither a result file, nor a run id, nor a git ref with a "
                                 "complete run in '{}'",
                                 flag, store_url));
  }
  if (found->document["run"].value("status", "complete") != "complete") {
    throw UsageError(fmt::format("--baseline '{}': that run is incomplete (it was interrupted or failed)", flag));
  }
  return {found->document, found->label, true, {}};
}

std::string checks_lines(const nlohmann::json& checks, bool color) {
  std::string out;
  for (const auto& c : checks) {
    bool passed = c.value("passed", false);
    std::string mark = passed ? "pass" : "FAIL";
    if (color) mark = (passed ? "\033[32m" : "\033[1;31m") + mark + "\033[0m";
    out += fmt::format("  {}  {}  (observed {})\n", mark, c.value("expr", ""), c.value("observed_text", ""));
  }
  return out;
}

// What the run says while it goes: services ready, each benchmark's heading, live progress,
// summary and checks, on `out` (stderr when an output such as --json - takes stdout).
struct TerminalProgress {
  explicit TerminalProgress(bool quiet) : http(quiet), cmd(quiet) {}
  ProgressLine http;
  CommandProgressBar cmd;
};

run::SuiteRunHooks terminal_hooks(FILE* out, bool color, bool quiet) {
  auto progress = std::make_shared<std::optional<TerminalProgress>>();
  run::SuiteRunHooks hooks;
  hooks.service_ready = [out](const suite::ServiceSpec& service, double seconds, const std::string& log_path) {
    std::fprintf(out, "service '%s' %s in %.2f s (log %s)\n", service.name.c_str(),
                 service.ready_url || service.ready_tcp || service.ready_command ? "ready" : "started", seconds, log_path.c_str());
    std::fflush(out);
  };
  hooks.service_monitored = [out](const suite::ServiceSpec& service, const std::string& source) {
    std::fprintf(out, "service '%s' monitored (%s, every %g ms)\n", service.name.c_str(), source.c_str(),
                 std::chrono::duration<double, std::milli>(service.monitor_interval).count());
    std::fflush(out);
  };
  hooks.service_containment_warning = [](const std::string& warning) {
    std::fprintf(stderr, "perfgate run: warning: %s\n", warning.c_str());
  };
  hooks.service_group_started = [](pid_t group) { kill_on_forced_exit(group); };
  hooks.service_group_stopping = [](pid_t group) { forget_on_forced_exit(group); };
  hooks.service_cgroup_started = [](const std::string& cgroup) { kill_cgroup_on_forced_exit(cgroup); };
  hooks.service_cgroup_stopping = [](const std::string& cgroup) { forget_cgroup_on_forced_exit(cgroup); };
  hooks.benchmark_starting = [out, quiet, progress](const run::PreparedBenchmark& p, const std::string& heading) {
    std::fprintf(out, "\n%s %s  %s\n", heading.c_str(), p.spec->name.c_str(), run::description(p).c_str());
    std::fflush(out);
    progress->emplace(quiet);
    run::BenchmarkHooks benchmark_hooks;
    benchmark_hooks.http_progress = [progress](const http::ProgressSnapshot& s) { (*progress)->http.update(s); };
    benchmark_hooks.cmd_progress = [progress](const cmd::RunnerProgress& r) { (*progress)->cmd.update(r); };
    benchmark_hooks.process_group_started = [](pid_t group) { kill_on_forced_exit(group); };
    benchmark_hooks.process_group_stopping = [](pid_t group) { forget_on_forced_exit(group); };
    return benchmark_hooks;
  };
  hooks.benchmark_finished = [out, progress](const run::PreparedBenchmark&, const run::BenchmarkOutcome& outcome) {
    if (*progress) {
      (*progress)->http.clear();
      (*progress)->cmd.clear();
    }
    if (!outcome.benchmarks.empty()) {
      std::fputs(outcome.summary.c_str(), out);
      if (outcome.interrupted) std::fputs("  INTERRUPTED: what was measured until the signal\n", out);
    }
  };
  hooks.benchmark_checked = [out, color](const nlohmann::json& checks) {
    std::fputs(checks_lines(checks, color).c_str(), out);
    std::fflush(out);
  };
  hooks.confirming = [out](std::size_t suspects) {
    std::fprintf(out, "\n%zu benchmark%s regressed against the baseline; measuring %s again to rule out a passing "
                      "disturbance of the machine\n",
                 suspects, suspects == 1 ? "" : "s", suspects == 1 ? "it" : "them");
  };
  return hooks;
}

}  // namespace

int run_verb(const std::vector<std::string>& args) {
  CLI::App app{"Run a suite: start its services, run its benchmarks, check their thresholds, store the run,\n"
               "compare it with the baseline and fail on regressions (significant and beyond the allowed change).",
               "perfgate run"};
  RunFlags f;
  app.add_option("suite", f.suite_path, "The suite file, e.g. perf/suite.yaml")->required();
  app.add_option("--only", f.only, "Run only benchmarks whose name matches this glob (repeatable)");
  app.add_option("--tag", f.tags, "KEY=VALUE stored with the run (repeatable)");
  app.add_option("--baseline", f.baseline,
                 "Compare with this run: RUN id, git REF, result FILE, or none (default: the newest complete run of "
                 "the suite on the baseline branch)");
  app.add_option("--baseline-branch", f.baseline_branch, "Branch whose runs are baselines (default main, then master)");
  app.add_option("--store", f.store, "Run history (default: the suite's store:, else .perfgate/history.db)");
  app.add_option("--max-change", f.max_change, "Allowed change before a significant one is a regression (default: "
                                               "the suite's regression.max_change, else 10%)");
  app.add_option("--json", f.json_path, "Write the result document (with the comparison) to FILE, - for stdout");
  app.add_option("--bmf", f.bmf_path, "Write latency and throughput per benchmark in bencher's metric format (BMF JSON)");
  app.add_option("--markdown", f.markdown_path, "Write checks and comparison as Markdown (a pull-request comment)");
  app.add_option("--html", f.html_path, "Write the run as one self-contained HTML page (checks, comparison, charts)");
  app.add_option("--junit", f.junit_path, "Write JUnit XML: each check and each regression check a test case");
  app.add_option("--soak", f.soak, "Soak: run the selected load benchmarks at once for DUR (e.g. 24h), with "
                                   "checkpoints, interval logs, leak and drift verdicts (default: the suite's soak:)");
  app.add_option("--checkpoint", f.checkpoint, "Soak: a checkpoint every DUR, whole seconds (default: the suite's "
                                               "soak.checkpoint, else a tenth of the soak)");
  app.add_flag("-q,--quiet", f.quiet, "No progress lines");
  app.footer("Exit codes: 0 ok, 1 a threshold or the regression gate failed (or a command failed), 2 bad suite or\n"
             "options, 3 a service did not start or a target was unreachable, 130 interrupted (what was measured is\n"
             "stored as an incomplete run and written).");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  // Everything that can be wrong with the input is found before anything starts.
  suite::Suite suite = suite::load_suite(f.suite_path, suite::process_environment());
  run::SuiteRunOptions options;
  options.only = f.only;
  options.tags = key_value_options("--tag", f.tags);
  options.gate.max_change =
      f.max_change.empty() ? suite.regression.max_change : change_option("--max-change", f.max_change);
  options.gate.max_change_by_metric = suite.regression.per_metric;
  FILE* out = check_output_paths({{"--json", f.json_path},
                                   {"--markdown", f.markdown_path},
                                   {"--html", f.html_path},
                                   {"--junit", f.junit_path},
                                   {"--bmf", f.bmf_path}});
  options.store_url = !f.store.empty() ? f.store : suite.store.value_or(kDefaultStore);
  // As the user wrote it (a suite's `${VAR}` not filled in), credentials in a URL as ***.
  const std::string shown_store =
      Redaction().url(!f.store.empty() ? f.store : suite.store ? suite.store_as_written : kDefaultStore);
  auto store = open_store(options.store_url);
  options.no_baseline = f.baseline == "none";
  if (!f.baseline.empty() && !options.no_baseline) {
    options.baseline = explicit_baseline(*store, f.baseline, shown_store);
  }
  options.baseline_branch = f.baseline_branch;
  options.stop = &interrupt_flag();
  std::optional<Nanos> soak_flag, checkpoint_flag;
  if (!f.soak.empty()) soak_flag = duration_option("--soak", f.soak, false);
  if (!f.checkpoint.empty()) checkpoint_flag = duration_option("--checkpoint", f.checkpoint, false);
  if (auto soak_settings = run::soak_settings(suite, soak_flag, checkpoint_flag)) {
    for (const auto& [flag, path] : {std::pair{"--markdown", &f.markdown_path}, {"--html", &f.html_path},
                                     {"--junit", &f.junit_path}, {"--baseline", &f.baseline}}) {
      if (!path->empty()) throw UsageError(fmt::format("{}: not for a soak run (its verdicts are leak and drift)", flag));
    }
    run::SoakRun soak(suite, options, *soak_settings, *store);
    std::fprintf(out, "perfgate run: soak of suite '%s', run %s (store %s)\n", suite.name.c_str(),
                 soak.run_id().c_str(), shown_store.c_str());
    std::fflush(out);
    install_interrupt_handlers();
    bool color = isatty(fileno(out)) == 1 && std::getenv("NO_COLOR") == nullptr;
    return run_soak(soak, *store, terminal_hooks(out, color, f.quiet), out, f.json_path);
  }
  run::SuiteRun suite_run(suite, options, *store);

  bool color = isatty(fileno(out)) == 1 && std::getenv("NO_COLOR") == nullptr;
  std::size_t count = suite_run.benchmark_count();
  std::fprintf(out, "perfgate run: suite '%s', %zu benchmark%s, run %s (store %s)\n", suite.name.c_str(), count,
               count == 1 ? "" : "s", suite_run.run_id().c_str(), shown_store.c_str());
  std::fflush(out);
  install_interrupt_handlers();
  run::SuiteRunResult result = suite_run.run(terminal_hooks(out, color, f.quiet));

  if (result.services_failed) {
    std::fprintf(stderr, "perfgate run: %s\n", result.failure->c_str());
    return result.failure_exit_code;
  }
  if (!result.complete) {
    if (!f.json_path.empty()) write_file_atomically(f.json_path, result.document.dump(2) + "\n");
    if (result.failure) {
      std::fprintf(stderr, "perfgate run: %s\n", result.failure->c_str());
    } else {
      std::fputs("\nperfgate run: interrupted; what was measured is stored as an incomplete run\n", stderr);
    }
    std::fprintf(stderr, "perfgate run: run %s is incomplete (never a baseline); results in %s/result.json\n",
                 result.run_id.c_str(), result.run_directory.c_str());
    return result.failure ? result.failure_exit_code : exit_code::kInterrupted;
  }

  report::RunSummary summary;
  summary.suite = suite.name;
  summary.run_label = "run " + result.run_id;
  summary.checks = result.checks;
  summary.comparison = result.comparison ? &*result.comparison : nullptr;
  summary.baseline_label = result.baseline_label;
  summary.no_baseline_reason = result.no_baseline_reason;
  summary.benchmarks = result.document["benchmarks"];
  summary.baseline_document = result.comparison ? &result.baseline_document : nullptr;
  summary.baseline_run_ids = result.baseline_run_ids;
  if (!f.html_path.empty()) {  // the page charts each metric across the suite's stored runs
    report::TrendQuery history;
    history.suite = suite.name;
    history.max_runs = 60;
    summary.history = report::collect_trends(*store, history);
  }

  std::fputs("\n", out);
  if (result.comparison) {
    std::fputs(report::comparison_table(*result.comparison, summary.baseline_label, summary.run_label, color).c_str(),
               out);
  } else {
    std::fprintf(out, "No comparison: %s.\n", result.no_baseline_reason.c_str());
  }
  std::string verdict = report::run_verdict_line(summary);
  bool failed = result.failed();
  if (color) verdict = (failed ? "\033[1;31m" : "\033[1;32m") + verdict + "\033[0m";
  std::fprintf(out, "\n%s (run %s, %.1f s)\n", verdict.c_str(), result.run_id.c_str(), result.elapsed_s);
  std::fflush(out);

  if (!f.json_path.empty()) write_file_atomically(f.json_path, result.document.dump(2) + "\n");
  if (!f.markdown_path.empty()) write_file_atomically(f.markdown_path, report::run_markdown(summary));
  if (!f.html_path.empty()) write_file_atomically(f.html_path, report::run_html(summary, result.document));
  if (!f.bmf_path.empty()) write_file_atomically(f.bmf_path, report::bmf_document(result.document).dump(2) + "\n");
  if (!f.junit_path.empty()) {
    write_file_atomically(f.junit_path,
                          report::junit_xml(suite.name, result.checks, summary.comparison, result.elapsed_s,
                                            result.document["benchmarks"]));
  }
  if (interrupted()) return exit_code::kInterrupted;  // during the confirmation: the run itself is complete
  return failed ? exit_code::kGateFailed : exit_code::kOk;
}

}  // namespace perfgate::cli
