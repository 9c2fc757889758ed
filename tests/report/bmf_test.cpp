// bencher's metric format from result documents: http (median, fastest, p99 in ns; throughput
// with its slowest and fastest whole second), cmd (mean, fastest, slowest wall time), ingested
// means; invalid benchmarks left out. And `perfgate http --bmf` end to end against serve.
#include "report/bmf.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace perfgate::report {
namespace {

using nlohmann::json;

json metric(const std::string& name, double value, const std::string& unit) {
  return {{"name", name}, {"value", value}, {"unit", unit}, {"better", "lower"}};
}

TEST(Bmf, HttpLatencyInNanosecondsAndThroughputWithItsRange) {
  json doc = {{"benchmarks",
               {{{"name", "GET /"},
                 {"kind", "http"},
                 {"valid", true},
                 {"timeline", {{{"t", 1}, {"requests", 900}}, {{"t", 2}, {"requests", 1100}}, {{"t", 3}, {"requests", 1000}},
                               {{"t", 3.2}, {"requests", 150}}}},
                 {"metrics", {metric("throughput", 1000, "rps"), metric("latency_min", 0.2, "ms"),
                              metric("latency_p50", 1.5, "ms"), metric("latency_p99", 4, "ms")}}}}}};
  json bmf = bmf_document(doc);
  EXPECT_DOUBLE_EQ(bmf["GET /"]["latency"]["value"].get<double>(), 1.5e6);
  EXPECT_DOUBLE_EQ(bmf["GET /"]["latency"]["lower_value"].get<double>(), 0.2e6);
  EXPECT_DOUBLE_EQ(bmf["GET /"]["latency"]["upper_value"].get<double>(), 4e6);
  EXPECT_DOUBLE_EQ(bmf["GET /"]["throughput"]["value"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(bmf["GET /"]["throughput"]["lower_value"].get<double>(), 900);  // the last, partial second is left out
  EXPECT_DOUBLE_EQ(bmf["GET /"]["throughput"]["upper_value"].get<double>(), 1100);
}

TEST(Bmf, CommandsIngestedMeansAndInvalidBenchmarks) {
  json doc = {{"benchmarks",
               {{{"name", "sleep"}, {"kind", "cmd"}, {"valid", true},
                 {"metrics", {metric("wall_mean", 0.01, "s"), metric("wall_min", 0.009, "s"), metric("wall_max", 0.012, "s")}}},
                {{"name", "BM_Sort"}, {"kind", "ingested"}, {"valid", true},
                 {"metrics", {metric("items_per_second", 5, "items/s"), metric("real_time_mean", 1223, "ns")}}},
                {{"name", "broken"}, {"kind", "http"}, {"valid", false}, {"metrics", {metric("latency_p50", 1, "ms")}}},
                {{"name", "sizes"}, {"kind", "ingested"}, {"valid", true}, {"metrics", {metric("bytes_mean", 10, "bytes")}}}}}};
  json bmf = bmf_document(doc);
  EXPECT_DOUBLE_EQ(bmf["sleep"]["latency"]["value"].get<double>(), 1e7);
  EXPECT_DOUBLE_EQ(bmf["sleep"]["latency"]["lower_value"].get<double>(), 9e6);
  EXPECT_DOUBLE_EQ(bmf["sleep"]["latency"]["upper_value"].get<double>(), 1.2e7);
  EXPECT_FALSE(bmf["sleep"].contains("throughput"));
  EXPECT_DOUBLE_EQ(bmf["BM_Sort"]["latency"]["value"].get<double>(), 1223);
  EXPECT_FALSE(bmf["BM_Sort"]["latency"].contains("lower_value"));
  EXPECT_FALSE(bmf.contains("broken"));
  EXPECT_FALSE(bmf.contains("sizes"));  // neither a time nor requests/s
}

}  // namespace
}  // namespace perfgate::report
