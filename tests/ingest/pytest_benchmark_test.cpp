// The pytest-benchmark ingest format on `pytest --benchmark-json` output made by
// pytest-benchmark 3.2.2 (tests/fixtures/ingest/pytest-benchmark): seconds become nanoseconds,
// stats.data the samples; broken files.
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

std::string fixture(const std::string& name) { return test_support::read_fixture("pytest-benchmark", name); }

json metric(const json& benchmark, const std::string& name) { return test_support::metric_of(benchmark, name); }

std::string error_of(const std::string& text) {
  return test_support::parse_error("pytest-benchmark", text, "bench.json");
}

TEST(IngestPytestBenchmark, StatsInNanosecondsAndDataAsSamples) {
  auto benchmarks = parse("pytest-benchmark", fixture("results.json"), "results.json");
  ASSERT_EQ(benchmarks.size(), 4u);
  const json& sort = benchmarks[1];
  EXPECT_EQ(sort["name"], "test_fixture.py::test_sort[10]");
  EXPECT_EQ(sort["config"]["name"], "test_sort[10]");
  EXPECT_EQ(sort["config"]["params"]["size"], 10);
  EXPECT_NEAR(metric(sort, "time_mean")["value"].get<double>(), 110.96799870655458, 1e-9);
  EXPECT_EQ(metric(sort, "time_mean")["unit"], "ns");
  EXPECT_EQ(metric(sort, "time_mean")["better"], "lower");
  EXPECT_NEAR(metric(sort, "time_median")["value"].get<double>(), 110.7600110117346, 1e-9);
  EXPECT_NEAR(metric(sort, "ops_per_s")["value"].get<double>(), 9011607.054790769, 1e-6);
  EXPECT_EQ(metric(sort, "ops_per_s")["better"], "higher");
  ASSERT_EQ(sort["samples"]["values"].size(), 45u);
  EXPECT_NEAR(sort["samples"]["values"][0].get<double>(), 112.07001080038026, 1e-9);
  EXPECT_EQ(sort["samples"]["values_unit"], "ns");
  EXPECT_EQ(benchmarks[3]["config"]["group"], "parsing");
  EXPECT_TRUE(sort["config"].contains("machine_info"));
}

TEST(IngestPytestBenchmark, WithoutDataThereAreNoSamples) {
  auto benchmarks = parse("pytest-benchmark",
                          R"({"benchmarks": [{"name": "t", "fullname": "a.py::t",
                               "stats": {"mean": 0.002, "median": 0.001, "ops": 500}}]})",
                          "b.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "time_mean")["value"].get<double>(), 2e6);
  EXPECT_FALSE(benchmarks[0]["samples"].contains("values"));
}

TEST(IngestPytestBenchmark, ErrorsNameTheFormatAndThePlace) {
  std::string text = fixture("results.json");
  EXPECT_THAT(error_of(text.substr(0, text.size() - 10)),
              HasSubstr("bench.json: pytest-benchmark: invalid JSON at line"));
  EXPECT_THAT(error_of(""), HasSubstr("pytest-benchmark: the input is empty"));
  EXPECT_THAT(error_of(R"({"benchmarks": [{"name": "t", "stats": {"mean": null}}]})"),
              HasSubstr("pytest-benchmark: benchmarks[0].stats.mean: expected a number, got null"));
  EXPECT_THAT(error_of(R"({"benchmarks": [{"name": "t", "stats": {"mean": 1, "data": [1, "2"]}}]})"),
              HasSubstr("benchmarks[0].stats.data[1]: expected a number, got a string"));
  EXPECT_THAT(error_of(R"({"benchmarks": [{"name": "t"}]})"), HasSubstr("benchmarks[0].stats: missing"));
}

}  // namespace
}  // namespace perfgate::ingest
