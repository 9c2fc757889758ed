// Tests on a whole run's counts; see count_tests.hpp.
#include "compare/count_tests.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/histogram.hpp"
#include "core/histogram_codec.hpp"

namespace perfgate::compare {
namespace {

using nlohmann::json;

// Below this many expected events a side the normal approximation is poor; no test then.
constexpr double kMinExpectedEvents = 10;

double two_sided_normal_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

std::optional<Histogram> histogram_of(const json& benchmark) {
  if (!benchmark.is_object()) return std::nullopt;
  auto h = benchmark.find("histogram");
  if (h == benchmark.end() || !h->is_object() || h->value("encoding", "") != "hdr-v2-base64") return std::nullopt;
  auto data = h->find("data");
  if (data == h->end() || !data->is_string()) return std::nullopt;
  return decode_hdr_v2_base64(data->get<std::string>());
}

std::optional<double> number_at(const json& object, const char* key, const char* inner = nullptr) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (inner != nullptr) {
    if (!it->is_object()) return std::nullopt;
    auto in = it->find(inner);
    if (in == it->end() || !in->is_number()) return std::nullopt;
    return in->get<double>();
  }
  if (!it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::int64_t count_above(const Histogram& h, std::int64_t threshold) {
  std::int64_t above = 0;
  h.for_each_bucket([&](std::int64_t low, std::int64_t, std::int64_t count) {
    if (low > threshold) above += count;
  });
  return above;
}

}  // namespace

double two_proportion_p(double x1, double n1, double x2, double n2) {
  if (!(n1 > 0) || !(n2 > 0)) return 1;
  double pooled = (x1 + x2) / (n1 + n2);
  double spread = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(spread > 0)) return x1 / n1 == x2 / n2 ? 1.0 : 0.0;
  return two_sided_normal_p((x2 / n2 - x1 / n1) / spread);
}

namespace {

// object[part] / object[whole], baseline against current: errors among requests, lost among
// expected callbacks. nullopt without the counts.
std::optional<CountTest> proportion_test(const json& baseline, const json& current, const char* object,
                                         const char* part, const char* whole, const char* samples) {
  auto n1 = number_at(baseline, object, whole);
  auto x1 = number_at(baseline, object, part);
  auto n2 = number_at(current, object, whole);
  auto x2 = number_at(current, object, part);
  if (!n1 || !x1 || !n2 || !x2 || !(*n1 > 0) || !(*n2 > 0)) return std::nullopt;
  CountTest test;
  test.p_value = two_proportion_p(*x1, *n1, *x2, *n2);
  test.current_up = *x2 / *n2 > *x1 / *n1;
  test.baseline_total = *n1;
  test.current_total = *n2;
  test.samples = samples;
  return test;
}

}  // namespace

std::optional<CountTest> latency_quantile_test(const json& baseline, const json& current, double percentile) {
  auto before = histogram_of(baseline);
  auto after = histogram_of(current);
  if (!before || !after || before->total_count() == 0 || after->total_count() == 0) return std::nullopt;
  Histogram pooled = *before;
  pooled.merge(*after);
  // The value at the quantile is the top of its bucket, so every bucket is wholly above or not.
  std::int64_t threshold = pooled.value_at_percentile(percentile);
  auto n1 = static_cast<double>(before->total_count());
  auto n2 = static_cast<double>(after->total_count());
  double tail = 1 - percentile / 100;
  if (n1 * tail < kMinExpectedEvents || n2 * tail < kMinExpectedEvents) return std::nullopt;
  auto x1 = static_cast<double>(count_above(*before, threshold));
  auto x2 = static_cast<double>(count_above(*after, threshold));
  CountTest test;
  test.p_value = two_proportion_p(x1, n1, x2, n2);
  test.current_up = x2 / n2 > x1 / n1;
  test.baseline_total = n1;
  test.current_total = n2;
  test.samples = fmt::format("requests above the pooled p{:g} (latency histograms)", percentile);
  return test;
}

std::optional<CountTest> callback_latency_test(const json& baseline, const json& current, double percentile) {
  if (!baseline.is_object() || !current.is_object() || !baseline.contains("callbacks") || !current.contains("callbacks")) {
    return std::nullopt;
  }
  auto test = latency_quantile_test(baseline["callbacks"], current["callbacks"], percentile);
  if (test) test->samples = fmt::format("callbacks above the pooled p{:g} (callback latency histograms)", percentile);
  return test;
}

std::optional<CountTest> callback_loss_test(const json& baseline, const json& current) {
  return proportion_test(baseline, current, "callbacks", "lost", "expected", "callbacks lost among those expected");
}

std::optional<CountTest> error_proportion_test(const json& baseline, const json& current) {
  return proportion_test(baseline, current, "requests", "errors", "total", "errors among all requests");
}

std::optional<CountTest> request_rate_test(const json& baseline, const json& current) {
  auto n1 = number_at(baseline, "requests", "total");
  auto t1 = number_at(baseline, "duration_s");
  auto n2 = number_at(current, "requests", "total");
  auto t2 = number_at(current, "duration_s");
  if (!n1 || !t1 || !n2 || !t2 || !(*t1 > 0) || !(*t2 > 0) || *n1 + *n2 < 2 * kMinExpectedEvents) return std::nullopt;
  // Given n1 + n2 requests in all, equal rates would put a share t2 / (t1 + t2) of them in the current run.
  double share = *t2 / (*t1 + *t2);
  double total = *n1 + *n2;
  double z = (*n2 - total * share) / std::sqrt(total * share * (1 - share));
  CountTest test;
  test.p_value = two_sided_normal_p(z);
  test.current_up = *n2 / *t2 > *n1 / *t1;
  test.baseline_total = *n1;
  test.current_total = *n2;
  test.samples = "request counts over the measured time";
  return test;
}

std::optional<CountTest> count_test_for(std::string_view metric, const json& baseline, const json& current) {
  if (metric == "latency_p50" || metric == "latency_mean") return latency_quantile_test(baseline, current, 50);
  if (metric == "latency_p90") return latency_quantile_test(baseline, current, 90);
  if (metric == "latency_p95") return latency_quantile_test(baseline, current, 95);
  if (metric == "latency_p99") return latency_quantile_test(baseline, current, 99);
  if (metric == "latency_p999") return latency_quantile_test(baseline, current, 99.9);
  if (metric == "error_rate") return error_proportion_test(baseline, current);
  if (metric == "throughput") return request_rate_test(baseline, current);
  if (metric == "callback_latency_p50") return callback_latency_test(baseline, current, 50);
  if (metric == "callback_latency_p90") return callback_latency_test(baseline, current, 90);
  if (metric == "callback_latency_p95") return callback_latency_test(baseline, current, 95);
  if (metric == "callback_latency_p99") return callback_latency_test(baseline, current, 99);
  if (metric == "callbacks_lost") return callback_loss_test(baseline, current);
  return std::nullopt;
}

}  // namespace perfgate::compare
