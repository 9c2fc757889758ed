// The comparison engine behind `perfgate compare A B` and the regression gate: two result
// documents (`perfgate.result/v1`) in, one verdict per benchmark and metric out. A change fails
// the gate only when it is both significant (Mann-Whitney U over the raw samples at alpha divided
// by the number of sample series a benchmark tests (Bonferroni), confirmed by a
// bootstrap interval of the ratio of medians) and larger than the allowed change; noise alone
// never does. Pure library code: no I/O, no printing.
#pragma once

#include <cstddef>
#include <cstdint>
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
};

struct ComparisonReport {
  std::vector<ComparisonRow> rows;
  std::vector<std::string> only_in_baseline;  // benchmark names
  std::vector<std::string> only_in_current;
  std::vector<std::string> notes;  // skipped metrics, invalid or duplicate benchmarks
  bool gate_failed = false;        // some row regressed

  std::size_t count(Verdict verdict) const;
  // {"gate_failed", "counts", "rows": [...], "only_in_baseline", "only_in_current", "notes"};
  // values that are not finite or absent are written as null.
  nlohmann::json to_json() const;
};

// Compares every benchmark present in both documents (matched by name) on every metric of the
// current benchmark that the baseline also has, in the current document's order.
// Throws UsageError when either document is not a `perfgate.result/v1` document or the options
// are out of range.
//   auto report = compare_documents(baseline_doc, current_doc, GateOptions{});
//   if (report.gate_failed) return exit_code::kGateFailed;
ComparisonReport compare_documents(const nlohmann::json& baseline, const nlohmann::json& current,
                                   const GateOptions& options = {});

}  // namespace perfgate::compare
