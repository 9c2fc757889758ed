// The comparison engine and the regression gate's verdicts; see comparison.hpp.
#include "compare/comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "compare/bootstrap.hpp"
#include "compare/count_tests.hpp"
#include "compare/sample_series.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/statistics.hpp"
#include "core/suggestion.hpp"

namespace perfgate::compare {
namespace {

using nlohmann::json;

// Below three samples a side, no rank test can reach p < 0.05, so it is not worth pretending.
constexpr std::size_t kMinSamplesForTest = 3;

struct MetricEntry {
  std::string name;
  double value = 0;
  std::string unit;
  std::string better;
};

// What the samples behind one series say; shared by every metric that rests on that series.
struct SeriesTest {
  std::size_t baseline_count = 0;
  std::size_t current_count = 0;
  bool tested = false;
  double p_value = 1;
  std::optional<RatioInterval> ratio;
  std::optional<bool> current_up;  // a count test's direction (it has no ratio interval)
  std::string samples;             // what was tested, when not the series itself
};

void validate(const GateOptions& options) {
  auto check_fraction = [](double fraction, const std::string& what) {
    if (!std::isfinite(fraction) || fraction < 0) {
      throw UsageError(fmt::format("{}: expected a change of 0% or more, got {}", what, fraction));
    }
  };
  check_fraction(options.max_change, "max_change");
  for (const auto& [metric, fraction] : options.max_change_by_metric)
    check_fraction(fraction, "max_change for " + metric);
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw UsageError(fmt::format("alpha: expected a significance level between 0 and 1, got {}", options.alpha));
  }
  if (options.bootstrap_resamples == 0) throw UsageError("bootstrap_resamples: expected at least 1");
  if (!(options.history_alpha > 0 && options.history_alpha < 1)) {
    throw UsageError(fmt::format("history_alpha: expected a level between 0 and 1, got {}", options.history_alpha));
  }
}

const json& benchmarks_of(const json& document, std::string_view side) {
  if (!document.is_object()) throw UsageError(fmt::format("{} document: expected a JSON object", side));
  auto schema = document.find("schema");
  if (schema == document.end() || !schema->is_string() || schema->get<std::string>() != kResultSchema) {
    throw UsageError(fmt::format("{} document: expected \"schema\": \"{}\"", side, kResultSchema));
  }
  auto benchmarks = document.find("benchmarks");
  if (benchmarks == document.end() || !benchmarks->is_array()) {
    throw UsageError(fmt::format("{} document: expected a \"benchmarks\" array", side));
  }
  return *benchmarks;
}

// Benchmarks by name, in document order; the first of duplicates wins and the rest are noted.
std::vector<std::pair<std::string, const json*>> named_benchmarks(const json& list, std::string_view side,
                                                                  std::vector<std::string>& notes) {
  std::vector<std::pair<std::string, const json*>> named;
  std::set<std::string> seen;
  for (const auto& benchmark : list) {
    auto name = benchmark.is_object() ? benchmark.find("name") : benchmark.end();
    if (!benchmark.is_object() || name == benchmark.end() || !name->is_string()) {
      notes.push_back(fmt::format("{}: a benchmark without a name was skipped", side));
      continue;
    }
    if (!seen.insert(name->get<std::string>()).second) {
      notes.push_back(
          fmt::format("{}: benchmark \"{}\" appears twice; the first was compared", side, name->get<std::string>()));
      continue;
    }
    named.emplace_back(name->get<std::string>(), &benchmark);
  }
  return named;
}

const json* find_named(const std::vector<std::pair<std::string, const json*>>& named, const std::string& name) {
  for (const auto& [n, benchmark] : named) {
    if (n == name) return benchmark;
  }
  return nullptr;
}

std::string text_field(const json& object, const char* key) {
  auto field = object.find(key);
  return field != object.end() && field->is_string() ? field->get<std::string>() : std::string();
}

// The metrics list, keeping only entries a comparison can use; the rest become notes.
std::vector<MetricEntry> metrics_of(const json& benchmark, const std::string& benchmark_name, std::string_view side,
                                    std::vector<std::string>& notes) {
  std::vector<MetricEntry> metrics;
  auto list = benchmark.find("metrics");
  if (list == benchmark.end() || !list->is_array()) return metrics;
  for (const auto& m : *list) {
    if (!m.is_object()) continue;
    MetricEntry entry{text_field(m, "name"), 0, text_field(m, "unit"), text_field(m, "better")};
    auto value = m.find("value");
    if (entry.name.empty()) continue;
    if (value == m.end() || !value->is_number() || !std::isfinite(value->get<double>())) {
      notes.push_back(
          fmt::format("{} / {}: the {} value is not a number; not compared", benchmark_name, entry.name, side));
      continue;
    }
    if (entry.better != "lower" && entry.better != "higher") {
      notes.push_back(fmt::format("{} / {}: the {} side does not say whether lower or higher is better; not compared",
                                  benchmark_name, entry.name, side));
      continue;
    }
    entry.value = value->get<double>();
    metrics.push_back(entry);
  }
  return metrics;
}

void note_if_invalid(const json& benchmark, const std::string& name, std::string_view side,
                     std::vector<std::string>& notes) {
  auto valid = benchmark.find("valid");
  if (valid == benchmark.end() || !valid->is_boolean() || valid->get<bool>()) return;
  std::string why = text_field(benchmark, "invalid_reason");
  notes.push_back(fmt::format("{}: the {} result is marked invalid{}{}", name, side, why.empty() ? "" : ": ", why));
}

// FNV-1a: a stable hash, so the bootstrap of a given benchmark and series draws the same
// resamples on every machine and in every order of comparison.
std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

SeriesTest test_series(const json& baseline, const json& current, SampleSeries series, const std::string& metric,
                       const std::string& benchmark_name, const GateOptions& options) {
  std::vector<double> before = extract_series(baseline, series, metric);
  std::vector<double> after = extract_series(current, series, metric);
  SeriesTest test;
  test.baseline_count = before.size();
  test.current_count = after.size();
  if (series == SampleSeries::none || before.size() < kMinSamplesForTest || after.size() < kMinSamplesForTest) {
    return test;
  }
  test.tested = true;
  test.p_value = stats::mann_whitney_u(before, after).p_value;
  std::uint64_t seed = options.seed ^ stable_hash(benchmark_name + '\0' + std::string(describe(series)));
  test.ratio = bootstrap_ratio_of_medians(before, after, options.bootstrap_resamples, 1 - options.alpha, seed);
  return test;
}

// Relative change of the metric; +-infinity when a zero baseline became non-zero.
double relative_change(double baseline, double current) {
  if (baseline == current) return 0;
  if (baseline == 0)
    return current > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  return (current - baseline) / std::abs(baseline);
}

std::string percent(double fraction) {
  if (std::isinf(fraction)) return fraction > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.1f}%", fraction * 100);
}

