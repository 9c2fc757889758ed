// A suite run from the first service to the verdict; see suite_run.hpp.
#include "run/suite_run.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/cpu_canary.hpp"
#include "core/error.hpp"
#include "core/suggestion.hpp"
#include "run/checks.hpp"
#include "run/service_monitors.hpp"
#include "run/service_supervisor.hpp"

namespace perfgate::run {
namespace {

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

// All services, or with --only (`filtered`) those the selected benchmarks name in `needs:`; a
// selected benchmark without `needs:` may talk to any of them, so then all start.
std::vector<const suite::ServiceSpec*> needed_services(const suite::Suite& suite,
                                                       const std::vector<PreparedBenchmark>& selected, bool filtered) {
  std::set<std::string> needed;
  bool all = !filtered;
  for (const auto& p : selected) {
    if (!p.spec->needs) all = true;
    if (p.spec->needs) needed.insert(p.spec->needs->begin(), p.spec->needs->end());
  }
  std::vector<const suite::ServiceSpec*> services;
  for (const auto& service : suite.services) {
    if (all || needed.count(service.name) > 0) services.push_back(&service);
  }
  return services;
}

// A misspelt metric in `regression:` would silently never apply. The names of ingested
// benchmarks are known only once their harness ran, so a suite with `ingest:` cannot be checked.
void check_regression_metric_names(const suite::Suite& suite) {
  bool ingests = std::any_of(suite.benchmarks.begin(), suite.benchmarks.end(),
                             [](const suite::BenchmarkSpec& b) { return b.kind == suite::BenchmarkKind::kIngest; });
  if (ingests) return;
  std::vector<std::string> service_metrics;
  for (const auto& service : suite.services) {
    if (!service.monitored()) continue;
    for (const char* metric : {"cpu_pct_mean", "cpu_pct_max", "rss_max", "threads_max", "fds_max"}) {
      service_metrics.push_back(service.name + "." + metric);
    }
  }
  for (const auto& [name, position] : suite.regression.metric_positions) {
    compare::check_metric_name(position.to_string() + ": regression", name, service_metrics);
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string run_directory(const std::string& store_url, const std::string& run_id) {
  std::string base = ".perfgate";
  if (store_url.find("://") == std::string::npos) {
    std::string path = store_url.starts_with("sqlite:") ? store_url.substr(7) : store_url;
    auto slash = path.rfind('/');
    base = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  }
  return base + "/runs/" + run_id;
}

std::optional<std::pair<std::string, int>> start_services(ServiceSupervisor& supervisor, ServiceMonitors& monitors,
                                                          const std::vector<const suite::ServiceSpec*>& services,
                                                          const SuiteRunHooks& hooks, const std::atomic<bool>* stop) {
  bool containment_warned = false;
  // A service that did not start, or cannot be sampled: nothing is stored, exit 3.
  auto give_up = [&](const suite::ServiceSpec& service, const RunError& e) {
    monitors.stop();
    supervisor.stop_all();
    bool stopped = stop != nullptr && stop->load();
    return std::pair{fmt::format("{}: {}", service.position.to_string(), e.what()),
                     stopped ? exit_code::kInterrupted : exit_code::kRunFailed};
  };
  for (const auto* needed : services) {
    const suite::ServiceSpec& service = *needed;
    auto started = std::chrono::steady_clock::now();
    if (service.started_by_perfgate()) {
      try {
        supervisor.start(service, stop);
      } catch (const ServiceFailed& e) {
        return give_up(service, e);
      }
      if (hooks.service_containment_warning && !supervisor.containment_warning().empty() && !containment_warned) {
        hooks.service_containment_warning(supervisor.containment_warning());
        containment_warned = true;
      }
      if (hooks.service_group_started) {
        for (pid_t group : supervisor.process_groups()) hooks.service_group_started(group);
      }
      if (hooks.service_cgroup_started && !supervisor.cgroup_of(service.name).empty()) {
        hooks.service_cgroup_started(supervisor.cgroup_of(service.name));
      }
      if (hooks.service_ready) hooks.service_ready(service, seconds_since(started), supervisor.log_path(service.name));
    }
    if (service.monitored()) {
      try {
        monitors.start(service, supervisor.pid_of(service.name), supervisor.cgroup_of(service.name));
      } catch (const RunError& e) {
        return give_up(service, e);
      }
      if (hooks.service_monitored) hooks.service_monitored(service, monitors.source_of(service.name));
    }
  }
  return std::nullopt;
}

void stop_services(ServiceSupervisor& supervisor, ServiceMonitors& monitors, const suite::Suite& suite,
                   const SuiteRunHooks& hooks) {
  if (hooks.service_group_stopping) {
    for (pid_t group : supervisor.process_groups()) hooks.service_group_stopping(group);
  }
  if (hooks.service_cgroup_stopping) {
    for (const auto& service : suite.services) {
      if (!supervisor.cgroup_of(service.name).empty()) hooks.service_cgroup_stopping(supervisor.cgroup_of(service.name));
    }
  }
  monitors.stop();
  supervisor.stop_all();
}

bool SuiteRunResult::failed() const {
  return failed_check_count(checks) > 0 || (comparison && comparison->gate_failed);
}

SuiteRun::SuiteRun(const suite::Suite& suite, SuiteRunOptions options, Store& store)
    : suite_(suite), options_(std::move(options)), store_(store), info_(make_run_info()) {
  check_regression_metric_names(suite_);
  for (const auto* spec : select_benchmarks(suite_, options_.only)) prepared_.push_back(prepare_benchmark(*spec));
  services_ = needed_services(suite_, prepared_, !options_.only.empty());
  check_attach_targets(services_);
  ServiceProfiles(services_, "");  // `profile: true` without a usable perf: RunError before anything starts
  info_.tags = options_.tags;
  options_.gate.gated_metrics = suite_.regression.metrics;
  options_.gate.min_history = suite_.regression.min_history;
}

bool SuiteRun::stopped() const { return options_.stop != nullptr && options_.stop->load(); }

BenchmarkOutcome SuiteRun::measure(const PreparedBenchmark& prepared, const std::string& heading,
                                   const SuiteRunHooks& hooks, ServiceProfiles* profiles) {
  BenchmarkHooks benchmark_hooks;
  if (hooks.benchmark_starting) benchmark_hooks = hooks.benchmark_starting(prepared, heading);
  benchmark_hooks.stop = options_.stop;
  // The services' figures cover what is measured: from the end of the warm-up to the end.
  std::optional<ServiceMonitors::Window> window;
  if (monitors_ != nullptr && !monitors_->empty()) {
    window = monitors_->open_window();
    if (prepared.http) window->skip(std::chrono::duration<double>(prepared.http->load.warmup).count());
    if (prepared.cmd) {
      auto measuring = std::make_shared<bool>(false);
      auto progress = benchmark_hooks.cmd_progress;
      benchmark_hooks.cmd_progress = [progress, measuring, w = &*window](const cmd::RunnerProgress& p) {
        if (!p.warmup && !*measuring) {
          *measuring = true;
          w->restart();
        }
        if (progress) progress(p);
      };
    }
  }
  nlohmann::json profile_files;
  std::string profile_notes;
  if (profiles != nullptr && profiles->any() && supervisor_ != nullptr) {
    profiles->prepare(*supervisor_);
    benchmark_hooks.measured_window_started = [&] { profiles->start(); };
    benchmark_hooks.measured_window_ended = [&] { profile_files = profiles->stop(prepared.spec->name, &profile_notes); };
  }
  benchmark_hooks.run_directory = run_directory_;
  BenchmarkOutcome outcome = run_benchmark(prepared, benchmark_hooks);
  if (profiles != nullptr) profiles->discard();
  outcome.summary += profile_notes;
  if (profile_files.is_object() && !profile_files.empty()) {
    for (auto& b : outcome.benchmarks) b["profiles"] = profile_files;
  }
  if (window) {
    monitors_->close_window(*window, *prepared.spec, outcome.benchmarks);
    // Every benchmark object of one suite benchmark has the same window: one set of lines.
    if (!outcome.benchmarks.empty()) outcome.summary += service_resource_lines(outcome.benchmarks.front());
  }
  if (hooks.benchmark_finished) hooks.benchmark_finished(prepared, outcome);
  return outcome;
}

SuiteRunResult SuiteRun::run(const SuiteRunHooks& hooks) {
  SuiteRunResult result;
  result.run_directory = run_directory(options_.store_url, info_.id);
  run_directory_ = result.run_directory;
  std::error_code dir_error;
  std::filesystem::create_directories(result.run_directory, dir_error);
  if (dir_error) {
    throw RunError(fmt::format("cannot create the run folder '{}': {}", result.run_directory, dir_error.message()));
  }

  ServiceSupervisor services(result.run_directory);
  ServiceMonitors monitors;
  monitors_ = &monitors;
  struct Forget {
    ServiceMonitors*& monitors;
    ~Forget() { monitors = nullptr; }
  } forget{monitors_};
  ServiceProfiles profiles(services_, result.run_directory);  // RunError when perf cannot run: nothing started
  supervisor_ = &services;
  struct ForgetSupervisor {
    const ServiceSupervisor*& supervisor;
    ~ForgetSupervisor() { supervisor = nullptr; }
  } forget_supervisor{supervisor_};
  if (auto failed = start_services(services, monitors, services_, hooks, options_.stop)) {
    result.services_failed = true;
    std::tie(result.failure, result.failure_exit_code) = *failed;
    return result;
  }

  // The machine's speed with the services up, before the first benchmark: what a later run's
  // confirmation is held against (explain_by_machine_slowdown).
  info_.env.cpu_canary_ms = cpu_canary_ms();
  result.run_id = store_.begin_run(run_record(info_, suite_.name));
  std::vector<nlohmann::json> benchmarks;
  auto wall_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < prepared_.size() && !stopped(); ++i) {
    const auto& p = prepared_[i];
    BenchmarkOutcome outcome = measure(p, fmt::format("[{}/{}]", i + 1, prepared_.size()), hooks, &profiles);
    if (!outcome.benchmarks.empty()) {
      nlohmann::json benchmark_checks = check_thresholds(*p.spec, outcome.benchmarks);
      for (const auto& b : outcome.benchmarks) {
        store_.add_benchmark(result.run_id, b);
        benchmarks.push_back(b);
      }
      for (const auto& c : benchmark_checks) result.checks.push_back(c);
      if (hooks.benchmark_checked) hooks.benchmark_checked(benchmark_checks);
    }
    if (outcome.failure) {
      result.failure = fmt::format("benchmark '{}': {}", p.spec->name, *outcome.failure);
      result.failure_exit_code = outcome.failure_exit_code;
      break;
    }
    if (auto dead = services.exited_service()) {
      result.failure = *dead + " during the benchmarks (its log is in " + result.run_directory + ")";
      result.failure_exit_code = exit_code::kRunFailed;
      break;
    }
  }

  result.complete = !result.failure && !stopped();
  result.document = result_document(info_, benchmarks, result.checks);
  result.document["suite"] = suite_.name;
  result.document["run"]["status"] = result.complete ? "complete" : "incomplete";
  if (partial()) result.document["run"]["partial"] = true;
  // The comparison, while the services still run: a regression must reproduce in a second
  // measurement of its benchmark before it fails the gate.
  if (result.complete) {
    BaselineChoice baseline = choose_baseline(benchmarks);
    result.no_baseline_reason = baseline.none_reason;
    if (baseline.run) compare_and_confirm(*baseline.run, result, hooks);
  }

  stop_services(services, monitors, suite_, hooks);
  result.elapsed_s = seconds_since(wall_start);

  if (result.complete) store_.complete_run(result.run_id, result.checks);
  write_file_atomically(result.run_directory + "/result.json", result.document.dump(2) + "\n");
  return result;
}

BaselineChoice SuiteRun::choose_baseline(const std::vector<nlohmann::json>& measured) {
  BaselineChoice choice;
  if (options_.no_baseline) {
    choice.none_reason = "--baseline none";
  } else if (options_.baseline) {
    choice.run = options_.baseline;
  } else {
    std::vector<std::string> names;
    for (const auto& b : measured) names.push_back(b.value("name", ""));
    choice = choose_default_baseline(store_, options_.store_url, suite_, options_.baseline_branch, info_.git, names);
  }
  return choice;
}

void SuiteRun::compare_and_confirm(const BaselineRun& baseline, SuiteRunResult& result, const SuiteRunHooks& hooks) {
  compare::GateOptions gate = options_.gate;
  if (baseline.stored) {
    gate.history = baseline_history(store_, suite_.name, baseline);
    gate.require_history = true;
  }
  compare::ComparisonReport comparison = compare::compare_documents(baseline.document, result.document, gate);
  if (comparison.gate_failed) {
    auto regressed = [&](const PreparedBenchmark& p) {
      return std::any_of(comparison.rows.begin(), comparison.rows.end(), [&](const compare::ComparisonRow& row) {
        return produced_by(*p.spec, row.benchmark) && row.fails_gate();
      });
    };
    auto suspects = static_cast<std::size_t>(std::count_if(prepared_.begin(), prepared_.end(), regressed));
    if (hooks.confirming) hooks.confirming(suspects);
    std::vector<nlohmann::json> again;
    std::size_t n = 0;
    double canary_before = cpu_canary_ms();
    for (const auto& p : prepared_) {
      if (!regressed(p) || stopped()) continue;
      BenchmarkOutcome outcome = measure(p, fmt::format("[confirm {}/{}]", ++n, suspects), hooks);
      if (!outcome.interrupted) again.insert(again.end(), outcome.benchmarks.begin(), outcome.benchmarks.end());
    }
    compare::ComparisonReport second =
        compare::compare_documents(baseline.document, result_document(info_, again), gate);
    double canary_after = cpu_canary_ms();
    compare::require_confirmation(comparison, second);
    // A slowdown of the machine that held over the whole second measurement: the faster of the
    // two timings around it, against the baseline run's timing.
    double canary_now = std::min(canary_before, canary_after);
    compare::explain_by_machine_slowdown(comparison, second, [&](const std::string& benchmark) -> std::optional<double> {
      auto source = baseline.source_runs.find(benchmark);
      const nlohmann::json& run = source != baseline.source_runs.end() ? source->second : baseline.document["run"];
      const nlohmann::json* canary = nullptr;
      if (run.is_object() && run.contains("env") && run["env"].is_object() && run["env"].contains("cpu_canary_ms"))
        canary = &run["env"]["cpu_canary_ms"];
      if (canary == nullptr || !canary->is_number() || canary->get<double>() <= 0) return std::nullopt;
      return canary_now / canary->get<double>() - 1;
    });
    result.document["confirmation"] = {{"benchmarks", again},
                                       {"comparison", second.to_json()},
                                       {"cpu_canary_ms", {{"before", canary_before}, {"after", canary_after}}}};
  }
  result.document["baseline"] = baseline.label;
  result.document["comparison"] = comparison.to_json();
  result.baseline_label = baseline.label;
  result.comparison = std::move(comparison);
  result.baseline_document = baseline.document;
  if (baseline.stored) {
    for (const auto& b : baseline.document.value("benchmarks", nlohmann::json::array())) {
      const std::string name = b.value("name", "");
      auto listed = baseline.source_runs.find(name);
      const nlohmann::json run = listed != baseline.source_runs.end() ? listed->second
                                                                       : baseline.document.value("run", nlohmann::json::object());
      if (run.is_object()) result.baseline_run_ids[name] = run.value("id", "");
    }
  }
}

}  // namespace perfgate::run
