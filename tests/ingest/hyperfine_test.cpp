// The hyperfine ingest format on `hyperfine --export-json` output (hyperfine 1.15.0): metrics
// named as `perfgate cmd` names them, per-run times as samples.wall_s; broken files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compare/sample_series.hpp"
#include "core/error.hpp"
#include "ingest/ingest.hpp"
#include "ingest_fixtures.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string fixture(const std::string& name) { return test_support::read_fixture("hyperfine", name); }

json metric(const json& benchmark, const std::string& name) { return test_support::metric_of(benchmark, name); }

std::string error_of(const std::string& text) { return test_support::parse_error("hyperfine", text, "bench.json"); }

TEST(IngestHyperfine, OneBenchmarkPerCommandWithWallTimesInSeconds) {
  auto benchmarks = parse("hyperfine", fixture("baseline.json"), "baseline.json");
  ASSERT_EQ(benchmarks.size(), 2u);
  const json& work = benchmarks[0];
  EXPECT_EQ(work["name"], "work");
  EXPECT_DOUBLE_EQ(metric(work, "wall_mean")["value"].get<double>(), 0.01310887946);
  EXPECT_EQ(metric(work, "wall_mean")["unit"], "s");
  EXPECT_EQ(metric(work, "wall_mean")["better"], "lower");
  EXPECT_DOUBLE_EQ(metric(work, "wall_median")["value"].get<double>(), 0.012894316460000001);
  for (const char* name : {"wall_stddev", "wall_min", "wall_max", "user_mean", "sys_mean"}) {
    EXPECT_EQ(metric(work, name)["unit"], "s") << name;
  }
  EXPECT_DOUBLE_EQ(metric(work, "user_mean")["value"].get<double>(), 0.0012428200000000002);
  ASSERT_EQ(work["samples"]["wall_s"].size(), 10u);
  EXPECT_DOUBLE_EQ(work["samples"]["wall_s"][0].get<double>(), 0.011272004460000002);
  EXPECT_EQ(work["config"]["runs"], 10);
  EXPECT_EQ(work["config"]["failed_runs"], 0);
}

TEST(IngestHyperfine, TheComparisonFindsTheRunsBehindTheWallMetrics) {
  auto benchmarks = parse("hyperfine", fixture("baseline.json"), "baseline.json");
  auto series = compare::series_for_metric("wall_mean");
  EXPECT_EQ(compare::extract_series(benchmarks[0], series).size(), 10u);
}

TEST(IngestHyperfine, ASingleRunHasNoStddevAndAKilledRunCountsAsFailed) {
  auto benchmarks = parse("hyperfine",
                          R"({"results": [{"command": "x", "mean": 1.5, "stddev": null, "median": 1.5,
                               "user": 0.1, "system": 0.2, "min": 1.5, "max": 1.5, "times": [1.5],
                               "exit_codes": [null], "parameters": {"n": "3"},
                               "memory_usage_byte": [1048576]}]})",
                          "one.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  for (const auto& m : benchmarks[0]["metrics"]) EXPECT_NE(m["name"], "wall_stddev");
  EXPECT_EQ(benchmarks[0]["config"]["failed_runs"], 1);
  EXPECT_EQ(benchmarks[0]["config"]["parameters"]["n"], "3");
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "rss_max")["value"].get<double>(), 1048576);
  EXPECT_EQ(metric(benchmarks[0], "rss_max")["unit"], "bytes");
}

TEST(IngestHyperfine, ErrorsNameTheFormatAndThePlace) {
  std::string text = fixture("baseline.json");
  EXPECT_THAT(error_of(text.substr(0, 200)), HasSubstr("bench.json: hyperfine: invalid JSON at line"));
  EXPECT_THAT(error_of("  \n"), HasSubstr("bench.json: hyperfine: the input is empty"));
  EXPECT_THAT(error_of(R"({"results": [{"command": "a", "mean": 1}, {"command": "b", "mean": "1.2"}]})"),
              HasSubstr("bench.json: hyperfine: results[1].mean: expected a number, got a string"));
  EXPECT_THAT(error_of(R"({"results": [{"command": "a", "mean": 1, "times": [1, true]}]})"),
              HasSubstr("results[0].times[1]: expected a number, got a boolean"));
  EXPECT_THAT(error_of(R"({"results": {}})"), HasSubstr("results: expected an array, got an object"));
  EXPECT_THAT(error_of("[1, 2]"), HasSubstr("hyperfine: the top level: expected an object, got an array"));
}

TEST(IngestHyperfine, NegativeDurationsAreRefused) {
  EXPECT_THAT(error_of(R"({"results": [{"command": "a", "mean": -1}]})"),
              HasSubstr("bench.json: hyperfine: results[0].mean: expected a number >= 0, got -1"));
  EXPECT_THAT(error_of(R"({"results": [{"command": "a", "mean": 1, "min": -0.5}]})"),
              HasSubstr("results[0].min: expected a number >= 0, got -0.5"));
  EXPECT_THAT(error_of(R"({"results": [{"command": "a", "mean": 1, "times": [1, -2]}]})"),
              HasSubstr("results[0].times[1]: expected a number >= 0, got -2"));
}

}  // namespace
}  // namespace perfgate::ingest
