// `perfgate run SUITE.yaml`: loads the suite, starts its services, runs its benchmarks through
// the engines, checks their thresholds, stores the run, compares it with the baseline and gates.
// Every exit path stops the services; what was measured is kept (the store, the run folder's
// result.json) even when the run is interrupted or fails half-way.
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/progress.hpp"
#include "cli/run_reference.hpp"
#include "cli/signals.hpp"
#include "cli/verbs.hpp"
#include "compare/comparison.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/suggestion.hpp"
#include "report/comparison_report.hpp"
#include "report/junit.hpp"
#include "report/run_html.hpp"
#include "report/run_markdown.hpp"
#include "run/checks.hpp"
#include "run/service_supervisor.hpp"
#include "run/suite_benchmark.hpp"
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
  std::string html_path;
  std::string junit_path;
  std::string max_change;
  bool quiet = false;
};

// Service metrics (`api.cpu < 80%`) need resource monitoring, which arrives with `perfgate monitor`:
// refuse them now rather than fail every such check as "not measured".
void reject_service_thresholds(const suite::Suite& suite) {
  for (const auto& b : suite.benchmarks) {
    for (const auto& t : b.thresholds) {
      if (t.is_service_metric()) {
        throw UsageError(fmt::format("{}: threshold '{}': service metrics need resource monitoring, which is not in "
                                     "this build yet",
                                     t.position.to_string(), t.text));
      }
    }
  }
}

std::vector<const suite::BenchmarkSpec*> select_benchmarks(const suite::Suite& suite,
                                                           const std::vector<std::string>& only) {
  std::vector<const suite::BenchmarkSpec*> selected;
  std::vector<std::string> names;
  for (const auto& b : suite.benchmarks) names.push_back(b.name);
  for (const auto& pattern : only) {
    bool matched = false;
    for (const auto& b : suite.benchmarks) matched = matched || fnmatch(pattern.c_str(), b.name.c_str(), 0) == 0;
    if (!matched) {
      throw UsageError(fmt::format("--only '{}': no benchmark of the suite matches{} (benchmarks: {})", pattern,
                                   did_you_mean(pattern, names), join_names(names)));
    }
  }
  for (const auto& b : suite.benchmarks) {
    bool wanted = only.empty();
    for (const auto& pattern : only) wanted = wanted || fnmatch(pattern.c_str(), b.name.c_str(), 0) == 0;
    if (wanted) selected.push_back(&b);
  }
  return selected;
}

// Service logs and result.json of run ID: next to a SQLite store, else under .perfgate/.
std::string run_directory(const std::string& store_url, const std::string& run_id) {
  std::string base = ".perfgate";
  if (store_url.find("://") == std::string::npos) {
    std::string path = store_url.starts_with("sqlite:") ? store_url.substr(7) : store_url;
    auto slash = path.rfind('/');
    base = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  }
  return base + "/runs/" + run_id;
}

struct BaselineChoice {
  std::optional<LoadedRun> run;
  bool stored = false;      // from the store, so its history is there too
  std::string none_reason;  // why there is no comparison
};

