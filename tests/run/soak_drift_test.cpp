// The soak's drift verdict on per-checkpoint p95 series: a significant upward trend larger than
// the allowed change drifts; noise, a falling p95, a small trend and too few checkpoints do not.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "run/soak_run.hpp"

namespace perfgate::run {
namespace {

struct Series {
  std::vector<double> t_s, p95_ms;
};

// n checkpoints of 60 s; p95 from `first` to `last` in a straight line, plus a fixed wobble.
Series series(std::size_t n, double first, double last, double wobble) {
  Series s;
  for (std::size_t i = 0; i < n; ++i) {
    double x = static_cast<double>(i) / static_cast<double>(n - 1);
    s.t_s.push_back(60.0 * static_cast<double>(i + 1));
    s.p95_ms.push_back(first + (last - first) * x + wobble * std::sin(static_cast<double>(i) * 2.1));
  }
  return s;
}

nlohmann::json judge(const Series& s) { return drift_verdict(s.t_s, s.p95_ms, s.t_s.back(), 0.10); }

TEST(SoakDrift, AP95ThatGrowsByHalfDrifts) {
  nlohmann::json v = judge(series(12, 5.0, 7.5, 0.05));
  EXPECT_TRUE(v["judged"].get<bool>());
  EXPECT_TRUE(v["drifting"].get<bool>()) << v.dump();
  // The rise over the whole soak (the line extended from 0 to 720 s) over the mean p95.
  EXPECT_NEAR(v["change"].get<double>(), 2.5 * 720 / 660 / 6.25, 0.02);
  EXPECT_GT(v["ci95"][0].get<double>(), 0);
}

TEST(SoakDrift, NoiseAFallAndASmallRiseDoNotDrift) {
  EXPECT_FALSE(judge(series(12, 5.0, 5.0, 0.5))["drifting"].get<bool>());
  EXPECT_FALSE(judge(series(12, 7.5, 5.0, 0.05))["drifting"].get<bool>());  // falling: not a fault
  nlohmann::json small = judge(series(12, 5.0, 5.2, 0.01));                  // +4%, allowed 10%
  EXPECT_GT(small["ci95"][0].get<double>(), 0);                              // significant, yet small
  EXPECT_FALSE(small["drifting"].get<bool>());
}

TEST(SoakDrift, FewerThanFiveCheckpointsAreNotJudged) {
  nlohmann::json v = judge(series(4, 5.0, 50.0, 0));
  EXPECT_FALSE(v["judged"].get<bool>());
  EXPECT_FALSE(v["drifting"].get<bool>());
  EXPECT_EQ(v["reason"], "4 checkpoints with requests; a trend needs 5");
}

}  // namespace
}  // namespace perfgate::run