// The smallest two-sided p a rank test can give with n and m samples: every one of one side
// below every one of the other, 2 / C(n + m, n).
double smallest_rank_test_p(std::size_t n, std::size_t m) {
  const std::size_t k = std::min(n, m);
  double combinations = 1;  // C(n + m, k), built up as C(n + m - k + i, i)
  for (std::size_t i = 1; i <= k; ++i) combinations = combinations * static_cast<double>(n + m - k + i) / static_cast<double>(i);
  return std::min(1.0, 2 / combinations);
}

// The series cannot judge the metric (latency_p999), or has too few seconds for its rank test
// to reach the level (a short benchmark): the whole run's counts can (count_tests.hpp).
SeriesTest with_count_test(const SeriesTest& series_test, SampleSeries series, const std::string& metric,
                           const json& baseline, const json& current, const GateOptions& options) {
  bool weak = !series_test.tested ||
              smallest_rank_test_p(series_test.baseline_count, series_test.current_count) >= options.alpha;
  if (series != SampleSeries::latency_histogram && series != SampleSeries::callback_histogram && !weak) {
    return series_test;
  }
  auto count = count_test_for(metric, baseline, current);
  if (!count) return series_test;
  SeriesTest test;
  test.tested = true;
  test.p_value = count->p_value;
  test.current_up = count->current_up;
  test.baseline_count = static_cast<std::size_t>(count->baseline_total);
  test.current_count = static_cast<std::size_t>(count->current_total);
  test.samples = count->samples;
  return test;
}

std::string evidence(const SeriesTest& test) {
  std::string text = fmt::format("p={:.3g}", test.p_value);
  if (test.ratio) text += fmt::format(", ratio of medians {:.3f}..{:.3f}", test.ratio->low, test.ratio->high);
  return text;
}

