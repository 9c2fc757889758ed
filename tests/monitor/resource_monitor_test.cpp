// The sampling thread on a scripted source: samples on schedule, a window, the target gone.
#include "monitor/resource_monitor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace perfgate::monitor {
namespace {

// Gives rss = 1, 2, 3, ... and then nothing after `lifetime` samples.
class ScriptedSource final : public ResourceSource {
 public:
  explicit ScriptedSource(int lifetime) : lifetime_(lifetime) {}
  std::optional<ResourceSample> sample() override {
    if (calls_++ >= lifetime_) {
      return std::nullopt;
    }
    ResourceSample s;
    s.rss_bytes = static_cast<std::uint64_t>(calls_);
    s.cpu_pct = 10.0 * calls_;
    s.threads = 2;
    s.fds = static_cast<std::uint64_t>(calls_ % 3);
    return s;
  }

 private:
  int lifetime_;
  int calls_ = 0;
};

TEST(ResourceMonitor, SamplesUntilTheTargetIsGone) {
  // The priming read in start() is call 1; the thread then gets calls 2..5 and nothing.
  ResourceMonitor monitor(std::make_unique<ScriptedSource>(5), std::chrono::milliseconds(10));
  monitor.start();
  for (int i = 0; i < 500 && !monitor.target_gone(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(monitor.target_gone());
  monitor.stop();
  const auto samples = monitor.samples();
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples.front().rss_bytes, 2u);
  EXPECT_EQ(samples.back().rss_bytes, 5u);
  for (std::size_t i = 1; i < samples.size(); ++i) {
    EXPECT_GT(samples[i].t_s, samples[i - 1].t_s);
  }
  EXPECT_EQ(monitor.window(samples[1].t_s, samples[2].t_s).size(), 2u);
}

TEST(ResourceMonitor, StopIsIdempotentAndSampleNowAddsOne) {
  ResourceMonitor monitor(std::make_unique<ScriptedSource>(1000), std::chrono::hours(1));
  monitor.start();
  monitor.sample_now();
  monitor.stop();
  monitor.stop();
  ASSERT_EQ(monitor.samples().size(), 1u);
  EXPECT_FALSE(monitor.target_gone());
}

TEST(ResourceMonitor, SummarizeTakesMeansAndMaxima) {
  std::vector<ResourceSample> samples(3);
  samples[0].cpu_pct = 10;
  samples[1].cpu_pct = 50;
  samples[2].cpu_pct = 30;
  samples[1].rss_bytes = 7;
  samples[2].threads = 4;
  samples[0].fds = 9;
  ResourceSummary summary = summarize(samples);
  EXPECT_DOUBLE_EQ(summary.cpu_pct_mean, 30);
  EXPECT_DOUBLE_EQ(summary.cpu_pct_max, 50);
  EXPECT_EQ(summary.rss_max, 7u);
  EXPECT_EQ(summary.threads_max, 4u);
  EXPECT_EQ(summary.fds_max, 9u);
  EXPECT_EQ(summary.samples, 3u);
  EXPECT_EQ(summarize({}).samples, 0u);
}

}  // namespace
}  // namespace perfgate::monitor
