// The criterion ingest format: the target/criterion tree written by criterion 0.3.6 itself
// (tests/fixtures/ingest/criterion/target-criterion) and cargo-criterion's JSON messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "ingest/ingest.hpp"

namespace perfgate::ingest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kFixtures = std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/ingest/criterion/";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json metric(const json& benchmark, const std::string& name) {
  for (const auto& m : benchmark["metrics"]) {
    if (m["name"] == name) return m;
  }
  ADD_FAILURE() << benchmark["name"] << " has no metric " << name;
  return json::object();
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(IngestCriterion, TheTreeGivesOneBenchmarkPerNewEstimates) {
  auto benchmarks = parse_criterion_directory(kFixtures + "target-criterion");
  ASSERT_EQ(benchmarks.size(), 3u);  // base/ is the previous run, not this one
  EXPECT_EQ(benchmarks[0]["name"], "join");
  const json& sort = benchmarks[1];
  EXPECT_EQ(sort["name"], "sort/10");  // benchmark.json's full_id
  EXPECT_EQ(sort["format"], "criterion");
  EXPECT_DOUBLE_EQ(metric(sort, "time_mean")["value"].get<double>(), 54.4089172729554);
  EXPECT_EQ(metric(sort, "time_mean")["unit"], "ns");
  EXPECT_EQ(metric(sort, "time_mean")["better"], "lower");
  EXPECT_DOUBLE_EQ(metric(sort, "time_slope")["value"].get<double>(), 55.02399526399526);
  EXPECT_EQ(metric(sort, "time_median")["unit"], "ns");
  EXPECT_EQ(metric(sort, "time_stddev")["unit"], "ns");
  // 80 bytes per iteration at 54.4 ns.
  EXPECT_NEAR(metric(sort, "bytes_per_s")["value"].get<double>(), 80 / 54.4089172729554e-9, 1);
  EXPECT_EQ(metric(sort, "bytes_per_s")["better"], "higher");
  EXPECT_DOUBLE_EQ(sort["confidence_intervals"]["time_mean"]["lower"].get<double>(), 49.73871377645392);
  ASSERT_EQ(sort["samples"]["values"].size(), 10u);
  EXPECT_NEAR(sort["samples"]["values"][0].get<double>(), 39.070666443215465, 1e-9);  // times / iters
  EXPECT_EQ(sort["samples"]["values_unit"], "ns");
  EXPECT_EQ(sort["config"]["sampling_mode"], "Linear");
}

TEST(IngestCriterion, CargoCriterionMessagesGiveTheSameFigures) {
  auto benchmarks = parse("criterion", read(kFixtures + "messages.jsonl"), "messages.jsonl");
  ASSERT_EQ(benchmarks.size(), 2u);  // the group-complete message is no benchmark
  EXPECT_EQ(benchmarks[1]["name"], "sort/10");
  EXPECT_DOUBLE_EQ(metric(benchmarks[1], "time_mean")["value"].get<double>(), 54.4089172729554);
  EXPECT_NEAR(benchmarks[1]["samples"]["values"][0].get<double>(), 39.070666443215465, 1e-9);
  EXPECT_EQ(metric(benchmarks[1], "bytes_per_s")["unit"], "bytes/s");
  EXPECT_EQ(benchmarks[0]["samples"]["values_metrics"], json({"time_mean", "time_median", "time_slope"}));
}

TEST(IngestCriterion, ErrorsNameTheFileAndThePlace) {
  EXPECT_THAT(error_of([] { parse_criterion_directory("/nonexistent/criterion"); }),
              HasSubstr("/nonexistent/criterion: criterion: no such directory"));
  char tmpl[] = "/tmp/perfgate-ingest-criterion-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path root = tmpl;
  EXPECT_THAT(error_of([&] { parse_criterion_directory(root.string()); }), HasSubstr("no benchmark results"));
  fs::create_directories(root / "bad" / "new");
  std::ofstream(root / "bad" / "new" / "estimates.json") << R"({"mean": {"point_estimate": "x"}, "median": {}})";
  EXPECT_THAT(error_of([&] { parse_criterion_directory(root.string()); }),
              HasSubstr("bad/new/estimates.json: criterion: mean.point_estimate: expected a number, got a string"));
  std::ofstream(root / "bad" / "new" / "estimates.json") << R"({"mean": {"point_estimate": 1)";
  EXPECT_THAT(error_of([&] { parse_criterion_directory(root.string()); }),
              HasSubstr("estimates.json: criterion: invalid JSON at line 1"));
  fs::remove_all(root);

  EXPECT_THAT(error_of([] { parse("criterion", "", "m.jsonl"); }), HasSubstr("m.jsonl: criterion: the input is empty"));
  EXPECT_THAT(error_of([] { parse("criterion", "{\"reason\":\"group-complete\"}\n{\"reason\":", "m.jsonl"); }),
              HasSubstr("m.jsonl: criterion: line 2: invalid JSON"));
  EXPECT_THAT(error_of([] {
                parse("criterion", R"({"reason":"benchmark-complete","id":"a","mean":{"estimate":"1"}})", "m.jsonl");
              }),
              HasSubstr("line 1.mean.estimate: expected a number, got a string"));
}

}  // namespace
}  // namespace perfgate::ingest