// The prediction interval of the metric in one more run, from its values in recent runs.
struct HistoryBand {
  std::size_t runs = 0;
  bool log_scale = true;  // all values positive: performance varies by factors, not amounts
  double low = 0;
  double high = 0;

  bool contains(double value) const {
    if (log_scale) {
      if (!(value > 0)) return false;
      value = std::log(value);
    }
    return value >= low && value <= high;
  }
  std::string describe() const {
    if (log_scale) return fmt::format("{:.4g}..{:.4g}", std::exp(low), std::exp(high));
    return fmt::format("{:.4g}..{:.4g}", low, high);
  }
};

HistoryBand history_band(const ComparisonRow& row, const GateOptions& options) {
  HistoryBand band;
  auto benchmark = options.history.find(row.benchmark);
  if (benchmark == options.history.end()) return band;
  auto metric = benchmark->second.find(row.metric);
  if (metric == benchmark->second.end()) return band;
  std::vector<double> values;
  for (double v : metric->second) {
    if (std::isfinite(v)) values.push_back(v);
  }
  band.runs = values.size();
  if (band.runs < 2) return band;
  band.log_scale = std::all_of(values.begin(), values.end(), [](double v) { return v > 0; });
  if (band.log_scale) {
    for (double& v : values) v = std::log(v);
  }
  stats::Summary summary = stats::summarize(values);
  auto k = static_cast<double>(values.size());
  double half_width = stats::student_t_critical(options.history_alpha, k - 1) * summary.stddev * std::sqrt(1 + 1 / k);
  band.low = summary.mean - half_width;
  band.high = summary.mean + half_width;
  return band;
}

void decide(ComparisonRow& row, double change, double allowed, const SeriesTest& test, const GateOptions& options) {
  bool exceeds = std::abs(change) > allowed;
  bool worse = row.better == "higher" ? change < 0 : change > 0;
  std::string size = fmt::format("{} against an allowed {:.1f}%", percent(change), allowed * 100);
  if (!test.tested) {
    std::string why = row.samples == describe(SampleSeries::none)
                          ? std::string("no samples for this metric")
                          : fmt::format("no samples to test: {} and {} {}, at least {} a side needed",
                                        test.baseline_count, test.current_count, row.samples, kMinSamplesForTest);
    row.verdict = exceeds ? Verdict::noisy : Verdict::unchanged;
    row.reason = fmt::format("{}; {}{}", why, size, exceeds ? ", cannot tell from noise" : "");
    return;
  }
  // With a ratio interval, significance needs both: the rank test and an interval clear of 1.
  bool significant = test.p_value < options.alpha && (!test.ratio || test.ratio->excludes_one());
  bool counter_direction = (test.ratio && (test.ratio->low > 1) != (change > 0)) ||
                           (test.current_up && *test.current_up != (change > 0));
  if (significant && exceeds && counter_direction) {
    row.verdict = Verdict::noisy;
    row.reason = fmt::format("the metric moved {} but the {} moved the other way ({})", percent(change), row.samples,
                             evidence(test));
  } else if (significant && exceeds) {
    HistoryBand band = history_band(row, options);
    if (band.runs < options.min_history && options.require_history) {
      row.verdict = Verdict::noisy;
      row.reason = fmt::format("significant within the run ({}) and {}, but with {} run{} of history the run-to-run "
                               "variation is unknown ({} needed; regression.min_history: 1 gates on the baseline alone)",
                               evidence(test), size, band.runs, band.runs == 1 ? "" : "s", options.min_history);
    } else if (band.runs >= 2 && band.contains(row.current)) {
      row.verdict = Verdict::noisy;
      row.reason = fmt::format("significant within the run ({}) and {}, but within the run-to-run variation of the "
                               "last {} runs ({})",
                               evidence(test), size, band.runs, band.describe());
    } else {
      row.verdict = worse ? Verdict::regressed : Verdict::improved;
      row.reason = fmt::format("significant ({}) and {}{}", evidence(test), size,
                               band.runs >= 2 ? fmt::format(", outside the variation of the last {} runs ({})",
                                                            band.runs, band.describe())
                                              : "");
    }
  } else if (exceeds) {
    row.verdict = Verdict::noisy;
    row.reason = fmt::format("not significant ({}); {}, cannot tell from noise", evidence(test), size);
    // Rank tests on few samples cannot reach the level at all, however large the change: say so,
    // or the user waits for a significance that cannot come.
    double best_p = smallest_rank_test_p(test.baseline_count, test.current_count);
    if (best_p >= options.alpha) {
      row.reason += fmt::format(" (with {} and {} samples of the {} the test cannot go below p={:.3g}: measure longer or "
                                "more runs)",
                                test.baseline_count, test.current_count, row.samples, best_p);
    }
  } else {
    row.verdict = Verdict::unchanged;
    row.reason = fmt::format("{} ({}); {}", significant ? "significant" : "not significant", evidence(test), size);
  }
}

