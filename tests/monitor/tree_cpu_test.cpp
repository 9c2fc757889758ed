// The tree's CPU between readings: children that exit are neither lost nor counted twice.
#include "monitor/tree_cpu.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace perfgate::monitor {
namespace {

TEST(TreeCpuAccount, FirstReadingIsTheBaseline) {
  TreeCpuAccount account;
  std::vector<ProcessTimes> tree{{10, 1, 1, 500, 0}};
  EXPECT_EQ(account.advance(tree), 0u);
  tree[0].own_ticks = 530;
  EXPECT_EQ(account.advance(tree), 30u);
}

TEST(TreeCpuAccount, ChildReapedBetweenReadingsMovesIntoTheParent) {
  TreeCpuAccount account;
  // Root 10 with child 11 that has used 40 ticks.
  account.advance(std::vector<ProcessTimes>{{10, 1, 1, 100, 0}, {11, 2, 10, 40, 0}});
  // Child used 25 more, exited and was reaped: the root's reaped time grew by its 65.
  EXPECT_EQ(account.advance(std::vector<ProcessTimes>{{10, 1, 1, 105, 65}}), 5u + 25u);
}

TEST(TreeCpuAccount, ChildBornAndReapedBetweenReadingsIsCounted) {
  TreeCpuAccount account;
  account.advance(std::vector<ProcessTimes>{{10, 1, 1, 100, 0}});
  // A child we never saw used 70 ticks and was reaped.
  EXPECT_EQ(account.advance(std::vector<ProcessTimes>{{10, 1, 1, 100, 70}}), 70u);
}

TEST(TreeCpuAccount, NewChildCountsItsWholeTime) {
  TreeCpuAccount account;
  account.advance(std::vector<ProcessTimes>{{10, 1, 1, 100, 0}});
  EXPECT_EQ(account.advance(std::vector<ProcessTimes>{{10, 1, 1, 100, 0}, {12, 5, 10, 33, 0}}), 33u);
}

TEST(TreeCpuAccount, GrandchildAndChildBothGoneCountOnce) {
  TreeCpuAccount account;
  // 10 -> 11 (20 ticks) -> 12 (30 ticks).
  account.advance(std::vector<ProcessTimes>{{10, 1, 1, 0, 0}, {11, 2, 10, 20, 0}, {12, 3, 11, 30, 0}});
  // 12 used 10 more and was reaped by 11; 11 used 5 more and was reaped by 10:
  // 10's reaped time = 11's own 25 + 11's reaped 40 = 65; new CPU = 10 + 5 = 15.
  EXPECT_EQ(account.advance(std::vector<ProcessTimes>{{10, 1, 1, 0, 65}}), 15u);
}

TEST(TreeCpuAccount, ChildThatLeftWithoutBeingReapedLosesOnlyItsLastInterval) {
  TreeCpuAccount account;
  account.advance(std::vector<ProcessTimes>{{10, 1, 1, 100, 0}, {11, 2, 10, 40, 0}});
  // Auto-reaped (SIGCHLD ignored): the parent's reaped time does not grow; nothing negative.
  EXPECT_EQ(account.advance(std::vector<ProcessTimes>{{10, 1, 1, 110, 0}}), 10u);
}

TEST(TreeCpuAccount, ReusedPidIsAnotherProcess) {
  TreeCpuAccount account;
  account.advance(std::vector<ProcessTimes>{{10, 1, 1, 0, 0}, {11, 2, 10, 40, 0}});
  // 11 exited and was reaped (40 into 10); a new process got pid 11 and used 3 ticks.
  EXPECT_EQ(account.advance(std::vector<ProcessTimes>{{10, 1, 1, 0, 40}, {11, 9, 10, 3, 0}}), 3u);
}

}  // namespace
}  // namespace perfgate::monitor
