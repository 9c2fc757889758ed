// The ingest entry points: the list of formats, unknown formats with a suggestion, repeated
// benchmark names made unique, and the helpers every format uses.
#include "ingest/ingest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ingest/ingested_benchmark.hpp"

namespace perfgate::ingest {
namespace {

using ::testing::HasSubstr;

TEST(IngestFormats, AllTwelveFormatsAreListed) {
  EXPECT_EQ(format_names(), (std::vector<std::string>{"google-benchmark", "hyperfine", "criterion", "go",
                                                      "pytest-benchmark", "vitest", "k6", "jmh", "wrk", "vegeta",
                                                      "oha", "tracker"}));
}

TEST(IngestFormats, AnUnknownFormatSuggestsTheClosest) {
  try {
    parse("hyperfin", "{}", "x.json");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown ingest format 'hyperfin'; did you mean 'hyperfine'?"));
    EXPECT_THAT(e.what(), HasSubstr("google-benchmark, hyperfine, criterion"));
  }
  EXPECT_NO_THROW(require_known_format("jmh"));
}

TEST(IngestFormats, RepeatedNamesBecomeUnique) {
  auto benchmarks = parse("hyperfine",
                          R"({"results": [{"command": "a", "mean": 1}, {"command": "a", "mean": 2},
                                          {"command": "a", "mean": 3}]})",
                          "x.json");
  ASSERT_EQ(benchmarks.size(), 3u);
  EXPECT_EQ(benchmarks[0]["name"], "a");
  EXPECT_EQ(benchmarks[1]["name"], "a (2)");
  EXPECT_EQ(benchmarks[2]["name"], "a (3)");
}

TEST(IngestHelpers, MetricNamesAndUnits) {
  EXPECT_EQ(metric_name_from("MB/s"), "mb_per_s");
  EXPECT_EQ(metric_name_from("\xC2\xB7gc.alloc.rate.norm"), "gc_alloc_rate_norm");
  EXPECT_EQ(metric_name_from("http_req_duration{expected_response:true}"), "http_req_duration_expected_response_true");
  EXPECT_EQ(*nanoseconds_per("us"), 1e3);
  EXPECT_EQ(*nanoseconds_per("s"), 1e9);
  EXPECT_FALSE(nanoseconds_per("op").has_value());
  std::vector<double> many(250000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<double>(i);
  auto kept = thin(many);
  ASSERT_EQ(kept.size(), kMaxSamples);
  EXPECT_EQ(kept.front(), 0);
  EXPECT_GT(kept.back(), 249990);
}

}  // namespace
}  // namespace perfgate::ingest