ComparisonRow compare_metric(const std::string& benchmark_name, const MetricEntry& before, const MetricEntry& after,
                             const SeriesTest& test, SampleSeries series, const GateOptions& options) {
  ComparisonRow row;
  row.benchmark = benchmark_name;
  row.metric = after.name;
  row.unit = after.unit.empty() ? before.unit : after.unit;
  row.better = after.better;
  row.baseline = before.value;
  row.current = after.value;
  double change = relative_change(before.value, after.value);
  if (std::isfinite(change)) row.change_pct = change * 100;
  double allowed = options.max_change_for(after.name);
  row.allowed_change_pct = allowed * 100;
  row.samples = test.samples.empty() ? std::string(describe(series)) : test.samples;
  row.baseline_sample_count = test.baseline_count;
  row.current_sample_count = test.current_count;
  if (test.tested) row.p_value = test.p_value;
  if (test.ratio) {
    row.ci_low = test.ratio->low;
    row.ci_high = test.ratio->high;
  }
  decide(row, change, allowed, test, options);
  return row;
}

bool is_gated(const json& benchmark, const std::string& metric, const GateOptions& options) {
  if (options.gated_metrics.empty()) return gated_by_default(benchmark, metric);
  return std::find(options.gated_metrics.begin(), options.gated_metrics.end(), metric) != options.gated_metrics.end();
}

json number_or_null(std::optional<double> value) {
  return value && std::isfinite(*value) ? json(*value) : json(nullptr);
}

}  // namespace

bool gated_by_default(const json& benchmark, std::string_view metric) {
  if (!service_of_metric(metric).empty()) {
    if (metric.ends_with(".rss_max")) return true;
    // Under a fixed arrival rate the work is fixed and CPU is its cost; in the closed model a
    // faster service serves more and so uses more CPU, and a rise is as often the improvement.
    auto config = benchmark.is_object() ? benchmark.find("config") : benchmark.end();
    bool open_model = benchmark.is_object() && config != benchmark.end() && config->is_object() &&
                      config->contains("rate") && (*config)["rate"].is_number();
    return metric.ends_with(".cpu_pct_mean") && open_model;
  }
  std::string kind = benchmark.is_object() ? text_field(benchmark, "kind") : std::string();
  if (kind == "cmd") return metric == "wall_mean" || metric == "wall_median";
  if (kind == "sse") return metric == "delivery_p50" || metric == "delivery_p99" || metric == "throughput";
  if (kind == "ingested") {
    if (series_for(benchmark, metric) == SampleSeries::ingested_values) return true;
    return metric == "mean" || metric == "median" || metric.ends_with("_mean") || metric.ends_with("_median");
  }
  return metric == "latency_p50" || metric == "latency_p99" || metric == "throughput" || metric == "error_rate";
}

const std::vector<std::string>& known_metric_names() {
  static const std::vector<std::string> names{
      "throughput",   "error_rate",  "latency_min", "latency_mean", "latency_p50", "latency_p90",
      "latency_p95",  "latency_p99", "latency_p999", "latency_max", "wall_mean",   "wall_median",
      "wall_stddev",  "wall_min",    "wall_max",    "user_mean",   "sys_mean",    "rss_max",
      "delivery_p50", "delivery_p90", "delivery_p95", "delivery_p99", "delivery_max", "events_received",
      "events_lost",  "events_lost_ratio", "events_duplicate", "connect_p99", "reconnects"};
  return names;
}

void check_metric_name(const std::string& where, const std::string& name, const std::vector<std::string>& also_known) {
  std::vector<std::string> names = known_metric_names();
  names.insert(names.end(), also_known.begin(), also_known.end());
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  std::string hint = did_you_mean(name, names);
  if (hint.empty()) hint = fmt::format(" (perfgate's metrics: {})", join_names(known_metric_names()));
  throw UsageError(fmt::format("{}: unknown metric '{}'{}", where, name, hint));
}

