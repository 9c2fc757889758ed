// The comparison engine behind `perfgate compare A B` and the regression gate: two result
// documents (`perfgate.result/v1`) in, one verdict per benchmark and metric out. A change fails
// the gate only when the metric is gated (the default set, or GateOptions::gated_metrics), and
// its change is significant (Mann-Whitney U over the raw samples that measure that metric, at
// alpha divided by the number of gated sample series of the benchmark (Bonferroni), confirmed by
// a bootstrap interval of the ratio of medians; or, where no series measures the metric or it
// is too short, a test on the whole run's counts: count_tests.hpp), larger than the allowed
// change and, when the history of the baseline is given, outside the run-to-run variation of
// recent runs; noise alone never does. Pure library code: no I/O, no printing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::compare {

// What counts as a regression. Fractions, not percent: 0.10 allows a 10% change.
//   GateOptions options;
//   options.max_change = 0.05;
//   options.max_change_by_metric["latency_p99"] = 0.02;
struct GateOptions {
  double max_change = 0.10;
  std::map<std::string, double> max_change_by_metric;  // metric name -> allowed fraction
  double alpha = 0.05;                                 // the test's significance level
  std::uint64_t seed = 0x5eedULL;                      // the bootstrap's resampling
  std::size_t bootstrap_resamples = 2000;

  // Run-to-run variation. The samples of one run share that run's machine state (on a shared
  // or virtual machine, a process spawn can take 2 ms for a minute and 4 ms the next), so a
  // change can be significant within the run and still be what separate runs of the same code
  // do. `history[benchmark][metric]` holds the metric's values in recent runs of the baseline's
  // history, the baseline itself included. With two or more, a regression (or improvement) must
  // also fall outside their prediction interval: on the log scale,
  // mean ± t(history_alpha, K-1) · sd · sqrt(1 + 1/K) for K runs — wide with few runs, as it
  // should be. With `require_history`, a metric with fewer than two runs of history is never a
  // regression, only "noisy" (perfgate run, whose store can say); without it (compare A B on two
  // files) the samples of the two runs decide alone.
  std::map<std::string, std::map<std::string, std::vector<double>>> history;
  bool require_history = false;
  double history_alpha = 0.01;
  // With require_history, the runs of history a regression needs: 2 (the default) for a
  // prediction interval; 1 (`regression: {min_history: 1}`) gates against the baseline alone.
  std::size_t min_history = 2;

  // The metrics that can fail the gate; every other one is compared and shown, never gating.
  // Empty: the default set (gated_by_default). Names not of any benchmark simply gate nothing.
  std::vector<std::string> gated_metrics;

  double max_change_for(const std::string& metric) const;
};

enum class Verdict { improved, regressed, unchanged, noisy };
std::string_view to_string(Verdict verdict);

struct ComparisonRow {
  std::string benchmark;
  std::string metric;
  std::string unit;
  std::string better;  // "lower" or "higher"
  double baseline = 0;
  double current = 0;
  std::optional<double> change_pct;  // signed, relative to the baseline; none when the baseline is 0
  double allowed_change_pct = 0;
  std::string samples;  // what was tested, e.g. "per-run wall times", or "no samples"
  std::size_t baseline_sample_count = 0;
  std::size_t current_sample_count = 0;
  std::optional<double> p_value;  // two-sided Mann-Whitney U; none when no test was possible
  std::optional<double> ci_low;   // bootstrap interval of median(current) / median(baseline)
  std::optional<double> ci_high;
  Verdict verdict = Verdict::unchanged;
  std::string reason;  // one sentence a reader of the report can act on
  bool gated = true;   // false: shown, but its verdict never fails the gate

  // Regressed on a gated metric: what fails the gate.
  bool fails_gate() const { return gated && verdict == Verdict::regressed; }
};

struct ComparisonReport {
  std::vector<ComparisonRow> rows;
  std::vector<std::string> only_in_baseline;  // benchmark names
  std::vector<std::string> only_in_current;
  std::vector<std::string> notes;  // skipped metrics, invalid or duplicate benchmarks
  bool gate_failed = false;        // some gated row regressed

  std::size_t count(Verdict verdict) const;  // every row, gated or not
  std::size_t gate_failures() const;         // the rows that fail the gate (gated and regressed)
  // {"gate_failed", "counts", "rows": [...], "only_in_baseline", "only_in_current", "notes"};
  // values that are not finite or absent are written as null.
  nlohmann::json to_json() const;
};

// The metrics that gate unless a suite chooses (regression.metrics): for http benchmarks
// latency_p50, latency_p99, throughput and error_rate; for cmd wall_mean and wall_median; for an
// ingested benchmark its mean and median (the metrics its samples stand behind, or named *_mean,
// *_median, mean, median). min, max, stddev and the rest are shown, not gated: they follow single
// requests or runs and would raise noise. Of a monitored service's metrics SERVICE.rss_max gates,
// and SERVICE.cpu_pct_mean in the open model (config.rate set: the work is fixed, so more CPU is
// a higher cost; in the closed model a faster service uses more CPU because it serves more);
// cpu_pct_max, threads_max and fds_max are single samples: shown, not gated.
bool gated_by_default(const nlohmann::json& benchmark, std::string_view metric);

// Every metric name perfgate's own engines write (http and cmd), for "did you mean" on a misspelt one.
const std::vector<std::string>& known_metric_names();

// Throws UsageError "WHERE: unknown metric 'wall_maen', did you mean 'wall_mean'?" unless `name`
// is one of known_metric_names() or `also_known` (the metrics of the documents at hand).
void check_metric_name(const std::string& where, const std::string& name, const std::vector<std::string>& also_known);

// Compares every benchmark present in both documents (matched by name) on every metric of the
// current benchmark that the baseline also has, in the current document's order.
// Throws UsageError when either document is not a `perfgate.result/v1` document or the options
// are out of range.
//   auto report = compare_documents(baseline_doc, current_doc, GateOptions{});
//   if (report.gate_failed) return exit_code::kGateFailed;
ComparisonReport compare_documents(const nlohmann::json& baseline, const nlohmann::json& current,
                                   const GateOptions& options = {});

// A regression must reproduce: `perfgate run` measures the regressed benchmarks a second time
// (services still up) and compares that with the same baseline. Each row of `first` that
// regressed stays regressed only when the same benchmark and metric regressed in `second`
// too; otherwise it becomes noisy, saying what the second measurement showed. A passing
// disturbance of the machine (another job for a few seconds) rarely hits both. Rows of
// benchmarks `second` did not measure are left as they are. gate_failed is recomputed.
void require_confirmation(ComparisonReport& first, const ComparisonReport& second);

// A regression the machine itself explains. A disturbance that lasts minutes (a neighbour on a
// shared host, a thermal or power limit) survives the second measurement; core/cpu_canary times
// a fixed CPU loop then. `slowdown(benchmark)` is how much slower that loop ran than when the
// benchmark's baseline was measured (0.5: 50% longer; nullopt: not known). A confirmed
// regression of a time or rate metric becomes noisy, saying so, when the machine was slower by
// more than the allowed change and, the slowdown taken out, neither measurement's change exceeds
// the allowed one. A real regression on a slowed machine still fails. gate_failed is recomputed.
void explain_by_machine_slowdown(ComparisonReport& first, const ComparisonReport& second,
                                 const std::function<std::optional<double>(const std::string& benchmark)>& slowdown);

}  // namespace perfgate::compare
