// The go ingest format on `go test -bench . -benchmem` output made by go 1.19.8
// (tests/fixtures/ingest/go): -count 3 repetitions, sub-benchmarks, MB/s and a custom unit,
// the -json wrapping, no GOMAXPROCS suffix; and lines it cannot read.
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

std::string fixture(const std::string& name) { return test_support::read_fixture("go", name); }

json metric(const json& benchmark, const std::string& name) { return test_support::metric_of(benchmark, name); }

std::string error_of(const std::string& text) { return test_support::parse_error("go", text, "bench.txt"); }

TEST(IngestGo, RepeatedLinesAreSamplesAndTheSuffixGoesToConfig) {
  auto benchmarks = parse("go", fixture("count3.txt"), "count3.txt");
  ASSERT_EQ(benchmarks.size(), 3u);
  const json& join = benchmarks[0];
  EXPECT_EQ(join["name"], "BenchmarkJoin");
  EXPECT_EQ(join["config"]["gomaxprocs"], 2);
  EXPECT_EQ(join["config"]["goos"], "linux");
  EXPECT_EQ(join["config"]["goarch"], "amd64");
  EXPECT_EQ(join["config"]["pkg"], "example.com/ingestfixture");
  EXPECT_EQ(join["config"]["cpu"], "AMD EPYC");
  EXPECT_EQ(join["config"]["runs"], 3);
  EXPECT_NEAR(metric(join, "ns_per_op")["value"].get<double>(), (49.66 + 50.00 + 48.99) / 3, 1e-9);
  EXPECT_EQ(metric(join, "ns_per_op")["unit"], "ns");
  EXPECT_EQ(metric(join, "ns_per_op")["better"], "lower");
  EXPECT_DOUBLE_EQ(metric(join, "ns_per_op_median")["value"].get<double>(), 49.66);
  EXPECT_DOUBLE_EQ(metric(join, "bytes_per_op")["value"].get<double>(), 8);
  EXPECT_EQ(metric(join, "bytes_per_op")["unit"], "bytes");
  EXPECT_EQ(metric(join, "allocs_per_op")["better"], "lower");
  EXPECT_EQ(join["samples"]["values"], json({49.66, 50.00, 48.99}));
  EXPECT_EQ(join["samples"]["values_unit"], "ns");

  const json& sort = benchmarks[1];
  EXPECT_EQ(sort["name"], "BenchmarkSort/size=10");
  EXPECT_EQ(metric(sort, "mb_per_s")["better"], "higher");
  EXPECT_EQ(metric(sort, "mb_per_s")["unit"], "MB/s");
  EXPECT_NEAR(metric(sort, "mb_per_s")["value"].get<double>(), (325.44 + 273.90 + 348.04) / 3, 1e-9);
  EXPECT_EQ(metric(sort, "elements_per_op")["unit"], "elements/op");  // b.ReportMetric
  EXPECT_EQ(sort["samples"]["mb_per_s"].size(), 3u);
  EXPECT_EQ(benchmarks[2]["name"], "BenchmarkSort/size=1000");
}

TEST(IngestGo, TheJsonWrappingOfGoTestIsUnwrapped) {
  auto benchmarks = parse("go", fixture("test2json.jsonl"), "test2json.jsonl");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_EQ(benchmarks[0]["name"], "BenchmarkJoin");
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "ns_per_op")["value"].get<double>(), 40.97);
  EXPECT_EQ(benchmarks[0]["config"]["gomaxprocs"], 2);
}

TEST(IngestGo, WithoutASuffixGomaxprocsIsOne) {
  auto benchmarks = parse("go", fixture("cpu1.txt"), "cpu1.txt");
  ASSERT_EQ(benchmarks.size(), 1u);
  EXPECT_EQ(benchmarks[0]["name"], "BenchmarkJoin");
  EXPECT_EQ(benchmarks[0]["config"]["gomaxprocs"], 1);
  EXPECT_DOUBLE_EQ(metric(benchmarks[0], "ns_per_op")["value"].get<double>(), 38.23);
}

TEST(IngestGo, SeveralGomaxprocsKeepTheSuffixToTellThemApart) {
  auto benchmarks = parse("go",
                          "BenchmarkA     100  10 ns/op\n"
                          "BenchmarkA-4   100  5 ns/op\n"
                          "BenchmarkB-4   100  7 ns/op\n",
                          "cpus.txt");
  ASSERT_EQ(benchmarks.size(), 3u);
  EXPECT_EQ(benchmarks[0]["name"], "BenchmarkA-1");
  EXPECT_EQ(benchmarks[1]["name"], "BenchmarkA-4");
  EXPECT_EQ(benchmarks[2]["name"], "BenchmarkB");
}

TEST(IngestGo, ErrorsNameTheFormatAndTheLine) {
  EXPECT_THAT(error_of(""), HasSubstr("bench.txt: go: the input is empty"));
  EXPECT_THAT(error_of("PASS\nok  \tx\t0.1s\n"), HasSubstr("bench.txt: go: no benchmark results"));
  EXPECT_THAT(error_of("goos: linux\nBenchmarkA-8  100  12 ns/op  5\n"),
              HasSubstr("bench.txt: go: line 2: expected VALUE UNIT pairs"));
  EXPECT_THAT(error_of("BenchmarkA-8  100  fast ns/op\n"), HasSubstr("go: line 1: 'fast' is not a number"));
  EXPECT_THAT(error_of("{\"Action\":\"output\",\"Output\":\"BenchmarkA-8 1 1 ns/op\\n\"}\n{\"Action\":"),
              HasSubstr("go: line 2: invalid JSON"));
}

}  // namespace
}  // namespace perfgate::ingest
