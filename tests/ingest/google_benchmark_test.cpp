// The google-benchmark ingest format on JSON written by Google Benchmark 1.7.1 itself
// (tests/fixtures/ingest/google-benchmark): plain runs, repetitions with their aggregates,
// aggregates only, microseconds; and the errors a broken file gives.
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

std::string fixture(const std::string& name) { return test_support::read_fixture("google-benchmark", name); }

json metric(const json& benchmark, const std::string& name) { return test_support::metric_of(benchmark, name); }

std::string error_of(const std::string& text) {
  return test_support::parse_error("google-benchmark", text, "micro.json");
}

TEST(IngestGoogleBenchmark, OneBenchmarkPerRunWithTimesInNanoseconds) {
  auto benchmarks = parse("google-benchmark", fixture("single.json"), "single.json");
  ASSERT_EQ(benchmarks.size(), 3u);
  EXPECT_EQ(benchmarks[0]["name"], "BM_StringCopy");
  EXPECT_EQ(benchmarks[0]["kind"], "ingested");
  EXPECT_EQ(benchmarks[0]["format"], "google-benchmark");
  EXPECT_TRUE(benchmarks[0]["valid"].get<bool>());
  json real = metric(benchmarks[0], "real_time_mean");
  EXPECT_DOUBLE_EQ(real["value"].get<double>(), 28.563779679672248);
  EXPECT_EQ(real["unit"], "ns");
  EXPECT_EQ(real["better"], "lower");
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "cpu_time_mean")["value"].get<double>(), 28.50623591541092);
  // Without repetitions there is no spread to report.
  for (const auto& m : benchmarks[0]["metrics"]) EXPECT_NE(m["name"], "real_time_median");

  const json& sort = benchmarks[1];
  EXPECT_EQ(sort["name"], "BM_Sort/256");
  EXPECT_EQ(metric(sort, "items_per_second")["better"], "higher");
  EXPECT_EQ(metric(sort, "items_per_second")["unit"], "items/s");
  EXPECT_EQ(metric(sort, "bytes_per_second")["unit"], "bytes/s");
  EXPECT_DOUBLE_EQ(metric(sort, "elements")["value"].get<double>(), 256);  // a user counter
  EXPECT_EQ(sort["config"]["context"]["num_cpus"], 2);
  EXPECT_EQ(sort["config"]["threads"], 1);
}

TEST(IngestGoogleBenchmark, RepetitionsAreTheSamplesAndAggregatesNoBenchmarks) {
  auto benchmarks = parse("google-benchmark", fixture("repetitions.json"), "repetitions.json");
  ASSERT_EQ(benchmarks.size(), 3u);  // 27 entries: 3 benchmarks x (5 repetitions + 4 aggregates)
  const json& sort = benchmarks[1];
  EXPECT_EQ(sort["name"], "BM_Sort/256");
  EXPECT_DOUBLE_EQ(metric(sort, "real_time_mean")["value"].get<double>(), 1223.1077069220717);  // the mean
  EXPECT_DOUBLE_EQ(metric(sort, "real_time_median")["value"].get<double>(), 1192.095057435907);
  EXPECT_EQ(metric(sort, "real_time_stddev")["unit"], "ns");
  EXPECT_NEAR(metric(sort, "items_per_second")["value"].get<double>(), 215386461.91462058, 1e-3);
  const json& samples = sort["samples"];
  ASSERT_EQ(samples["values"].size(), 5u);
  EXPECT_DOUBLE_EQ(samples["values"][1].get<double>(), 1296.3525246731137);
  EXPECT_EQ(samples["values_unit"], "ns");
  EXPECT_EQ(samples["values_metrics"], json({"real_time_mean", "real_time_median"}));
  EXPECT_EQ(samples["cpu_time"].size(), 5u);
  EXPECT_EQ(samples["items_per_second"].size(), 5u);
}

TEST(IngestGoogleBenchmark, AggregatesOnlyGiveTheMeanAggregate) {
  auto benchmarks = parse("google-benchmark", fixture("aggregates-only.json"), "aggregates-only.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_EQ(benchmarks[0]["name"], "BM_StringCopy");
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "real_time_mean")["value"].get<double>(), 16.30252872039226);
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "real_time_median")["value"].get<double>(), 15.844417970554757);
  EXPECT_TRUE(benchmarks[0]["config"]["aggregates_only"].get<bool>());
  EXPECT_FALSE(benchmarks[0]["samples"].contains("values"));
}

TEST(IngestGoogleBenchmark, OtherTimeUnitsBecomeNanoseconds) {
  auto benchmarks = parse("google-benchmark", fixture("microseconds.json"), "microseconds.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_NEAR(metric(benchmarks[0], "real_time_mean")["value"].get<double>(), 23092.287340437522, 1e-6);
  EXPECT_EQ(benchmarks[0]["config"]["time_unit"], "us");
}

TEST(IngestGoogleBenchmark, AnErrorOccurredMakesTheBenchmarkInvalid) {
  auto benchmarks = parse("google-benchmark",
                          R"({"benchmarks": [{"name": "BM_Net", "run_name": "BM_Net", "run_type": "iteration",
                               "error_occurred": true, "error_message": "server down", "iterations": 0,
                               "real_time": 0, "cpu_time": 0, "time_unit": "ns"}]})",
                          "net.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_FALSE(benchmarks[0]["valid"].get<bool>());
  EXPECT_EQ(benchmarks[0]["invalid_reason"], "server down");
}

TEST(IngestGoogleBenchmark, ErrorsNameTheFormatAndThePlace) {
  std::string text = fixture("single.json");
  EXPECT_THAT(error_of(text.substr(0, text.size() / 2)),
              HasSubstr("micro.json: google-benchmark: invalid JSON at line"));
  EXPECT_THAT(error_of(""), HasSubstr("micro.json: google-benchmark: the input is empty"));
  EXPECT_THAT(error_of(R"({"benchmarks": [{"name": "BM_A", "real_time": "fast", "cpu_time": 1, "iterations": 1}]})"),
              HasSubstr("google-benchmark: benchmarks[0].real_time: expected a number, got a string"));
  EXPECT_THAT(error_of(R"({"context": {}})"), HasSubstr("benchmarks: missing"));
  EXPECT_THAT(error_of(R"({"benchmarks": []})"), HasSubstr("no benchmarks"));
  EXPECT_THAT(error_of(R"({"benchmarks": [{"name": "A", "time_unit": "fortnights"}]})"),
              HasSubstr("benchmarks[0].time_unit: unknown time unit 'fortnights'"));
}

}  // namespace
}  // namespace perfgate::ingest
