// The http benchmark object: what the histogram's encoding cannot carry is said beside it.
#include "http/load_result.hpp"

#include <gtest/gtest.h>

namespace perfgate::http {
namespace {

TEST(HttpBenchmarkJson, ClampedLatenciesAndTimeoutSamplesAreReported) {
  LoadResult r;
  r.duration_s = 1;
  r.total = 3;
  r.ok = 2;
  r.errors = 1;
  r.error_classes.timeout = 1;
  r.threads = 1;
  r.latency.record(200);                                   // below 1 µs: clamped up
  r.latency.record(1'000'000);                             // 1 ms
  r.latency.record(std::int64_t{2} * 3600 * 1'000'000'000);  // 2 h: clamped down
  nlohmann::json b = http_benchmark_json("GET /", nlohmann::json::object(), r);
  EXPECT_EQ(b["histogram"]["clamped"], 2);
  EXPECT_EQ(b["latency_timeout_samples"], 1);
  EXPECT_EQ(b["client"]["threads"], 1);
}

}  // namespace
}  // namespace perfgate::http
