// The coordinated-omission test: a server that stalls for S = 1 s every P = 5 s, loaded in
// the open model at 1,000 req/s for 20 s. Ground truth: a fraction S/P of the requests is
// scheduled during a stall and waits uniformly between 0 and S, so the latency exceeding x
// (0 < x < S) has probability (S/P)(1 - x/S): p90 = 0.5 s and p99 = 0.95 s. The open model
// must report those within 15%; the closed model must under-report them — that is exactly
// the flaw the open model exists to fix.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace perfgate::testing {
namespace {

using nlohmann::json;

constexpr double kStallS = 1.0;
constexpr double kPeriodS = 5.0;

// Latency above which a fraction q of all requests lies, for q < S/P.
double ground_truth_ms(double percentile) {
  double q = 1.0 - percentile / 100.0;
  return kStallS * (1.0 - q / (kStallS / kPeriodS)) * 1000.0;
}

json run(const ServeProcess& server, std::vector<std::string> extra) {
  std::vector<std::string> args{"http", server.url("/health"), "--quiet", "--json", "-", "-d", "20s", "-t", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessOutput out = run_perfgate(args, std::chrono::seconds(60));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  json doc = json::parse(out.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << out.err;
  return doc.is_discarded() ? json::object() : doc["benchmarks"][0];
}

TEST(CoordinatedOmission, OpenModelReportsTheStallsClosedModelHidesThem) {
  ServeProcess server({"--quiet", "--stall", "1s", "--every", "5s"});
  // serve's first stall begins one period after it starts ([5,6) s, [10,11) s, ...); a 1 s
  // warm-up puts the 20 s window over exactly four whole stalls.
  json open = run(server, {"--rate", "1000", "-c", "50", "--warmup", "1s"});
  if (!open["valid"].get<bool>()) {
    // perfgate judged itself starved of CPU (a busy machine); a second chance, then it counts.
    std::cerr << "first open-model run invalid: " << open["invalid_reason"] << "; running again\n";
    open = run(server, {"--rate", "1000", "-c", "50", "--warmup", "1s"});
  }
  double p90_truth = ground_truth_ms(90);  // 500 ms
  double p99_truth = ground_truth_ms(99);  // 950 ms
  double p90 = open["latency_ms"]["p90"];
  double p99 = open["latency_ms"]["p99"];
  EXPECT_NEAR(p90, p90_truth, 0.15 * p90_truth);
  EXPECT_NEAR(p99, p99_truth, 0.15 * p99_truth);
  // Every request due in the 20 s counts, those still waiting at the end included.
  EXPECT_EQ(open["requests"]["total"].get<std::uint64_t>(), 20000u);
  EXPECT_TRUE(open["valid"].get<bool>()) << open["invalid_reason"];
  // The requests that waited for a connection are the target's fault, and said so.
  ASSERT_FALSE(open["notes"].empty());
  EXPECT_NE(open["notes"][0].get<std::string>().find("did not keep up"), std::string::npos);
  // Measured from the actual send, the stall mostly disappears: the uncorrected view lies.
  EXPECT_LT(open["latency_uncorrected_ms"]["p90"].get<double>(), 0.5 * p90_truth);

  json closed = run(server, {"-c", "50"});
  EXPECT_LT(closed["latency_ms"]["p99"].get<double>(), 0.5 * p99_truth)
      << "the closed model should under-report the stalls (coordinated omission)";
  EXPECT_LT(closed["latency_ms"]["p90"].get<double>(), 0.5 * p90_truth);
}

}  // namespace
}  // namespace perfgate::testing
