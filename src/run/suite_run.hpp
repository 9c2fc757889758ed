// A suite run from the first service to the verdict: the benchmarks selected and prepared, the
// services started, each benchmark measured and checked and stored as it finishes, the run
// compared with its baseline (a regression measured a second time before it counts), the
// services stopped and the run marked complete. Knows nothing about the terminal, flags or
// signals: what it has to say goes through SuiteRunHooks, and it stops early when *stop is set.
//
//   SuiteRun run(suite, options, *store);                 // bad input throws UsageError: nothing started
//   SuiteRunResult result = run.run(hooks);
//   if (!result.complete) ...                             // result.failure, or interrupted
//   write_file_atomically(path, result.document.dump(2));
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"
#include "core/result_document.hpp"
#include "run/baseline_selector.hpp"
#include "run/service_profiles.hpp"
#include "run/suite_benchmark.hpp"
#include "store/store.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

class ServiceMonitors;

struct SuiteRunOptions {
  std::vector<std::string> only;            // globs of benchmark names; empty: all
  std::map<std::string, std::string> tags;  // stored with the run
  std::string store_url;                    // where `store` lives: the run folder goes next to it
  compare::GateOptions gate;                // max_change and per-metric overrides; the history is filled in
  bool no_baseline = false;                 // --baseline none
  std::optional<BaselineRun> baseline;      // --baseline RUN|REF|FILE, resolved by the caller
  std::string baseline_branch;              // "" : the suite's regression.baseline_branch
  const std::atomic<bool>* stop = nullptr;  // set (SIGINT): finish early, keep what was measured
};

// What a run reports while it goes. Every hook may be empty.
struct SuiteRunHooks {
  std::function<void(const suite::ServiceSpec&, double seconds, const std::string& log_path)> service_ready;
  // A monitored service is being sampled: "process tree of pid 12", "cgroup /sys/fs/cgroup/…".
  std::function<void(const suite::ServiceSpec&, const std::string& source)> service_monitored;
  // Once, when services cannot be contained in cgroups: why, and what may escape the stop.
  std::function<void(const std::string& warning)> service_containment_warning;
  // Process groups of services: started (kill them should perfgate be forced out) and stopping.
  std::function<void(pid_t)> service_group_started;
  std::function<void(pid_t)> service_group_stopping;
  // Their cgroups (when perfgate could create them), likewise: a forced exit kills all they hold.
  std::function<void(const std::string& cgroup)> service_cgroup_started;
  std::function<void(const std::string& cgroup)> service_cgroup_stopping;
  // A benchmark starts ("[2/5]" or "[confirm 1/1]"); returns the hooks for its progress.
  std::function<BenchmarkHooks(const PreparedBenchmark&, const std::string& heading)> benchmark_starting;
  std::function<void(const PreparedBenchmark&, const BenchmarkOutcome&)> benchmark_finished;
  std::function<void(const nlohmann::json& checks)> benchmark_checked;  // in the first measurement only
  std::function<void(std::size_t suspects)> confirming;                // regressed benchmarks measured again
};

struct SuiteRunResult {
  std::string run_id;
  std::string run_directory;  // service logs and result.json
  bool complete = false;      // stored complete; a candidate baseline
  // Why the run stopped: "benchmark 'x': cannot connect to …", "service 'api' exited …", or a
  // service that did not start ("suite.yaml:4:5: …": then nothing was stored). None when interrupted.
  std::optional<std::string> failure;
  int failure_exit_code = 0;
  bool services_failed = false;  // a service did not start: no run was stored
  nlohmann::json document;       // perfgate.result/v1, with the comparison and confirmation
  nlohmann::json checks = nlohmann::json::array();
  std::optional<compare::ComparisonReport> comparison;
  std::string baseline_label;      // when compared
  nlohmann::json baseline_document;                     // when compared: what it was compared with
  std::map<std::string, std::string> baseline_run_ids;  // benchmark -> the stored run it was compared with
  std::string no_baseline_reason;  // when not
  double elapsed_s = 0;            // from the first benchmark to the services stopped

  // A threshold or the regression gate failed.
  bool failed() const;
};

class SuiteRun {
 public:
  // Selects (--only) and prepares the benchmarks and the services they need, and checks the
  // metric names of `regression:` and the `attach:` targets of services perfgate does not start
  // (a pid that is not running, a missing pid file or cgroup). Throws UsageError for anything wrong with the input, before
  // anything starts. The default baseline is chosen per benchmark once they are measured. `suite` and `store` must outlive it.
  SuiteRun(const suite::Suite& suite, SuiteRunOptions options, Store& store);

  const std::string& run_id() const { return info_.id; }
  std::size_t benchmark_count() const { return prepared_.size(); }
  // Some benchmarks of the suite are left out (--only): the run is stored, and is a baseline only
  // for the benchmarks it ran.
  bool partial() const { return prepared_.size() < suite_.benchmarks.size(); }
  // The services that start: all of them, but with --only those the selected benchmarks `needs:`
  // (a selected benchmark without `needs:` needs them all).
  const std::vector<const suite::ServiceSpec*>& services() const { return services_; }
  // The selected benchmarks, prepared, and the run's identity (a soak run drives them itself).
  const std::vector<PreparedBenchmark>& benchmarks() const { return prepared_; }
  const RunInfo& info() const { return info_; }

  // Runs it; the services are stopped on every way out. Throws RunError when the run folder or
  // the store cannot be written.
  SuiteRunResult run(const SuiteRunHooks& hooks);

 private:
  bool stopped() const;
  // `profiles`: set for the first measurement of a benchmark (a confirmation keeps its files).
  BenchmarkOutcome measure(const PreparedBenchmark& prepared, const std::string& heading, const SuiteRunHooks& hooks,
                           ServiceProfiles* profiles = nullptr);
  BaselineChoice choose_baseline(const std::vector<nlohmann::json>& measured);
  void compare_and_confirm(const BaselineRun& baseline, SuiteRunResult& result, const SuiteRunHooks& hooks);

  const suite::Suite& suite_;
  SuiteRunOptions options_;
  Store& store_;
  RunInfo info_;
  std::string run_directory_;  // set by run(): where exec workers' stderr go
  std::vector<PreparedBenchmark> prepared_;
  std::vector<const suite::ServiceSpec*> services_;
  ServiceMonitors* monitors_ = nullptr;  // while run() runs
  const ServiceSupervisor* supervisor_ = nullptr;  // while run() runs
};

class ServiceSupervisor;

// Starts the services perfgate starts, in order, and samples the monitored ones (`monitor:`,
// `attach:`), telling `hooks` about each. When one does not start or cannot be sampled, stops
// what started and returns why ("suite.yaml:4:5: service 'api' …") with the exit code (3, or
// 130 when *stop was set meanwhile).
std::optional<std::pair<std::string, int>> start_services(ServiceSupervisor& supervisor, ServiceMonitors& monitors,
                                                          const std::vector<const suite::ServiceSpec*>& services,
                                                          const SuiteRunHooks& hooks, const std::atomic<bool>* stop);
// Tells `hooks` that the services stop, stops sampling them, and stops them.
void stop_services(ServiceSupervisor& supervisor, ServiceMonitors& monitors, const suite::Suite& suite,
                   const SuiteRunHooks& hooks);

// Service logs and result.json of run ID: next to a SQLite store, else under .perfgate/.
std::string run_directory(const std::string& store_url, const std::string& run_id);

}  // namespace perfgate::run
