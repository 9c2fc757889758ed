// The wrk, vegeta and oha ingest formats: wrk's report as the real wrk 4.1 printed it here, vegeta's
// and oha's JSON written from their documented formats (tests/fixtures/ingest/README.md); the
// metric names are those of `perfgate http`, so an imported run and a perfgate run compare.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ingest/ingest.hpp"
#include "ingest_fixtures.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using test_support::expect_metric;
using test_support::read_fixture;

bool has_metric(const json& benchmark, const std::string& name) {
  for (const auto& m : benchmark["metrics"]) {
    if (m["name"] == name) return true;
  }
  return false;
}

TEST(IngestWrk, LatencyReportGivesThroughputPercentilesAndErrors) {
  auto benchmarks = parse("wrk", read_fixture("wrk", "latency.txt"), "latency.txt");
  ASSERT_EQ(benchmarks.size(), 1u);
  const json& wrk = benchmarks[0];
  EXPECT_EQ(wrk["name"], "wrk");
  EXPECT_FALSE(wrk.contains("invalid_reason") && !wrk["invalid_reason"].is_null());
  expect_metric(wrk, "throughput", 4701.17, "rps", "higher");
  expect_metric(wrk, "latency_mean", 2.15, "ms", "lower");
  expect_metric(wrk, "latency_max", 7.67, "ms", "lower");
  expect_metric(wrk, "latency_p50", 2.09, "ms", "lower");
  expect_metric(wrk, "latency_p75", 2.61, "ms", "lower");
  expect_metric(wrk, "latency_p90", 2.91, "ms", "lower");
  expect_metric(wrk, "latency_p99", 5.29, "ms", "lower");
  expect_metric(wrk, "error_rate", 280.0 / 14573.0, "ratio", "lower");
  expect_metric(wrk, "transfer_rate", 309.27 * 1024, "bytes/s", "higher");
  EXPECT_EQ(wrk["config"]["requests"], 14573);
  EXPECT_DOUBLE_EQ(wrk["config"]["duration_s"].get<double>(), 3.10);
  EXPECT_EQ(wrk["config"]["threads"], 2);
  EXPECT_EQ(wrk["config"]["connections"], 10);
  EXPECT_EQ(wrk["config"]["url"], "http://127.0.0.1:18931/");
  EXPECT_DOUBLE_EQ(wrk["config"]["latency_stdev_ms"].get<double>(), 0.77711);
}

TEST(IngestWrk, WithoutLatencyFlagThereAreNoPercentiles) {
  const json wrk = parse("wrk", read_fixture("wrk", "plain.txt"), "plain.txt")[0];
  expect_metric(wrk, "throughput", 1925.15, "rps", "higher");
  expect_metric(wrk, "latency_mean", 2.08, "ms", "lower");
  EXPECT_FALSE(has_metric(wrk, "latency_p50"));
  expect_metric(wrk, "transfer_rate", 126.60 * 1024, "bytes/s", "higher");
}

TEST(IngestWrk, TimeoutsAreErrorsAndAllTimedOutIsInvalid) {
  const json some = parse("wrk", read_fixture("wrk", "timeouts.txt"), "timeouts.txt")[0];
  expect_metric(some, "error_rate", 13.0 / 91.0, "ratio", "lower");
  expect_metric(some, "latency_p99", 996.26, "ms", "lower");
  EXPECT_EQ(some["config"]["socket_errors"]["timeout"], 13);

  const json all = parse("wrk", read_fixture("wrk", "all-timeouts.txt"), "all-timeouts.txt")[0];
  EXPECT_THAT(all["invalid_reason"].get<std::string>(), HasSubstr("every request timed out"));
  expect_metric(all, "error_rate", 1.0, "ratio", "lower");
  EXPECT_FALSE(has_metric(all, "latency_p50"));  // wrk printed zeros for them
}

TEST(IngestWrk, TextThatIsNotWrksReportIsRefusedWithItsPlace) {
  EXPECT_THAT(test_support::parse_error("wrk", "hello\n", "x.txt"),
              HasSubstr("x.txt: wrk: no \"N requests in"));
  std::string text = read_fixture("wrk", "latency.txt");
  text.replace(text.find("2.09ms"), 6, "2.09xs");
  EXPECT_THAT(test_support::parse_error("wrk", text, "x.txt"), HasSubstr("x.txt: wrk: line 7: expected a time after 50%, got \"2.09xs\""));
}

TEST(IngestVegeta, ReportGivesLatenciesInMsAndSuccessAsErrorRate) {
  const json v = parse("vegeta", read_fixture("vegeta", "report.json"), "report.json")[0];
  EXPECT_EQ(v["name"], "vegeta");
  expect_metric(v, "throughput", 99.66293316113, "rps", "higher");
  expect_metric(v, "error_rate", 1.0 - 0.9963333333333333, "ratio", "lower");
  expect_metric(v, "latency_min", 0.512398, "ms", "lower");
  expect_metric(v, "latency_mean", 1.120513, "ms", "lower");
  expect_metric(v, "latency_p50", 1.046297, "ms", "lower");
  expect_metric(v, "latency_p90", 1.472034, "ms", "lower");
  expect_metric(v, "latency_p95", 1.631285, "ms", "lower");
  expect_metric(v, "latency_p99", 2.419863, "ms", "lower");
  expect_metric(v, "latency_max", 9.84312, "ms", "lower");
  EXPECT_EQ(v["config"]["status_codes"]["503"], 11);
  EXPECT_EQ(v["config"]["requests"], 3000);
}

TEST(IngestVegeta, OlderReportsWithoutThroughputUseRateTimesSuccess) {
  const json v = parse("vegeta", read_fixture("vegeta", "legacy.json"), "legacy.json")[0];
  expect_metric(v, "throughput", 101.01010672380401, "rps", "higher");
  expect_metric(v, "latency_p99", 3.53, "ms", "lower");
  EXPECT_FALSE(has_metric(v, "latency_p90"));
  EXPECT_THAT(test_support::parse_error("vegeta", R"({"latencies": {}, "requests": 1, "rate": 1, "success": "1"})", "v.json"),
              HasSubstr("v.json: vegeta: success: expected a number, got a string"));
}

TEST(IngestOha, ReportGivesPercentilesAndCountsNon2xxAsErrors) {
  const json o = parse("oha", read_fixture("oha", "report.json"), "report.json")[0];
  EXPECT_EQ(o["name"], "oha");
  expect_metric(o, "throughput", 1999.147132184, "rps", "higher");
  expect_metric(o, "latency_p50", 2.204771, "ms", "lower");
  expect_metric(o, "latency_p999", 23.712811, "ms", "lower");
  expect_metric(o, "latency_p9999", 47.102034, "ms", "lower");
  expect_metric(o, "latency_min", 0.311298, "ms", "lower");
  expect_metric(o, "latency_max", 52.213911, "ms", "lower");
  // 100 answers of 500 and 20 connection errors over 20,000 attempts; the 10 cut off by the
  // deadline are not errors.
  expect_metric(o, "error_rate", 120.0 / 20000.0, "ratio", "lower");
  EXPECT_EQ(o["config"]["requests"], 20000);
  EXPECT_THAT(test_support::parse_error("oha", "{}", "o.json"), HasSubstr("o.json: oha: summary: missing"));
}

}  // namespace
}  // namespace perfgate::ingest