double GateOptions::max_change_for(const std::string& metric) const {
  auto override_for_metric = max_change_by_metric.find(metric);
  return override_for_metric != max_change_by_metric.end() ? override_for_metric->second : max_change;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::improved:
      return "improved";
    case Verdict::regressed:
      return "regressed";
    case Verdict::unchanged:
      return "unchanged";
    case Verdict::noisy:
      return "noisy";
  }
  return "unchanged";
}

std::size_t ComparisonReport::count(Verdict verdict) const {
  std::size_t n = 0;
  for (const auto& row : rows) n += row.verdict == verdict ? 1 : 0;
  return n;
}

std::size_t ComparisonReport::gate_failures() const {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const ComparisonRow& r) { return r.fails_gate(); }));
}

json ComparisonReport::to_json() const {
  json list = json::array();
  for (const auto& r : rows) {
    list.push_back({{"benchmark", r.benchmark},
                    {"metric", r.metric},
                    {"unit", r.unit},
                    {"better", r.better},
                    {"baseline", number_or_null(r.baseline)},
                    {"current", number_or_null(r.current)},
                    {"change_pct", number_or_null(r.change_pct)},
                    {"allowed_change_pct", number_or_null(r.allowed_change_pct)},
                    {"samples", r.samples},
                    {"baseline_samples", r.baseline_sample_count},
                    {"current_samples", r.current_sample_count},
                    {"test", r.p_value ? json("mann-whitney-u") : json(nullptr)},
                    {"p_value", number_or_null(r.p_value)},
                    {"ci_low", number_or_null(r.ci_low)},
                    {"ci_high", number_or_null(r.ci_high)},
                    {"verdict", std::string(to_string(r.verdict))},
                    {"gated", r.gated},
                    {"reason", r.reason}});
  }
  json counts = json::object();
  for (Verdict v : {Verdict::improved, Verdict::regressed, Verdict::unchanged, Verdict::noisy}) {
    counts[std::string(to_string(v))] = count(v);
  }
  return {
      {"gate_failed", gate_failed},         {"counts", counts}, {"rows", list}, {"only_in_baseline", only_in_baseline},
      {"only_in_current", only_in_current}, {"notes", notes}};
}

ComparisonReport compare_documents(const json& baseline, const json& current, const GateOptions& options) {
  validate(options);
  ComparisonReport report;
  auto before_list = named_benchmarks(benchmarks_of(baseline, "baseline"), "baseline", report.notes);
  auto after_list = named_benchmarks(benchmarks_of(current, "current"), "current", report.notes);
  for (const auto& [name, benchmark] : before_list) {
    if (find_named(after_list, name) == nullptr) report.only_in_baseline.push_back(name);
  }
  for (const auto& [name, after_benchmark] : after_list) {
    const json* before_benchmark = find_named(before_list, name);
    if (before_benchmark == nullptr) {
      report.only_in_current.push_back(name);
      continue;
    }
    note_if_invalid(*before_benchmark, name, "baseline", report.notes);
    note_if_invalid(*after_benchmark, name, "current", report.notes);
    auto before_metrics = metrics_of(*before_benchmark, name, "baseline", report.notes);
    auto after_metrics = metrics_of(*after_benchmark, name, "current", report.notes);
    // Each benchmark tests several sample series (cmd: wall, user, sys times); at alpha each,
    // one of them would come out "significant" by chance far more often than alpha. Bonferroni
    // over the series keeps the benchmark's false-alarm rate at alpha.
    // A series is one per benchmark, or one per service for the services' samples.
    using SeriesKey = std::pair<SampleSeries, std::string>;
    const json& current_benchmark = *after_benchmark;  // a structured binding is not captured by clang 15
    auto key_of = [&current_benchmark](const std::string& metric) {
      return SeriesKey{series_for(current_benchmark, metric), service_of_metric(metric)};
    };
    std::set<SeriesKey> tested_series;
    for (const auto& after : after_metrics) {
      bool in_baseline = std::any_of(before_metrics.begin(), before_metrics.end(),
                                     [&](const MetricEntry& m) { return m.name == after.name; });
      if (in_baseline && is_gated(*after_benchmark, after.name, options) &&
          series_for(*after_benchmark, after.name) != SampleSeries::none) {
        tested_series.insert(key_of(after.name));
      }
    }
    GateOptions benchmark_options = options;
    benchmark_options.alpha = options.alpha / static_cast<double>(std::max<std::size_t>(1, tested_series.size()));
    std::map<SeriesKey, SeriesTest> tests;  // several metrics rest on one series; test it once
    for (const auto& after : after_metrics) {
      auto before = std::find_if(before_metrics.begin(), before_metrics.end(),
                                 [&](const MetricEntry& m) { return m.name == after.name; });
      if (before == before_metrics.end()) {
        report.notes.push_back(fmt::format("{} / {}: not in the baseline; not compared", name, after.name));
        continue;
      }
      SampleSeries series = series_for(*after_benchmark, after.name);
      auto cached = tests.find(key_of(after.name));
      if (cached == tests.end()) {
        cached = tests
                     .emplace(key_of(after.name), test_series(*before_benchmark, *after_benchmark, series, after.name,
                                                              name, benchmark_options))
                     .first;
      }
      SeriesTest test =
          with_count_test(cached->second, series, after.name, *before_benchmark, *after_benchmark, benchmark_options);
      ComparisonRow row = compare_metric(name, *before, after, test, series, benchmark_options);
      row.gated = is_gated(*after_benchmark, after.name, options);
      if (!row.gated && (row.verdict == Verdict::regressed || row.verdict == Verdict::improved)) {
        row.reason += "; shown, not gated (regression.metrics)";
      }
      report.rows.push_back(std::move(row));
    }
  }
  report.gate_failed = report.gate_failures() > 0;
  return report;
}

