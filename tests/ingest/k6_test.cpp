// The k6 ingest format on a `--summary-export` file and on handleSummary's data, both written
// from k6's documentation (tests/fixtures/ingest/k6; k6 is not on this machine); broken files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "ingest/ingest.hpp"
#include "ingest_fixtures.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string fixture(const std::string& name) { return test_support::read_fixture("k6", name); }


using test_support::expect_metric;

std::string error_of(const std::string& text) { return test_support::parse_error("k6", text, "summary.json"); }

TEST(IngestK6, SummaryExportTrendsCountersAndRates) {
  auto benchmarks = parse("k6", fixture("summary-export.json"), "summary-export.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  const json& k6 = benchmarks[0];
  EXPECT_EQ(k6["name"], "k6");
  expect_metric(k6, "http_req_duration_p95", 47.118, "ms", "lower");
  expect_metric(k6, "http_req_duration_mean", 24.731, "ms", "lower");
  expect_metric(k6, "http_req_duration_median", 21.907, "ms", "lower");
  expect_metric(k6, "http_req_duration_expected_response_true_p95", 46.9, "ms", "lower");
  expect_metric(k6, "http_reqs_rate", 39.96, "1/s", "higher");
  expect_metric(k6, "http_reqs_count", 1200, "count", "higher");
  expect_metric(k6, "http_req_failed_rate", 0.008333333333333333, "ratio", "lower");
  expect_metric(k6, "checks_rate", 0.9916666666666667, "ratio", "higher");
  expect_metric(k6, "data_received_rate", 81857.4, "bytes/s", "higher");
  EXPECT_EQ(k6["config"]["gauges"]["vus"]["max"], 40);
  EXPECT_EQ(k6["config"]["rates"]["http_req_failed"]["passes"], 10);
  EXPECT_TRUE(k6["config"]["thresholds"].contains("http_req_duration"));
  EXPECT_TRUE(k6["config"]["checks"].contains("status is 200"));
  EXPECT_TRUE(k6["samples"].empty());  // a summary has no raw samples
}

TEST(IngestK6, HandleSummaryDataWithTypesAndValues) {
  auto benchmarks = parse("k6", fixture("handle-summary.json"), "handle-summary.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  const json& k6 = benchmarks[0];
  expect_metric(k6, "http_req_duration_p99", 88.9, "ms", "lower");
  expect_metric(k6, "http_req_failed_rate", 0.008333333333333333, "ratio", "lower");
  expect_metric(k6, "data_received_count", 2457600, "bytes", "higher");
  expect_metric(k6, "queue_depth_p95", 7, "value", "lower");  // a custom trend that is no time
  EXPECT_DOUBLE_EQ(k6["config"]["state"]["testRunDurationMs"].get<double>(), 30021.4);
}

TEST(IngestK6, ErrorsNameTheFormatAndThePlace) {
  std::string text = fixture("summary-export.json");
  EXPECT_THAT(error_of(text.substr(0, 300)), HasSubstr("summary.json: k6: invalid JSON at line"));
  EXPECT_THAT(error_of(""), HasSubstr("k6: the input is empty"));
  EXPECT_THAT(error_of(R"({"metrics": {"http_req_duration": {"avg": "12ms"}}})"),
              HasSubstr("k6: metrics.http_req_duration.avg: expected a number, got a string"));
  EXPECT_THAT(error_of(R"({"metrics": []})"), HasSubstr("k6: metrics: expected an object, got an array"));
  EXPECT_THAT(error_of(R"({"root_group": {}})"), HasSubstr("k6: metrics: missing"));
}

}  // namespace
}  // namespace perfgate::ingest
