// The tracker ingest format on a hand-written operation log in the tracker's line format
// (tests/fixtures/ingest/tracker): per operation type counts, durations and error rates over
// every record, malformed lines skipped and counted.
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

std::string fixture(const std::string& name) { return test_support::read_fixture("tracker", name); }


using test_support::expect_metric;

TEST(IngestTracker, OneBenchmarkPerOperationTypeOverAllItsRecords) {
  auto benchmarks = parse("tracker", fixture("perf-metrics.jsonl"), "perf-metrics.jsonl");
  ASSERT_EQ(benchmarks.size(), 3u);
  const json& reg = benchmarks[0];
  EXPECT_EQ(reg["name"], "agent_register");
  expect_metric(reg, "count", 10, "count", "higher");
  expect_metric(reg, "duration_mean", 74, "ms", "lower");
  expect_metric(reg, "duration_median", 62.5, "ms", "lower");
  expect_metric(reg, "duration_p50", 60, "ms", "lower");  // nearest rank: the 5th of 10
  expect_metric(reg, "duration_p95", 200, "ms", "lower");
  expect_metric(reg, "duration_p99", 200, "ms", "lower");
  expect_metric(reg, "duration_max", 200, "ms", "lower");
  expect_metric(reg, "error_rate", 0.1, "ratio", "lower");  // the failed record counts in the durations too
  EXPECT_EQ(reg["samples"]["values"], json({40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 80.0, 200.0}));
  EXPECT_EQ(reg["samples"]["values_unit"], "ms");
  EXPECT_EQ(reg["config"]["skipped_lines"], 3);
  EXPECT_EQ(reg["config"]["lines"], 21);
  EXPECT_EQ(reg["config"]["first_skipped"][0]["line"], 5);
  EXPECT_EQ(reg["config"]["first_timestamp"], "2026-01-06T13:28:00.000Z");
  expect_metric(benchmarks[1], "duration_mean", 12, "ms", "lower");
  expect_metric(benchmarks[1], "error_rate", 0, "ratio", "lower");
  expect_metric(benchmarks[2], "error_rate", 2.0 / 3.0, "ratio", "lower");
}

TEST(IngestTracker, ALogWithoutValidRecordsIsAnError) {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      parse("tracker", text, "perf.jsonl");
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(error_of(""), HasSubstr("perf.jsonl: tracker: the input is empty"));
  EXPECT_THAT(error_of("{\"operation_type\": \"a\"\nnot json\n"),
              HasSubstr("perf.jsonl: tracker: no valid operation records (2 lines, all malformed; line 1:"));
}

}  // namespace
}  // namespace perfgate::ingest
