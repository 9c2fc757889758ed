// The metrics of monitored services in the comparison and the gate: SERVICE.rss_max and
// SERVICE.cpu_pct_mean are tested on the service's samples of the window (one series per
// service, never shared between services), rss_max gates by default, cpu_pct_mean only in the
// open model, and the peaks of cpu, threads and fds are shown without gating.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "compare/comparison.hpp"
#include "compare/sample_series.hpp"
#include "synthetic_documents.hpp"

namespace perfgate::compare {
namespace {

using nlohmann::json;
using synthetic::document;
using synthetic::SeededDraws;

const ComparisonRow& row(const ComparisonReport& report, const std::string& metric) {
  for (const auto& r : report.rows) {
    if (r.metric == metric) return r;
  }
  throw std::runtime_error("no row for " + metric);
}

// Adds a service's window of `count` samples around the given CPU and RSS, as perfgate run does.
void add_service(json& benchmark, const std::string& service, SeededDraws& draws, std::size_t count, double cpu_pct,
                 double rss_bytes, double threads) {
  json timeline = json::array();
  double cpu_sum = 0, cpu_max = 0, rss_max = 0;
  for (std::size_t i = 0; i < count; ++i) {
    double cpu = draws.lognormal(cpu_pct, 0.02);
    double rss = std::round(draws.lognormal(rss_bytes, 0.002));
    timeline.push_back({{"t", 0.25 * static_cast<double>(i + 1)}, {"cpu_pct", cpu}, {"rss_bytes", rss},
                        {"threads", threads}, {"fds", 12}});
    cpu_sum += cpu;
    cpu_max = std::max(cpu_max, cpu);
    rss_max = std::max(rss_max, rss);
  }
  benchmark["resource_timeline"][service] = timeline;
  benchmark["resources"][service] = {{"cpu_pct", {{"mean", cpu_sum / static_cast<double>(count)}, {"max", cpu_max}}},
                                     {"rss_bytes", {{"max", rss_max}}},
                                     {"threads", {{"max", threads}}},
                                     {"fds", {{"max", 12}}},
                                     {"samples", count}};
  for (const auto& [name, value, unit] :
       std::vector<std::tuple<std::string, double, std::string>>{{"cpu_pct_mean", cpu_sum / static_cast<double>(count), "percent"},
                                                                 {"cpu_pct_max", cpu_max, "percent"},
                                                                 {"rss_max", rss_max, "bytes"},
                                                                 {"threads_max", threads, "count"},
                                                                 {"fds_max", 12, "count"}}) {
    benchmark["metrics"].push_back(synthetic::metric(service + "." + name, value, unit, "lower"));
  }
}

json load(std::uint64_t seed, bool open_model, double api_rss, double worker_rss, double api_cpu, double threads) {
  SeededDraws draws(seed);
  json b = synthetic::http_benchmark("health", synthetic::seconds_around(draws, 10, 1000, 10, 25, 0.01));
  b["config"] = {{"rate", open_model ? json(1000.0) : json(nullptr)}};
  add_service(b, "api", draws, 40, api_cpu, api_rss, threads);
  add_service(b, "worker.v2", draws, 40, 20, worker_rss, 4);
  return b;
}

TEST(ServiceMetrics, NamesAndSeries) {
  EXPECT_EQ(service_of_metric("api.rss_max"), "api");
  EXPECT_EQ(service_of_metric("worker.v2.cpu_pct_mean"), "worker.v2");
  EXPECT_EQ(service_of_metric("rss_max"), "");
  EXPECT_EQ(service_of_metric("BM_x.real_time"), "");
  EXPECT_EQ(series_for_metric("api.cpu_pct_mean"), SampleSeries::service_cpu_per_sample);
  EXPECT_EQ(series_for_metric("api.rss_max"), SampleSeries::service_rss_per_sample);
  EXPECT_EQ(series_for_metric("api.cpu_pct_max"), SampleSeries::none);
  EXPECT_EQ(series_for_metric("api.threads_max"), SampleSeries::none);
  json b = load(1, false, 50e6, 8e6, 40, 5);
  EXPECT_EQ(extract_series(b, SampleSeries::service_rss_per_sample, "api.rss_max").size(), 40u);
  EXPECT_EQ(extract_series(b, SampleSeries::service_rss_per_sample, "nothere.rss_max").size(), 0u);
}

TEST(ServiceMetrics, DefaultGatedSet) {
  json closed = load(1, false, 50e6, 8e6, 40, 5);
  json open = load(1, true, 50e6, 8e6, 40, 5);
  EXPECT_TRUE(gated_by_default(closed, "api.rss_max"));
  EXPECT_FALSE(gated_by_default(closed, "api.cpu_pct_mean")) << "closed model: more CPU is often more served";
  EXPECT_TRUE(gated_by_default(open, "api.cpu_pct_mean"));
  for (const char* metric : {"api.cpu_pct_max", "api.threads_max", "api.fds_max"}) {
    EXPECT_FALSE(gated_by_default(open, metric)) << metric;
  }
  // A service metric on a cmd benchmark follows the same rule.
  json cmd = synthetic::cmd_benchmark("build", {1, 1, 1});
  EXPECT_TRUE(gated_by_default(cmd, "api.rss_max"));
}

TEST(ServiceMetrics, MemoryUpFiftyPercentRegressesAndFailsTheGate) {
  ComparisonReport report =
      compare_documents(document({load(1, false, 50e6, 8e6, 40, 5)}), document({load(2, false, 75e6, 8e6, 40, 5)}));
  const ComparisonRow& rss = row(report, "api.rss_max");
  EXPECT_EQ(rss.verdict, Verdict::regressed) << rss.reason;
  EXPECT_TRUE(rss.gated);
  EXPECT_EQ(rss.samples, "per-sample service RSS");
  EXPECT_EQ(rss.current_sample_count, 40u);
  EXPECT_TRUE(report.gate_failed);
  // The other service's memory has its own series: unchanged, not the api's verdict.
  EXPECT_EQ(row(report, "worker.v2.rss_max").verdict, Verdict::unchanged) << row(report, "worker.v2.rss_max").reason;
}

TEST(ServiceMetrics, ThreadsAndClosedModelCpuAreShownNotGated) {
  ComparisonReport report =
      compare_documents(document({load(1, false, 50e6, 8e6, 40, 5)}), document({load(2, false, 50e6, 8e6, 80, 50)}));
  const ComparisonRow& cpu = row(report, "api.cpu_pct_mean");
  EXPECT_EQ(cpu.verdict, Verdict::regressed) << cpu.reason;
  EXPECT_FALSE(cpu.gated);
  EXPECT_EQ(row(report, "api.threads_max").verdict, Verdict::noisy) << "a single peak: no samples to test";
  EXPECT_FALSE(row(report, "api.threads_max").gated);
  EXPECT_FALSE(report.gate_failed);
  // In the open model the same CPU rise is a cost, and gates.
  ComparisonReport open =
      compare_documents(document({load(1, true, 50e6, 8e6, 40, 5)}), document({load(2, true, 50e6, 8e6, 80, 5)}));
  EXPECT_TRUE(row(open, "api.cpu_pct_mean").fails_gate()) << row(open, "api.cpu_pct_mean").reason;
}

TEST(ServiceMetrics, ARegressionMetricsListGatesAnyOfThem) {
  GateOptions options;
  options.gated_metrics = {"api.threads_max"};
  ComparisonReport report = compare_documents(document({load(1, false, 50e6, 8e6, 40, 5)}),
                                              document({load(2, false, 75e6, 8e6, 40, 5)}), options);
  EXPECT_FALSE(row(report, "api.rss_max").gated);
  EXPECT_TRUE(row(report, "api.threads_max").gated);
  EXPECT_FALSE(report.gate_failed);
  EXPECT_NO_THROW(check_metric_name("suite.yaml:9:5: regression", "api.rss_max", {"api.rss_max"}));
}

}  // namespace
}  // namespace perfgate::compare
