// A soak run (`perfgate run SUITE --soak 24h --checkpoint 30m`, or the suite's `soak:`): the
// selected load benchmarks run at the same time for the whole duration (a mixed workload) while
// the monitored services are sampled. At every checkpoint one JSON line per benchmark, the
// figures of that interval only, goes to runs/RUN/checkpoints.jsonl (one write() per line) and
// to the store; each benchmark streams an HdrHistogram interval log (runs/RUN/BENCH.hlog, one
// interval a second). At the end: the whole-soak benchmarks, the leak verdict per monitored
// service and the drift verdict of each benchmark's per-checkpoint p95. Nothing grows with the
// duration but the resource samples and one p95 per checkpoint.
//
//   SoakRun soak(suite, options, settings, *store);     // bad input throws UsageError
//   SoakResult result = soak.run(hooks, soak_hooks);
//   return result.exit_code();                          // 0, 1 leak or drift, 3 a service died, 130
//
// Knows nothing about the terminal: checkpoints are told through SoakHooks.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/units.hpp"
#include "run/suite_run.hpp"
#include "store/store.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

struct SoakSettings {
  Nanos duration{0};
  Nanos checkpoint{0};                        // a whole number of seconds
  double leak_threshold_bytes_per_h = 1 << 20;  // RSS growth allowed (threads and fds: none)
  bool warn_on_leak = false;
  bool warn_on_drift = false;
};

// The suite's `soak:` with --soak/--checkpoint over it; nullopt when neither asks for a soak.
// The checkpoint defaults to a tenth of the duration. Throws UsageError naming the flag or key.
std::optional<SoakSettings> soak_settings(const suite::Suite& suite, const std::optional<Nanos>& duration_flag,
                                          const std::optional<Nanos>& checkpoint_flag);

// One checkpoint: the lines of every benchmark for the same interval.
struct SoakCheckpoint {
  std::size_t number = 0;          // 1, 2, ...
  double t_s = 0;                  // end of the interval, seconds into the soak
  double total_s = 0;              // the planned duration
  std::vector<nlohmann::json> lines;  // as written to checkpoints.jsonl
};

struct SoakHooks {
  std::function<void(const std::string& benchmark, const std::string& skipped_why)> benchmark_skipped;
  std::function<void(std::size_t benchmarks, double total_s, const std::string& run_directory)> started;
  std::function<void(const SoakCheckpoint&)> checkpoint;
};

struct SoakResult {
  std::string run_id;
  std::string run_directory;
  nlohmann::json document;     // perfgate.result/v1 with the whole-soak benchmarks and `soak`
  nlohmann::json soak;         // summary and verdicts (also document["soak"])
  nlohmann::json checks = nlohmann::json::array();
  bool interrupted = false;
  std::optional<std::string> failure;  // a service died, a target was unreachable
  int failure_exit_code = 0;
  bool services_failed = false;        // a service did not start: nothing was stored
  bool leak_failed = false;            // a leak, with on_leak: fail
  bool drift_failed = false;
  bool checks_failed = false;

  // 3 a service died (or did not start), 130 interrupted, 1 leak, drift or a threshold, else 0.
  int exit_code() const;
};

class SoakRun {
 public:
  // Selects the benchmarks as a suite run does (--only); only load benchmarks (http, exec, sse) soak, the
  // others are skipped. Throws UsageError when none is left. `suite` and `store` outlive it.
  SoakRun(const suite::Suite& suite, SuiteRunOptions options, SoakSettings settings, Store& store);

  const std::string& run_id() const { return selection_.run_id(); }
  // The name the run is stored under: "SUITE/soak", so soaks never become a CI run's baseline.
  std::string stored_suite_name() const { return suite_.name + "/soak"; }

  SoakResult run(const SuiteRunHooks& hooks, const SoakHooks& soak_hooks);

 private:
  const suite::Suite& suite_;
  SuiteRunOptions options_;
  SoakSettings settings_;
  Store& store_;
  SuiteRun selection_;
};

// The drift verdict of one benchmark from its per-checkpoint p95 (ms) at times t_s (end of each
// checkpoint): a significant upward trend (the slope's whole 95% interval above 0) that changes
// the p95 by more than `max_change` (a fraction of its mean) over `span_s`. Fewer than 5
// checkpoints are not judged (the trend has no interval then).
//   {"checkpoints": n, "judged": bool, "slope_ms_per_h", "ci95": [lo, hi], "change": fraction,
//    "max_change": fraction, "drifting": bool}
nlohmann::json drift_verdict(const std::vector<double>& t_s, const std::vector<double>& p95_ms, double span_s,
                             double max_change);

}  // namespace perfgate::run
