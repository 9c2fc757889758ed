// The trend statistic on synthetic series whose truth is known: flat noise, a linear leak, a
// sawtooth, a warm-up that plateaus and strongly autocorrelated noise.
#include "monitor/trend.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace perfgate::monitor {
namespace {

constexpr double kMB = 1024.0 * 1024.0;
constexpr double kMBPerH = kMB;  // thresholds read "1MB/h"

// Standard normal draws from the raw engine (Box-Muller), identical under every standard library.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : engine_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = (static_cast<double>(engine_() >> 11) + 0.5) / 9007199254740992.0;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

struct Series {
  std::vector<double> t_s;
  std::vector<double> values;
};

// `seconds` of samples every `interval_s`, value(t) given.
template <typename F>
Series make_series(double seconds, double interval_s, F value) {
  Series s;
  for (double t = interval_s; t <= seconds + 1e-9; t += interval_s) {
    s.t_s.push_back(t);
    s.values.push_back(value(t));
  }
  return s;
}

TEST(Trend, ConstantSeriesHasAZeroWidthIntervalAtZero) {
  Series s = make_series(30, 1, [](double) { return 123456789.0; });
  TrendEstimate trend = trend_per_hour(s.t_s, s.values);
  EXPECT_EQ(trend.slope_per_h, 0);
  EXPECT_EQ(trend.ci95_low, 0);
  EXPECT_EQ(trend.ci95_high, 0);
  EXPECT_EQ(trend.samples, 30u);
  EXPECT_FALSE(leak_check(s.t_s, s.values, 0, 0.10, kLeakMinGrowthCount).leaking);  // threads and fds: threshold 0
}

TEST(Trend, ExactLineGivesItsSlope) {
  Series s = make_series(10, 1, [](double t) { return 10 + t; });
  TrendEstimate trend = trend_per_hour(s.t_s, s.values);
  EXPECT_NEAR(trend.slope_per_h, 3600, 1e-6);
  EXPECT_NEAR(trend.ci95_low, 3600, 1e-3);
  EXPECT_NEAR(trend.ci95_high, 3600, 1e-3);
}

TEST(Trend, TooFewSamplesSayNothing) {
  Series s = make_series(4, 1, [](double t) { return t * 1e9; });
  LeakVerdict verdict = leak_check(s.t_s, s.values, 0, 0, kLeakMinGrowthCount);
  EXPECT_TRUE(std::isinf(verdict.trend.ci95_low));
  EXPECT_TRUE(std::isinf(verdict.trend.ci95_high));
  EXPECT_FALSE(verdict.leaking);
}

TEST(Trend, FlatNoisySeriesIsNotALeak) {
  Normal noise(1);
  Series s = make_series(60, 0.2, [&](double) { return 200 * kMB + 2 * kMB * noise(); });
  LeakVerdict verdict = leak_check(s.t_s, s.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes);
  EXPECT_FALSE(verdict.leaking);
  EXPECT_LT(verdict.trend.ci95_low, 0);
  EXPECT_GT(verdict.trend.ci95_high, 0);
}

TEST(Trend, LinearGrowthIsALeakAndTheIntervalHoldsTheTrueSlope) {
  Normal noise(2);
  const double per_s = 0.5 * kMB;  // 1.8 GB/h
  Series s = make_series(60, 0.2, [&](double t) { return 100 * kMB + per_s * t + 2 * kMB * noise(); });
  LeakVerdict verdict = leak_check(s.t_s, s.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes);
  EXPECT_TRUE(verdict.leaking);
  EXPECT_LT(verdict.trend.ci95_low, per_s * 3600);
  EXPECT_GT(verdict.trend.ci95_high, per_s * 3600);
  EXPECT_NEAR(verdict.trend.slope_per_h, per_s * 3600, 0.1 * per_s * 3600);
}

TEST(Trend, SawtoothThatFreesEveryFewSecondsIsNotALeak) {
  // Memory climbs by 20 MB and is freed again, with periods and phases that do not divide the
  // window: a partial last tooth biases the point slope, and the interval must take that in.
  for (double period_s : {2.0, 3.0, 4.0, 5.0, 7.0}) {
    for (double phase_s : {0.0, 0.7, 1.3}) {
      Series s = make_series(40, 0.2, [&](double t) {
        const double within = std::fmod(t + phase_s, period_s) / period_s;
        return 150 * kMB + 20 * kMB * within;
      });
      LeakVerdict verdict = leak_check(s.t_s, s.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes);
      EXPECT_FALSE(verdict.leaking) << "period " << period_s << " s, phase " << phase_s << " s: ci95 ["
                                    << verdict.trend.ci95_low / kMB << ", " << verdict.trend.ci95_high / kMB
                                    << "] MB/h";
    }
  }
}

TEST(Trend, SawtoothOnTopOfALeakIsStillALeak) {
  Series s = make_series(40, 0.2, [&](double t) {
    const double within = std::fmod(t, 4.0) / 4.0;
    return 150 * kMB + 20 * kMB * within + 2 * kMB * t;  // 2 MB/s under the teeth
  });
  EXPECT_TRUE(leak_check(s.t_s, s.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes).leaking);
}

TEST(Trend, WarmUpThatPlateausIsNotALeak) {
  // 50 MB allocated over the first 3 s of 60, then steady with allocator jitter; the default
  // warm-up drops the first 10% (6 s).
  Normal noise(3);
  Series s = make_series(60, 0.2, [&](double t) {
    return 100 * kMB + 50 * kMB * std::min(t / 3.0, 1.0) + 0.5 * kMB * noise();
  });
  EXPECT_FALSE(leak_check(s.t_s, s.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes).leaking);
  // Without the warm-up dropped, the growth is real and is reported.
  EXPECT_GT(trend_per_hour(s.t_s, s.values).slope_per_h, 0);
}

TEST(Trend, AutocorrelatedNoiseIsRarelyCalledALeak) {
  // AR(1) with phi = 0.9: long excursions that an i.i.d. error would call trends. Over 200
  // independent series the one-sided false-leak rate should be near 2.5%; allow up to 6%.
  int leaks = 0;
  int naive_leaks = 0;
  for (std::uint64_t seed = 100; seed < 300; ++seed) {
    Normal noise(seed);
    double level = 0;
    Series s = make_series(60, 0.2, [&](double) {
      level = 0.9 * level + noise();
      return 300 * kMB + kMB * level;
    });
    LeakVerdict verdict = leak_check(s.t_s, s.values, 0, 0.10, kLeakMinGrowthCount);
    leaks += verdict.leaking ? 1 : 0;
    // For contrast, the textbook interval (i.i.d. errors) on the same series.
    const std::size_t n = s.t_s.size();
    double tm = 0, ym = 0;
    for (std::size_t i = 0; i < n; ++i) {
      tm += s.t_s[i] / static_cast<double>(n);
      ym += s.values[i] / static_cast<double>(n);
    }
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sxx += (s.t_s[i] - tm) * (s.t_s[i] - tm);
      sxy += (s.t_s[i] - tm) * (s.values[i] - ym);
    }
    const double b = sxy / sxx;
    double sse = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double e = s.values[i] - ym - b * (s.t_s[i] - tm);
      sse += e * e;
    }
    const double se = std::sqrt(sse / static_cast<double>(n - 2) / sxx);
    naive_leaks += (b - 1.97 * se > 0) ? 1 : 0;
  }
  EXPECT_LE(leaks, 12);
  EXPECT_GT(naive_leaks, 2 * leaks);  // the reason for the robust error
}

