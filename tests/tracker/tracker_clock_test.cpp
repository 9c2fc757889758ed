// Tests of the tracker's timestamps taken with the cycle counter (src/tracker/cycle_clock.hpp):
// the writer's conversion against readings made up here (the rate, a wall-clock step, the rate
// refined over time), and through a real Tracker: lines agree with system_clock, a stepped wall
// clock shows in later lines, and without a constant counter the caller reads CLOCK_REALTIME.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <perfgate/tracker.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../../src/tracker/cycle_clock.hpp"
#include "tracker_files.hpp"

namespace perfgate {
namespace {

using tracker_detail::ClockReading;
using tracker_detail::CycleCalibration;
using tracker_detail::cycle_clock_settings;
using tracker_detail::CycleClockSettings;
using tracker_test::read_lines;
using tracker_test::TempDir;

using std::chrono::milliseconds;
using std::chrono::system_clock;

constexpr std::int64_t kHourNs = 3'600'000'000'000;

// A made-up machine: the counter ticks 3 times a nanosecond; each reading advances time by
// `step_ns`; the wall clock is the monotonic one plus `wall_offset_ns`.
struct FakeClocks {
  std::int64_t monotonic_ns = 1'000'000'000;
  std::int64_t wall_offset_ns = 1'767'706'080'000'000'000;
  std::int64_t step_ns = 500'000;
  std::int64_t monotonic_error_ns = 0;  // added to the next reading only
  std::uint64_t cycles_offset = 0;      // counted while CLOCK_MONOTONIC stood still

