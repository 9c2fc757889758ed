// The gate's history band starts after the metric's last change point: a series that shifted
// for good is judged by its new level, so the old level neither widens the band nor alarms.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "run/baseline_selector.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::run {
namespace {

class BaselineHistory : public perfgate::testing::TempDirTest {
 protected:
  BaselineHistory() : TempDirTest("perfgate-history") {}
};

// 30 runs at 10 ms, then 12 at 20 ms (a deliberate, accepted slow-down), with a little wobble.
std::vector<double> shifted_series() {
  std::vector<double> values;
  for (int i = 0; i < 42; ++i) values.push_back((i < 30 ? 10.0 : 20.0) + 0.1 * ((i * 7) % 5) - 0.2);
  return values;
}

TEST(SinceLastChangePoint, KeepsOnlyTheNewLevelNewestFirst) {
  std::vector<double> chronological = shifted_series();
  std::vector<double> newest_first(chronological.rbegin(), chronological.rend());
  std::vector<double> kept = since_last_change_point(newest_first);
  ASSERT_EQ(kept.size(), 12u);
  for (double v : kept) EXPECT_GT(v, 19.0);
  EXPECT_EQ(kept.front(), newest_first.front());
}

TEST(SinceLastChangePoint, AFlatSeriesKeepsTheNewestTwenty) {
  std::vector<double> newest_first;
  for (int i = 0; i < 42; ++i) newest_first.push_back(10.0 + 0.1 * ((i * 7) % 5));
  std::vector<double> kept = since_last_change_point(newest_first);
  ASSERT_EQ(kept.size(), 20u);
  EXPECT_TRUE(std::equal(kept.begin(), kept.end(), newest_first.begin()));
}

TEST_F(BaselineHistory, TheStoredHistoryOfAShiftedMetricStartsAtTheShift) {
  SqliteStore store(path("h.db"));
  std::vector<double> values = shifted_series();
  std::string last_id;
  nlohmann::json last_run;
  for (std::size_t i = 0; i < values.size(); ++i) {
    RunRecord r;
    r.started_at = fmt::format("2026-12-01T10:{:02}:00.000Z", i);
    r.suite = "api";
    r.git = GitState{fmt::format("{:040}", i), "main", false};
    r.env = nlohmann::json::object();
    r.tool_version = "0.1.0";
    last_id = store.begin_run(r);
    store.add_benchmark(last_id, {{"name", "health"},
                                  {"kind", "http"},
                                  {"valid", true},
                                  {"invalid_reason", nullptr},
                                  {"metrics", {{{"name", "latency_p95"}, {"value", values[i]}, {"unit", "ms"}, {"better", "lower"}},
                                               {{"name", "throughput"}, {"value", 1000.0}, {"unit", "rps"}, {"better", "higher"}}}}});
    store.complete_run(last_id, nlohmann::json::object());
  }
  BaselineRun baseline;
  baseline.document = *store.get_run(last_id);
  baseline.stored = true;
  auto history = baseline_history(store, "api", baseline);
  ASSERT_EQ(history["health"]["latency_p95"].size(), 12u);
  for (double v : history["health"]["latency_p95"]) EXPECT_GT(v, 19.0);
  EXPECT_EQ(history["health"]["throughput"].size(), 20u);  // flat: the newest 20, as before
}

}  // namespace
}  // namespace perfgate::run