// --baseline RUN|REF|FILE|none, else the newest complete run of the suite on the baseline
// branch (main, then master, unless configured), or the newest complete run at all outside git.
BaselineChoice choose_baseline(Store& store, const std::string& flag, const std::string& store_url,
                               const suite::Suite& suite, const std::string& branch_flag,
                               const std::optional<GitState>& git) {
  BaselineChoice choice;
  if (flag == "none") {
    choice.none_reason = "--baseline none";
    return choice;
  }
  if (!flag.empty()) {
    if (is_regular_file(flag)) {
      choice.run = load_result_file("--baseline", flag);
      return choice;
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
    choice.run = found;
    choice.stored = true;
    return choice;
  }
  std::optional<StoredRun> stored;
  if (git) {
    std::vector<std::string> branches{branch_flag.empty() ? suite.regression.baseline_branch : branch_flag};
    if (branch_flag.empty() && branches[0] == "main") branches.push_back("master");
    for (const auto& branch : branches) {
      stored = store.latest_complete_run(suite.name, branch);
      if (stored) break;
    }
    if (!stored) {
      choice.none_reason = fmt::format("no complete run of '{}' on branch {} in '{}' yet", suite.name,
                                       join_names(branches), store_url);
    }
  } else {
    stored = store.latest_complete_run(suite.name, std::nullopt);
    if (!stored) choice.none_reason = fmt::format("no complete run of '{}' in '{}' yet", suite.name, store_url);
  }
  if (stored) {
    if (auto doc = store.get_run(stored->record.id)) {
      std::string where = stored->record.git ? fmt::format(", {} {}", stored->record.git->branch,
                                                           stored->record.git->commit.substr(0, 10))
                                             : "";
      choice.run = LoadedRun{*doc, fmt::format("run {} ({}{})", stored->record.id, stored->record.started_at, where)};
      choice.stored = true;
    }
  }
  return choice;
}

// The metric values of the baseline and the complete runs of the suite before it (on its branch),
// newest kHistoryRuns: the run-to-run variation a regression must stand out from.
constexpr std::size_t kHistoryRuns = 20;

std::map<std::string, std::map<std::string, std::vector<double>>> baseline_history(Store& store,
                                                                                   const std::string& suite_name,
                                                                                   const nlohmann::json& baseline) {
  std::map<std::string, std::map<std::string, std::vector<double>>> history;
  const nlohmann::json& run = baseline["run"];
  std::string baseline_id = run.value("id", "");
  std::string baseline_started = run.value("started_at", "");
  std::optional<std::string> branch;
  if (run.contains("git") && run["git"].is_object()) branch = run["git"].value("branch", "");
  std::size_t taken = 0;
  for (const auto& stored : store.list_runs(suite_name, kHistoryRuns * 5)) {
    if (taken == kHistoryRuns) break;
    if (stored.status != RunStatus::kComplete) continue;
    if (stored.record.id != baseline_id) {
      if (stored.record.started_at > baseline_started) continue;  // newer than the baseline
      if (branch && (!stored.record.git || stored.record.git->branch != *branch)) continue;
    }
    auto doc = store.get_run(stored.record.id);
    if (!doc) continue;
    ++taken;
    for (const auto& benchmark : (*doc)["benchmarks"]) {
      std::string name = benchmark.value("name", "");
      for (const auto& metric : benchmark.value("metrics", nlohmann::json::array())) {
        if (metric.contains("value") && metric["value"].is_number()) {
          history[name][metric.value("name", "")].push_back(metric["value"].get<double>());
        }
      }
    }
  }
  return history;
}

std::string describe_benchmark(const run::PreparedBenchmark& p) {
  if (p.http) {
    const auto& l = p.http->load;
    std::string bound = l.duration ? format_duration(*l.duration) : fmt::format("{} requests", l.requests);
    std::string model = l.rate_per_s ? fmt::format("open model {:g}/s", *l.rate_per_s)
                                     : fmt::format("{} connections", l.connections);
    return fmt::format("http {} {}  ({}, {})", p.http->request.method, l.url.to_string(), model, bound);
  }
  if (p.cmd && p.cmd->commands.size() > 1) {
    return fmt::format("cmd {}  ({} commands)", p.spec->cmd.commands.front(), p.cmd->commands.size());
  }
  if (p.cmd) return fmt::format("cmd {}", p.cmd->commands.front().text);
  const auto& ingest = p.spec->ingest;
  return ingest.command ? fmt::format("ingest {} from the output of: {}", ingest.format, *ingest.command)
                        : fmt::format("ingest {} from {}", ingest.format, ingest.file.value_or(""));
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
  app.add_option("--markdown", f.markdown_path, "Write checks and comparison as Markdown (a pull-request comment)");
  app.add_option("--html", f.html_path, "Write the run as one self-contained HTML page (checks, comparison, charts)");
  app.add_option("--junit", f.junit_path, "Write JUnit XML: each check and each regression check a test case");
  app.add_flag("-q,--quiet", f.quiet, "No progress lines");
  app.footer("Exit codes: 0 ok, 1 a threshold or the regression gate failed (or a command failed), 2 bad suite or\n"
             "options, 3 a service did not start or a target was unreachable, 130 interrupted (what was measured is\n"
             "stored as an incomplete run and written).");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  // Everything that can be wrong with the input is found before anything starts.
  suite::Suite suite = suite::load_suite(f.suite_path, suite::process_environment());
  reject_service_thresholds(suite);
  std::vector<const suite::BenchmarkSpec*> selected = select_benchmarks(suite, f.only);
  std::vector<run::PreparedBenchmark> prepared;
  for (const auto* spec : selected) prepared.push_back(run::prepare_benchmark(*spec));
  RunInfo info = make_run_info();
  info.tags = key_value_options("--tag", f.tags);
  compare::GateOptions gate;
  gate.max_change = f.max_change.empty() ? suite.regression.max_change : change_option("--max-change", f.max_change);
  gate.max_change_by_metric = suite.regression.per_metric;
  check_output_path("--json", f.json_path);
  check_output_path("--markdown", f.markdown_path);
  check_output_path("--html", f.html_path);
  check_output_path("--junit", f.junit_path);
  std::string store_url = !f.store.empty() ? f.store : suite.store.value_or(kDefaultStore);
  auto store = open_store(store_url);
  BaselineChoice baseline = choose_baseline(*store, f.baseline, store_url, suite, f.baseline_branch, info.git);

  FILE* out = f.json_path == "-" ? stderr : stdout;
  bool color = isatty(fileno(out)) == 1 && std::getenv("NO_COLOR") == nullptr;
  std::string run_dir = run_directory(store_url, info.id);
  std::error_code dir_error;
  std::filesystem::create_directories(run_dir, dir_error);
  if (dir_error) throw RunError(fmt::format("cannot create the run folder '{}': {}", run_dir, dir_error.message()));
  std::fprintf(out, "perfgate run: suite '%s', %zu benchmark%s, run %s (store %s)\n", suite.name.c_str(),
               prepared.size(), prepared.size() == 1 ? "" : "s", info.id.c_str(), store_url.c_str());
  std::fflush(out);

  install_interrupt_handlers();
  run::ServiceSupervisor services(run_dir);
  for (const auto& service : suite.services) {
    auto started = std::chrono::steady_clock::now();
    try {
      services.start(service, &interrupt_flag());
    } catch (const run::ServiceFailed& e) {
      services.stop_all();
      std::fprintf(stderr, "perfgate run: %s: %s\n", service.position.to_string().c_str(), e.what());
      return interrupted() ? exit_code::kInterrupted : exit_code::kRunFailed;
    }
    for (pid_t group : services.process_groups()) kill_on_forced_exit(group);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(out, "service '%s' %s in %.2f s (log %s)%s\n", service.name.c_str(),
                 service.ready_url || service.ready_tcp || service.ready_command ? "ready" : "started", seconds, services.log_path(service.name).c_str(),
                 service.monitor ? "; monitor: resource monitoring is not in this build yet, not sampled" : "");
    std::fflush(out);
  }

  std::string run_id = store->begin_run(run_record(info, suite.name));
  std::vector<nlohmann::json> benchmarks;
  nlohmann::json checks = nlohmann::json::array();
  std::optional<std::string> failure;
  int failure_code = 0;
  auto wall_start = std::chrono::steady_clock::now();
  // One benchmark with its heading, progress and figures.
  auto measure = [&](const run::PreparedBenchmark& p, const std::string& heading) {
    std::fprintf(out, "\n%s %s  %s\n", heading.c_str(), p.spec->name.c_str(), describe_benchmark(p).c_str());
    std::fflush(out);
    ProgressLine http_progress(f.quiet);
    CommandProgressBar cmd_progress(f.quiet);
    run::BenchmarkHooks hooks;
    hooks.http_progress = [&](const http::ProgressSnapshot& s) { http_progress.update(s); };
    hooks.cmd_progress = [&](const cmd::RunnerProgress& r) { cmd_progress.update(r); };
    hooks.stop = &interrupt_flag();
    run::BenchmarkOutcome outcome = run::run_benchmark(p, hooks);
    http_progress.clear();
    cmd_progress.clear();
    if (!outcome.benchmarks.empty()) {
      std::fputs(outcome.summary.c_str(), out);
      if (outcome.interrupted) std::fputs("  INTERRUPTED: what was measured until the signal\n", out);
    }
    return outcome;
  };
  for (std::size_t i = 0; i < prepared.size() && !interrupted(); ++i) {
    const auto& p = prepared[i];
    run::BenchmarkOutcome outcome = measure(p, fmt::format("[{}/{}]", i + 1, prepared.size()));
    if (!outcome.benchmarks.empty()) {
      nlohmann::json benchmark_checks = run::check_thresholds(*p.spec, outcome.benchmarks);
      for (const auto& b : outcome.benchmarks) {
        store->add_benchmark(run_id, b);
        benchmarks.push_back(b);
      }
      for (const auto& c : benchmark_checks) checks.push_back(c);
      std::fputs(checks_lines(benchmark_checks, color).c_str(), out);
      std::fflush(out);
    }
    if (outcome.failure) {
      failure = fmt::format("benchmark '{}': {}", p.spec->name, *outcome.failure);
      failure_code = outcome.failure_exit_code;
      break;
    }
    if (auto dead = services.exited_service()) {
      failure = *dead + " during the benchmarks (its log is in " + run_dir + ")";
      failure_code = exit_code::kRunFailed;
      break;
    }
  }

  bool complete = !failure && !interrupted();
  nlohmann::json document = result_document(info, benchmarks, checks);
  document["suite"] = suite.name;
  document["run"]["status"] = complete ? "complete" : "incomplete";

  // The comparison, while the services still run: a regression must reproduce in a second
  // measurement of its benchmark before it fails the gate.
  std::optional<compare::ComparisonReport> comparison;
  std::string run_label = "run " + run_id;
  if (complete && baseline.run) {
    if (baseline.stored) {
      gate.history = baseline_history(*store, suite.name, baseline.run->document);
      gate.require_history = true;
    }
    comparison = compare::compare_documents(baseline.run->document, document, gate);
    if (comparison->gate_failed) {
      auto regressed = [&](const run::PreparedBenchmark& p) {
        return std::any_of(comparison->rows.begin(), comparison->rows.end(), [&](const compare::ComparisonRow& row) {
          return run::produced_by(*p.spec, row.benchmark) && row.verdict == compare::Verdict::regressed;
        });
      };
      std::vector<nlohmann::json> again;
      auto suspects = static_cast<std::size_t>(std::count_if(prepared.begin(), prepared.end(), regressed));
      std::fprintf(out, "\n%zu benchmark%s regressed against the baseline; measuring %s again to rule out a passing "
                        "disturbance of the machine\n",
                   suspects, suspects == 1 ? "" : "s", suspects == 1 ? "it" : "them");
      std::size_t n = 0;
      for (const auto& p : prepared) {
        if (!regressed(p) || interrupted()) continue;
        run::BenchmarkOutcome outcome = measure(p, fmt::format("[confirm {}/{}]", ++n, suspects));
        if (!outcome.interrupted) again.insert(again.end(), outcome.benchmarks.begin(), outcome.benchmarks.end());
      }
      compare::ComparisonReport second =
          compare::compare_documents(baseline.run->document, result_document(info, again), gate);
      compare::require_confirmation(*comparison, second);
      document["confirmation"] = {{"benchmarks", again}, {"comparison", second.to_json()}};
    }
    document["baseline"] = baseline.run->label;
    document["comparison"] = comparison->to_json();
  }
  for (pid_t group : services.process_groups()) forget_on_forced_exit(group);
  services.stop_all();
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  if (complete) store->complete_run(run_id, checks);
  write_file_atomically(run_dir + "/result.json", document.dump(2) + "\n");
  if (!complete) {
    if (!f.json_path.empty()) write_file_atomically(f.json_path, document.dump(2) + "\n");
    if (failure) {
      std::fprintf(stderr, "perfgate run: %s\n", failure->c_str());
    } else {
      std::fputs("\nperfgate run: interrupted; what was measured is stored as an incomplete run\n", stderr);
    }
    std::fprintf(stderr, "perfgate run: run %s is incomplete (never a baseline); results in %s/result.json\n",
                 run_id.c_str(), run_dir.c_str());
    return failure ? failure_code : exit_code::kInterrupted;
  }

  report::RunSummary summary;
  summary.suite = suite.name;
  summary.run_label = run_label;
  summary.checks = checks;
  summary.comparison = comparison ? &*comparison : nullptr;
  summary.baseline_label = baseline.run ? baseline.run->label : "";
  summary.no_baseline_reason = baseline.none_reason;

  std::fputs("\n", out);
  if (comparison) {
    std::fputs(report::comparison_table(*comparison, summary.baseline_label, run_label, color).c_str(), out);
  } else {
    std::fprintf(out, "No comparison: %s.\n", baseline.none_reason.c_str());
  }
  std::string verdict = report::run_verdict_line(summary);
  bool failed = run::failed_check_count(checks) > 0 || (comparison && comparison->gate_failed);
  if (color) verdict = (failed ? "\033[1;31m" : "\033[1;32m") + verdict + "\033[0m";
  std::fprintf(out, "\n%s (run %s, %.1f s)\n", verdict.c_str(), run_id.c_str(), elapsed_s);
  std::fflush(out);

  if (!f.json_path.empty()) write_file_atomically(f.json_path, document.dump(2) + "\n");
  if (!f.markdown_path.empty()) write_file_atomically(f.markdown_path, report::run_markdown(summary));
  if (!f.html_path.empty()) write_file_atomically(f.html_path, report::run_html(summary, document));
  if (!f.junit_path.empty()) {
    write_file_atomically(f.junit_path, report::junit_xml(suite.name, checks, summary.comparison, elapsed_s));
  }
  if (interrupted()) return exit_code::kInterrupted;  // during the confirmation: the run itself is complete
  return failed ? exit_code::kGateFailed : exit_code::kOk;
}

}  // namespace perfgate::cli