TEST(Trend, OneAutocorrelatedSeriesIsNotALeakAtTheDefaultThreshold) {
  Normal noise(7);
  double level = 0;
  Series s = make_series(120, 0.5, [&](double) {
    level = 0.95 * level + noise();
    return 80 * kMB + 0.25 * kMB * level;
  });
  EXPECT_FALSE(leak_check(s.t_s, s.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes).leaking);
}

TEST(Trend, WarmupDropsTheFirstFractionOfTheWindow) {
  Series s = make_series(100, 1, [](double t) { return t < 50 ? t : 50.0; });
  LeakVerdict verdict = leak_check(s.t_s, s.values, 0, 0.5, kLeakMinGrowthCount);
  EXPECT_EQ(verdict.trend.samples, 50u);  // the window is t = 1 .. 100, cut at 50.5: t = 51 .. 100
  EXPECT_EQ(verdict.trend.slope_per_h, 0);
  EXPECT_FALSE(verdict.leaking);
}

// An interrupted 6 s soak once read "LEAK +21 MiB/h": 35 KiB of a service warming up, a clean
// line, so its interval was narrow and far above 1 MB/h. Growth that small is no verdict at all;
// the same six seconds of a real leak (2 MB/s) are one.
TEST(Trend, SecondsOfWarmUpGrowthAreNoVerdictButSecondsOfARealLeakAreALeak) {
  Series warming = make_series(6, 0.5, [](double t) { return 40 * kMB + 6000 * t; });
  LeakVerdict small = leak_check(warming.t_s, warming.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes);
  EXPECT_GT(small.trend.ci95_low, 20 * kMBPerH);  // the slope alone would call it a leak
  EXPECT_FALSE(small.judged);
  EXPECT_FALSE(small.leaking);
  EXPECT_NEAR(small.window_s, 4.5, 1e-9);  // samples at 0.5 .. 6 s, the first 10% (t < 1.05) dropped

  Series leaking = make_series(6, 0.5, [](double t) { return 40 * kMB + 2 * kMB * t; });
  LeakVerdict big = leak_check(leaking.t_s, leaking.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes);
  EXPECT_TRUE(big.judged);
  EXPECT_TRUE(big.leaking);

  // One thread more within a few seconds is no thread leak yet; one a second for 20 s is.
  Series one_more = make_series(5, 0.25, [](double t) { return t < 2.5 ? 8.0 : 9.0; });
  EXPECT_FALSE(leak_check(one_more.t_s, one_more.values, 0, 0.10, kLeakMinGrowthCount).leaking);
  Series growing = make_series(20, 0.25, [](double t) { return 8.0 + std::floor(t); });
  EXPECT_TRUE(leak_check(growing.t_s, growing.values, 0, 0.10, kLeakMinGrowthCount).leaking);
}

// Below the threshold is a verdict whatever the growth: "no leak".
TEST(Trend, AFlatShortSeriesIsJudgedNoLeak) {
  Series flat = make_series(6, 0.5, [](double) { return 40 * kMB; });
  LeakVerdict verdict = leak_check(flat.t_s, flat.values, 1 * kMBPerH, 0.10, kLeakMinGrowthBytes);
  EXPECT_TRUE(verdict.judged);
  EXPECT_FALSE(verdict.leaking);
}

}  // namespace
}  // namespace perfgate::monitor
