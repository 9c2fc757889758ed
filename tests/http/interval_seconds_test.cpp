// LoadRun::take_seconds: the engine's once-a-second histograms, merged over its threads, for
// interval logs and soak checkpoints — every request in exactly one second, none kept after.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "http/load_engine.hpp"
#include "run/engine_options.hpp"
#include "support/shared_serve.hpp"

namespace perfgate::http {
namespace {

class TakeSeconds : public testing::SharedServe<> {
 protected:
  LoadOptions options(bool keep_seconds) {
    suite::HttpBenchmarkOptions o;
    o.url = server_->url("/health");
    o.connections = 4;
    o.threads = 2;
    o.duration = std::chrono::milliseconds(2500);
    LoadOptions load = run::build_http(o, [](std::string_view key) { return std::string(key); }).load;
    load.keep_seconds = keep_seconds;
    return load;
  }
};

TEST_F(TakeSeconds, EveryRequestIsInOneSecondAndASoakKeepsNone) {
  LoadRun run(options(false));
  run.start();
  std::vector<PublishedSecond> seconds;
  auto take = [&] {
    for (auto& s : run.take_seconds()) seconds.push_back(std::move(s));
  };
  while (!run.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    take();
  }
  take();
  LoadResult result = run.wait();
  ASSERT_EQ(seconds.size(), 3u);  // 1 s, 1 s and the last half second
  std::uint64_t requests = 0;
  std::int64_t counted = 0;
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    EXPECT_EQ(seconds[i].index, i);
    requests += seconds[i].requests;
    std::int64_t in_second = 0;
    for (auto [index, count] : seconds[i].counts) in_second += count;
    EXPECT_EQ(static_cast<std::uint64_t>(in_second), seconds[i].requests);  // every request timed, no errors
    counted += in_second;
  }
  EXPECT_NEAR(seconds.back().end_s, 2.5, 0.01);
  EXPECT_EQ(requests, result.total);
  EXPECT_EQ(counted, result.latency.total_count());
  EXPECT_TRUE(result.timeline.empty());  // taken and forgotten
  EXPECT_TRUE(run.take_seconds().empty());
}

TEST_F(TakeSeconds, ARunThatKeepsItsSecondsStillHasItsTimeline) {
  LoadRun run(options(true));
  run.start();
  std::uint64_t requests = 0;
  while (!run.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const auto& s : run.take_seconds()) requests += s.requests;
  }
  for (const auto& s : run.take_seconds()) requests += s.requests;
  LoadResult result = run.wait();
  EXPECT_EQ(requests, result.total);
  ASSERT_EQ(result.timeline.size(), 3u);
  std::uint64_t timeline = 0;
  for (const auto& point : result.timeline) timeline += point.requests;
  EXPECT_EQ(timeline, result.total);
}

}  // namespace
}  // namespace perfgate::http