  ClockReading read() {
    monotonic_ns += step_ns;
    const ClockReading reading{cycles_at(monotonic_ns), monotonic_ns + monotonic_error_ns,
                               monotonic_ns + wall_offset_ns};
    monotonic_error_ns = 0;
    return reading;
  }
  std::uint64_t cycles_at(std::int64_t monotonic) const {
    return static_cast<std::uint64_t>(3 * monotonic) + cycles_offset;
  }
};

TEST(TrackerCycleClock, ConvertsCountsAtTheMeasuredRate) {
  FakeClocks fake;
  CycleCalibration calibration([&fake] { return fake.read(); });
  calibration.start();
  EXPECT_NEAR(calibration.ns_per_cycle(), 1.0 / 3.0, 1e-12);
  const std::int64_t later = fake.monotonic_ns + 150'000'000;
  EXPECT_NEAR(static_cast<double>(calibration.wall_ns(fake.cycles_at(later))),
              static_cast<double>(later + fake.wall_offset_ns), 1.0);
  // A record taken before the readings converts backwards from them.
  const std::int64_t earlier = fake.monotonic_ns - 50'000'000;
  EXPECT_NEAR(static_cast<double>(calibration.wall_ns(fake.cycles_at(earlier))),
              static_cast<double>(earlier + fake.wall_offset_ns), 1.0);
}

TEST(TrackerCycleClock, AWallClockStepShowsInRecordsTakenAfterTheNextRefresh) {
  FakeClocks fake;
  CycleCalibration calibration([&fake] { return fake.read(); });
  calibration.start();
  const std::int64_t before_step = fake.monotonic_ns + 1'000;
  fake.wall_offset_ns += kHourNs;  // settimeofday: an hour forward
  calibration.refresh();
  const std::int64_t after_refresh = fake.monotonic_ns + 1'000;
  // Taken before the refresh: the reading valid then; after it: the stepped clock.
  EXPECT_NEAR(static_cast<double>(calibration.wall_ns(fake.cycles_at(before_step))),
              static_cast<double>(before_step + fake.wall_offset_ns - kHourNs), 1.0);
  EXPECT_NEAR(static_cast<double>(calibration.wall_ns(fake.cycles_at(after_refresh))),
              static_cast<double>(after_refresh + fake.wall_offset_ns), 1.0);
  // The rate comes from the monotonic clock: the step did not bend it.
  EXPECT_NEAR(calibration.ns_per_cycle(), 1.0 / 3.0, 1e-12);
}

TEST(TrackerCycleClock, TheRateIsRefinedAsTimePasses) {
  FakeClocks fake;
  CycleCalibration calibration([&fake] { return fake.read(); });
  fake.monotonic_error_ns = 5'000;  // the first reading 5 us off: the first rate is 0.5% off
  calibration.start();
  EXPECT_GT(std::abs(calibration.ns_per_cycle() * 3.0 - 1.0), 1e-3);
  fake.step_ns = 10'000'000'000;  // ten seconds later
  calibration.refresh();
  EXPECT_NEAR(calibration.ns_per_cycle() * 3.0, 1.0, 1e-6);
  // 200 ms after the refresh, off by less than a microsecond.
  const std::int64_t later = fake.monotonic_ns + 200'000'000;
  EXPECT_NEAR(static_cast<double>(calibration.wall_ns(fake.cycles_at(later))),
              static_cast<double>(later + fake.wall_offset_ns), 1'000.0);
}

TEST(TrackerCycleClock, ASuspendTheCounterRanThroughDoesNotBendTheRate) {
  FakeClocks fake;
  CycleCalibration calibration([&fake] { return fake.read(); });
  calibration.start();
  // Ten seconds asleep: the counter ran on, CLOCK_MONOTONIC stood still, the wall clock moved.
  fake.cycles_offset += 30'000'000'000;
  fake.wall_offset_ns += 10'000'000'000;
  calibration.refresh();
  const std::int64_t later = fake.monotonic_ns + 200'000'000;
  calibration.refresh();
  EXPECT_NEAR(calibration.ns_per_cycle(), 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(static_cast<double>(calibration.wall_ns(fake.cycles_at(later))),
              static_cast<double>(later + fake.wall_offset_ns), 1'000.0);
}

// ---- Through a Tracker ---------------------------------------------------------------------

// Sets how the Trackers made in a test take their time, and restores the default after it.
class ClockSettingsGuard {
 public:
  explicit ClockSettingsGuard(CycleClockSettings settings) { cycle_clock_settings() = std::move(settings); }
  ~ClockSettingsGuard() { cycle_clock_settings() = CycleClockSettings{}; }
  ClockSettingsGuard(const ClockSettingsGuard&) = delete;
  ClockSettingsGuard& operator=(const ClockSettingsGuard&) = delete;
};

// "2026-01-06T13:28:00.191Z" as milliseconds since the epoch.
std::int64_t timestamp_ms(const std::string& line) {
  const std::string text = nlohmann::json::parse(line).at("timestamp").get<std::string>();
  std::tm tm{};
  EXPECT_NE(strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << text;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + std::stoll(text.substr(20, 3));
}

std::int64_t system_ms() {
  return std::chrono::floor<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The real clocks, with the wall clock moved by `offset_ns` and the readings counted.
struct SteppedClocks {
  std::atomic<std::int64_t> offset_ns{0};
  std::atomic<int> readings{0};

  CycleClockSettings settings(bool allow) {
    CycleClockSettings result;
    result.allow = allow;
    result.read_clocks = [this] {
      ++readings;
      ClockReading reading = tracker_detail::read_clocks();
      reading.wall_ns += offset_ns.load();
      return reading;
    };
    return result;
  }
};

TEST(TrackerCycleClock, TimestampsAgreeWithTheSystemClock) {
  if (!tracker_detail::cycle_counter_usable()) GTEST_SKIP() << "no constant cycle counter here";
  SteppedClocks clocks;
  ClockSettingsGuard guard(clocks.settings(true));
  TempDir dir;
  const std::string path = dir.file("perf-metrics.jsonl");
  std::vector<std::pair<std::int64_t, std::int64_t>> bounds;  // system_clock before and after each record
  {
    Tracker tracker(path);
    for (int i = 0; i < 20; ++i) {
      const std::int64_t before = system_ms();
      tracker.record("op", 1, true);
      bounds.emplace_back(before, system_ms());
      if (i % 5 == 4) tracker.flush();  // some records converted after a refresh, some before
      std::this_thread::sleep_for(milliseconds(3));
    }
  }
  EXPECT_GT(clocks.readings.load(), 0) << "the cycle counter was not used";
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), bounds.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // The line prints whole milliseconds; the conversion may put a record taken on a millisecond's
    // edge into its neighbour.
    const std::int64_t ms = timestamp_ms(lines[i]);
    EXPECT_GE(ms, bounds[i].first - 1) << lines[i];
    EXPECT_LE(ms, bounds[i].second + 1) << lines[i];
  }
}

TEST(TrackerCycleClock, AWallClockStepShowsInLaterLines) {
  if (!tracker_detail::cycle_counter_usable()) GTEST_SKIP() << "no constant cycle counter here";
  SteppedClocks clocks;
  ClockSettingsGuard guard(clocks.settings(true));
  TempDir dir;
  const std::string path = dir.file("perf-metrics.jsonl");
  std::int64_t first_taken = 0;
  std::int64_t second_taken = 0;
  {
    Tracker tracker(path);
    first_taken = system_ms();
    tracker.record("before_step", 1, true);
    tracker.flush();
    clocks.offset_ns = kHourNs;  // the wall clock steps an hour forward
    tracker.flush();             // the writer wakes: a new reading
    second_taken = system_ms();
    tracker.record("after_step", 1, true);
  }
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NEAR(static_cast<double>(timestamp_ms(lines[0])), static_cast<double>(first_taken), 5.0) << lines[0];
  EXPECT_NEAR(static_cast<double>(timestamp_ms(lines[1])), static_cast<double>(second_taken + kHourNs / 1'000'000),
              5.0)
      << lines[1];
}

TEST(TrackerCycleClock, WithoutAConstantCounterTheCallerReadsTheWallClock) {
  SteppedClocks clocks;
  clocks.offset_ns = kHourNs;  // would show if the calibration were used
  ClockSettingsGuard guard(clocks.settings(false));
  TempDir dir;
  const std::string path = dir.file("perf-metrics.jsonl");
  const std::int64_t before = system_ms();
  {
    Tracker tracker(path);
    tracker.record("op", 1, true);
    tracker.flush();
  }
  const std::int64_t after = system_ms();
  EXPECT_EQ(clocks.readings.load(), 0);
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_GE(timestamp_ms(lines[0]), before);
  EXPECT_LE(timestamp_ms(lines[0]), after);
}

}  // namespace
}  // namespace perfgate
