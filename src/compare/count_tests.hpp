// Tests on a whole run's counts instead of a series of per-second samples, for the metrics no
// per-second series measures (latency_p999) and for runs too short to give the rank test enough
// seconds (a 2 s benchmark has two): the latency histograms (how many requests lie above the
// pooled quantile), the error counts (errors among requests) and the request counts (requests
// per second of measuring). Each is a two-sided z test on counts (two proportions, or two Poisson
// rates by the conditional binomial), at the normal approximation.
//
// The requests of one run are not independent (a pause of the target slows many in a row), so
// these p-values are optimistic; the gate therefore also asks for a change beyond the allowed
// one, outside the run-to-run history, and confirmed by a second measurement.
//
//   auto test = latency_quantile_test(baseline_benchmark, current_benchmark, 99.9);
//   if (test && test->p_value < 0.05 && test->current_up) ...
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace perfgate::compare {

struct CountTest {
  double p_value = 1;
  bool current_up = false;  // the current side's proportion (or rate) is the higher one
  double baseline_total = 0;  // requests (or seconds) behind each side
  double current_total = 0;
  std::string samples;  // for reports: "requests above the pooled p99.9 (latency histograms)"
};

// Two-sided p of a pooled z test that x1 of n1 and x2 of n2 come from one proportion.
double two_proportion_p(double x1, double n1, double x2, double n2);

// The fraction of requests above the quantile `percentile` of both histograms pooled, baseline
// against current. nullopt when either side has no readable `histogram` or too few requests for
// the quantile (fewer than 10 expected above it).
std::optional<CountTest> latency_quantile_test(const nlohmann::json& baseline, const nlohmann::json& current,
                                               double percentile);

// errors / total of `requests`, baseline against current. nullopt without request counts.
std::optional<CountTest> error_proportion_test(const nlohmann::json& baseline, const nlohmann::json& current);

// total requests / duration_s, baseline against current. nullopt without them.
std::optional<CountTest> request_rate_test(const nlohmann::json& baseline, const nlohmann::json& current);

// The same on the callbacks of an http benchmark with `callback:` (`callbacks.histogram`).
std::optional<CountTest> callback_latency_test(const nlohmann::json& baseline, const nlohmann::json& current,
                                               double percentile);

// callbacks.lost / callbacks.expected, baseline against current. nullopt without them.
std::optional<CountTest> callback_loss_test(const nlohmann::json& baseline, const nlohmann::json& current);

// The whole-run test that measures `metric` (latency_p50 … latency_p999, error_rate, throughput,
// callback_latency_p50 … p99, callbacks_lost), or nullopt.
std::optional<CountTest> count_test_for(std::string_view metric, const nlohmann::json& baseline,
                                        const nlohmann::json& current);

}  // namespace perfgate::compare