void require_confirmation(ComparisonReport& first, const ComparisonReport& second) {
  for (auto& row : first.rows) {
    if (!row.fails_gate()) continue;
    auto again = std::find_if(second.rows.begin(), second.rows.end(), [&](const ComparisonRow& r) {
      return r.benchmark == row.benchmark && r.metric == row.metric;
    });
    if (again == second.rows.end()) continue;
    std::string second_change = again->change_pct ? fmt::format("{:+.1f}%", *again->change_pct) : "n/a";
    if (again->verdict == Verdict::regressed) {
      row.reason += fmt::format("; confirmed by a second measurement ({})", second_change);
    } else {
      row.verdict = Verdict::noisy;
      row.reason += fmt::format("; not reproduced: a second measurement gave {} ({})", second_change,
                                to_string(again->verdict));
    }
  }
  first.gate_failed = first.gate_failures() > 0;
}

namespace {

// Metrics a slower CPU makes worse in proportion: durations and rates. Counts, sizes, ratios
// and error rates are not.
bool follows_machine_speed(const ComparisonRow& row) {
  static const std::set<std::string, std::less<>> kTimeUnits{"ns", "us", "\u00b5s", "ms", "s", "rps", "eps"};
  return kTimeUnits.count(row.unit) > 0 || (row.unit.size() > 2 && row.unit.ends_with("/s"));
}

// The change left once the machine's slowdown is taken out, in percent; positive is worse.
double worsening_beyond(const ComparisonRow& row, double change_pct, double slowdown) {
  double ratio = 1 + change_pct / 100;
  if (row.better == "higher") return (1 - ratio * (1 + slowdown)) * 100;  // a rate falls as the machine slows
  return (ratio / (1 + slowdown) - 1) * 100;
}

}  // namespace

void explain_by_machine_slowdown(ComparisonReport& first, const ComparisonReport& second,
                                 const std::function<std::optional<double>(const std::string& benchmark)>& slowdown) {
  for (auto& row : first.rows) {
    if (!row.fails_gate() || !row.change_pct || !follows_machine_speed(row)) continue;
    std::optional<double> machine = slowdown(row.benchmark);
    if (!machine || *machine * 100 <= row.allowed_change_pct) continue;
    auto again = std::find_if(second.rows.begin(), second.rows.end(), [&](const ComparisonRow& r) {
      return r.benchmark == row.benchmark && r.metric == row.metric;
    });
    if (again == second.rows.end() || !again->change_pct) continue;
    double beyond =
        std::max(worsening_beyond(row, *row.change_pct, *machine), worsening_beyond(row, *again->change_pct, *machine));
    if (beyond > row.allowed_change_pct) continue;
    row.verdict = Verdict::noisy;
    row.reason += fmt::format(
        "; but the machine itself ran {:.0f}% slower than when the baseline was measured (a fixed CPU loop "
        "timed around the second measurement), which accounts for it",
        *machine * 100);
  }
  first.gate_failed = first.gate_failures() > 0;
}

}  // namespace perfgate::compare
