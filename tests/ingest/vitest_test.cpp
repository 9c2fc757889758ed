// The vitest ingest format on `vitest bench --outputJson` output made by vitest 4.1.12
// (tests/fixtures/ingest/vitest; vitest 4 writes no samples), samples where an older vitest
// kept them, and broken files.
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

std::string fixture(const std::string& name) { return test_support::read_fixture("vitest", name); }

json metric(const json& benchmark, const std::string& name) { return test_support::metric_of(benchmark, name); }

std::string error_of(const std::string& text) { return test_support::parse_error("vitest", text, "bench.json"); }

TEST(IngestVitest, GroupsAndBenchmarksWithTimesInMilliseconds) {
  auto benchmarks = parse("vitest", fixture("results.json"), "results.json");
  ASSERT_EQ(benchmarks.size(), 3u);
  EXPECT_EQ(benchmarks[0]["name"], "fixture.bench.ts > join");
  const json& sort = benchmarks[1];
  EXPECT_EQ(sort["name"], "fixture.bench.ts > sort > sort 10");
  EXPECT_DOUBLE_EQ(metric(sort, "time_mean")["value"].get<double>(), 0.002694214705156819);
  EXPECT_EQ(metric(sort, "time_mean")["unit"], "ms");
  EXPECT_EQ(metric(sort, "time_mean")["better"], "lower");
  EXPECT_DOUBLE_EQ(metric(sort, "time_median")["value"].get<double>(), 0.0007719999999835636);
  EXPECT_DOUBLE_EQ(metric(sort, "time_p99")["value"].get<double>(), 0.0018120000000863001);
  EXPECT_DOUBLE_EQ(metric(sort, "ops_per_s")["value"].get<double>(), 371165.66771236376);
  EXPECT_EQ(metric(sort, "ops_per_s")["better"], "higher");
  EXPECT_EQ(metric(sort, "rme")["unit"], "percent");
  EXPECT_EQ(sort["config"]["sampleCount"], 20265);
  EXPECT_FALSE(sort["samples"].contains("values"));  // the file's samples are []
}

TEST(IngestVitest, SamplesAreKeptWhenTheFileHasThem) {
  auto benchmarks = parse("vitest",
                          R"({"files": [{"filepath": "/p/a.bench.ts", "groups": [{"fullName": "a.bench.ts",
                               "benchmarks": [{"name": "x", "mean": 0.2, "samples": [0.1, 0.2, 0.3]}]}]}]})",
                          "a.json");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_EQ(benchmarks[0]["samples"]["values"], json({0.1, 0.2, 0.3}));
  EXPECT_EQ(benchmarks[0]["samples"]["values_unit"], "ms");
}

TEST(IngestVitest, ErrorsNameTheFormatAndThePlace) {
  std::string text = fixture("results.json");
  EXPECT_THAT(error_of(text.substr(0, 100)), HasSubstr("bench.json: vitest: invalid JSON at line"));
  EXPECT_THAT(error_of(""), HasSubstr("vitest: the input is empty"));
  EXPECT_THAT(error_of(R"({"files": [{"groups": [{"fullName": "g", "benchmarks": [{"name": "x", "mean": "1"}]}]}]})"),
              HasSubstr("vitest: files[0].groups[0].benchmarks[0].mean: expected a number, got a string"));
  EXPECT_THAT(error_of(R"({"files": []})"), HasSubstr("vitest: files: no benchmarks"));
}

}  // namespace
}  // namespace perfgate::ingest
