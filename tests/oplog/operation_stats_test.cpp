// Tests for the per-operation statistics: interning, exact summaries, and nearest-rank
// percentiles that agree with core/statistics' definition on every size.
#include "oplog/operation_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/statistics.hpp"

namespace perfgate::oplog {
namespace {

TEST(OplogStats, InternsEachNameOnce) {
  OperationNames names;
  std::string a = "agent_register";
  EXPECT_EQ(names.intern(a), 0u);
  EXPECT_EQ(names.intern("db_query"), 1u);
  a[0] = 'x';  // the table holds its own copy
  EXPECT_EQ(names.intern("agent_register"), 0u);
  EXPECT_EQ(names.size(), 2u);
  EXPECT_EQ(names.name(1), "db_query");
}

// Many names, alike at both ends and of every length, as the table grows: each keeps its index.
TEST(OplogStats, InternsManyNamesThatLookAlike) {
  OperationNames names;
  std::vector<std::string> all = {"", "a", std::string(1, '\0'), std::string(2, '\0')};
  for (int i = 0; i < 20000; ++i) all.push_back("request_handler_" + std::to_string(i) + "_for_tenant_x");
  for (int i = 1; i < 300; ++i) all.push_back(std::string(static_cast<std::size_t>(i), 'z'));
  for (std::size_t size = 8; size <= 16; ++size) {  // one byte different, anywhere
    for (std::size_t at = 0; at < size; ++at) all.push_back(std::string(size, 'a').replace(at, 1, "b"));
  }
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(names.intern(all[i]), i) << all[i];
  ASSERT_EQ(names.size(), all.size());
  for (std::size_t i = all.size(); i-- > 0;) {
    ASSERT_EQ(names.intern(all[i]), i) << all[i];
    ASSERT_EQ(names.name(static_cast<std::uint32_t>(i)), all[i]);
  }
  EXPECT_EQ(names.size(), all.size());
}

TEST(OplogStats, SummarizesByHand) {
  OperationNames names;
  DurationTable table;
  std::uint32_t a = names.intern("a"), b = names.intern("b");
  for (int ms = 20; ms >= 1; --ms) table.add(a, ms, ms != 7);
  table.add(b, 2.5, true);
  names.intern("c");  // known, but without records here
  std::vector<OperationSummary> rows = table.summarize(names);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].operation, "a");
  EXPECT_EQ(rows[0].count, 20u);
  EXPECT_EQ(rows[0].successes, 19u);
  EXPECT_EQ(rows[0].failures(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].error_rate(), 0.05);
  EXPECT_EQ(rows[0].avg_ms, 10.5);
  EXPECT_EQ(rows[0].p95_ms, 19);  // rank ceil(0.95 * 20) = 19
  EXPECT_EQ(rows[0].p99_ms, 20);  // rank ceil(0.99 * 20) = 20
  EXPECT_EQ(rows[0].min_ms, 1);
  EXPECT_EQ(rows[0].max_ms, 20);
  EXPECT_EQ(rows[1].operation, "b");
  EXPECT_EQ(rows[1].p95_ms, 2.5);
  EXPECT_EQ(rows[1].p99_ms, 2.5);
  EXPECT_EQ(rows[1].min_ms, 2.5);
}

TEST(OplogStats, ATableWithoutDurationsKeepsCountsAndAverages) {
  OperationNames names;
  DurationTable sums(false);
  sums.add(names.intern("a"), 1, true);
  sums.add(names.intern("a"), 4, false);
  OperationSummary row = sums.summarize(names, 0);
  EXPECT_EQ(row.count, 2u);
  EXPECT_EQ(row.avg_ms, 2.5);
  EXPECT_EQ(row.min_ms, 1);
  EXPECT_EQ(row.max_ms, 4);
  EXPECT_EQ(row.p95_ms, 0);
  EXPECT_TRUE(sums.series(0).durations_ms.empty());
  EXPECT_EQ(sums.count(5), 0u);
}

// The integer rank ceil(p·N/100) against stats::percentile_nearest_rank, for every N up to
// 1000 (both edges of each rank step), with ties, on shuffled data.
TEST(OplogStats, NearestRankAgreesWithCoreStatistics) {
  std::mt19937_64 rng(42);
  for (std::size_t n = 1; n <= 1000; n += (n < 120 ? 1 : 37)) {
    std::vector<double> values(n);
    for (auto& v : values) v = std::floor(std::exp(static_cast<double>(rng() % 1000) / 200.0));  // ties
    OperationNames names;
    DurationTable table;
    for (double v : values) table.add(names.intern("op"), v, true);
    OperationSummary row = table.summarize(names, 0);
    EXPECT_EQ(row.p95_ms, stats::percentile_nearest_rank(values, 95)) << n;
    EXPECT_EQ(row.p99_ms, stats::percentile_nearest_rank(values, 99)) << n;
    std::vector<double> copy = values;
    EXPECT_EQ(nearest_rank_in_place(copy, 50), stats::percentile_nearest_rank(values, 50)) << n;
    copy = values;
    EXPECT_EQ(nearest_rank_in_place(copy, 100), stats::percentile_nearest_rank(values, 100)) << n;
  }
  std::vector<double> none;
  EXPECT_EQ(nearest_rank_in_place(none, 95), 0);
}

}  // namespace
}  // namespace perfgate::oplog
