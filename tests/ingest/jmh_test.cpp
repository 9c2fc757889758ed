// The jmh ingest format on a `-rf json` file written from JMH's JSONResultFormat
// (tests/fixtures/ingest/jmh; JMH cannot be fetched here): thrpt with params, avgt with GC
// profiler figures, sample mode's histograms; NaN scores; broken files.
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

std::string fixture(const std::string& name) { return test_support::read_fixture("jmh", name); }

json metric(const json& benchmark, const std::string& name) { return test_support::metric_of(benchmark, name); }

std::string error_of(const std::string& text) { return test_support::parse_error("jmh", text, "jmh.json"); }

TEST(IngestJmh, ModesGiveDirectionsAndUnits) {
  auto benchmarks = parse("jmh", fixture("results.json"), "results.json");
  ASSERT_EQ(benchmarks.size(), 4u);
  const json& thrpt = benchmarks[0];
  EXPECT_EQ(thrpt["name"], "org.example.SortBenchmark.sort(size=10)");
  EXPECT_EQ(metric(thrpt, "ops_per_s")["better"], "higher");
  EXPECT_EQ(metric(thrpt, "ops_per_s")["unit"], "ops/s");
  EXPECT_NEAR(metric(thrpt, "ops_per_s")["value"].get<double>(),
              (41234567.1 + 40987654.3 + 41555555.5 + 40876543.2 + 41111111.1 + 41333333.3) / 6, 1e-3);
  ASSERT_EQ(thrpt["samples"]["values"].size(), 6u);  // 2 forks x 3 iterations
  EXPECT_DOUBLE_EQ(thrpt["samples"]["values"][3].get<double>(), 40876543.2);
  EXPECT_EQ(thrpt["config"]["params"]["size"], "10");
  EXPECT_EQ(thrpt["config"]["jmhVersion"], "1.37");
  EXPECT_EQ(benchmarks[1]["name"], "org.example.SortBenchmark.sort(size=1000)");

  const json& avgt = benchmarks[2];  // us/op becomes ns/op
  EXPECT_EQ(avgt["name"], "org.example.JoinBenchmark.join");
  EXPECT_NEAR(metric(avgt, "ns_per_op")["value"].get<double>(), 41.2, 1e-9);
  EXPECT_EQ(metric(avgt, "ns_per_op")["better"], "lower");
  EXPECT_NEAR(avgt["samples"]["values"][0].get<double>(), 41.2, 1e-9);
  EXPECT_DOUBLE_EQ(metric(avgt, "gc_alloc_rate_norm")["value"].get<double>(), 48);
  EXPECT_EQ(metric(avgt, "gc_alloc_rate_norm")["unit"], "B/op");
  EXPECT_EQ(metric(avgt, "gc_alloc_rate_norm")["better"], "lower");

  const json& sample = benchmarks[3];  // each iteration's histogram gives its mean
  ASSERT_EQ(sample["samples"]["values"].size(), 2u);
  EXPECT_NEAR(sample["samples"]["values"][1].get<double>(), (39.0 * 1500 + 41.0 * 2500 + 43.0 * 1000) / 5000, 1e-9);
  EXPECT_DOUBLE_EQ(metric(sample, "ns_per_op_median")["value"].get<double>(), 40);
}

TEST(IngestJmh, ANaNScoreIsNoMeasurement) {
  auto benchmarks = parse("jmh",
                          R"([{"benchmark": "a.B.c", "mode": "avgt", "primaryMetric": {"score": "NaN",
                               "scoreError": "NaN", "scoreUnit": "ns/op", "rawData": [["NaN"]]},
                               "secondaryMetrics": {}}])",
                          "nan.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_FALSE(benchmarks[0]["valid"].get<bool>());
  EXPECT_TRUE(benchmarks[0]["metrics"].empty());
}

TEST(IngestJmh, ErrorsNameTheFormatAndThePlace) {
  std::string text = fixture("results.json");
  EXPECT_THAT(error_of(text.substr(0, 500)), HasSubstr("jmh.json: jmh: invalid JSON at line"));
  EXPECT_THAT(error_of(""), HasSubstr("jmh: the input is empty"));
  EXPECT_THAT(error_of("[]"), HasSubstr("jmh: the top level: no benchmarks"));
  EXPECT_THAT(error_of(R"({"benchmark": "x"})"), HasSubstr("jmh: the top level: expected an array, got an object"));
  EXPECT_THAT(error_of(R"([{"benchmark": "a", "mode": "thrpt", "primaryMetric": {"score": 1, "scoreUnit": "ops/s",
                            "rawData": [[1, true]]}}])"),
              HasSubstr("jmh: [0].primaryMetric.rawData[0][1]: expected a number, got a boolean"));
  EXPECT_THAT(
      error_of(R"([{"benchmark": "a", "mode": "thrpt", "primaryMetric": {"score": 1, "scoreUnit": "parsecs"}}])"),
      HasSubstr("[0].primaryMetric.scoreUnit: unknown unit 'parsecs'"));
}

}  // namespace
}  // namespace perfgate::ingest
