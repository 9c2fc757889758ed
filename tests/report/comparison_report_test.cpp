// The terminal and Markdown comparison: a metric outside the gated set is shown as what it did,
// marked "(not gated)", and the summary's counts are those of the gated rows.
#include "report/comparison_report.hpp"
#include "report/run_markdown.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace perfgate::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

compare::ComparisonReport one_gated_one_not() {
  compare::ComparisonReport report;
  compare::ComparisonRow gated;
  gated.benchmark = "build";
  gated.metric = "wall_mean";
  gated.unit = "s";
  gated.better = "lower";
  gated.baseline = 1;
  gated.current = 1.01;
  gated.change_pct = 1;
  gated.verdict = compare::Verdict::unchanged;
  gated.reason = "within the allowed change";
  compare::ComparisonRow shown = gated;
  shown.metric = "wall_max";
  shown.current = 2;
  shown.change_pct = 100;
  shown.verdict = compare::Verdict::regressed;
  shown.gated = false;
  shown.reason = "significant; shown, not gated (regression.metrics)";
  report.rows = {gated, shown};
  return report;
}

TEST(ComparisonReport, AnUngatedRowIsMarkedAndLeftOutOfTheCounts) {
  std::string table = comparison_table(one_gated_one_not(), "a.json", "b.json", false);
  EXPECT_THAT(table, HasSubstr("regressed (not gated)"));
  EXPECT_THAT(table, HasSubstr("0 regressed, 0 improved, 0 noisy, 1 unchanged (and 1 more shown, not gated): gate passed"));
  EXPECT_THAT(table, Not(HasSubstr("build wall_max: significant")));  // no reason line: it cannot fail the gate
  std::string markdown = comparison_markdown(one_gated_one_not(), "a.json", "b.json");
  EXPECT_THAT(markdown, HasSubstr("| regressed (not gated) |"));
  EXPECT_THAT(markdown, Not(HasSubstr("**regressed")));
  compare::ComparisonReport comparison = one_gated_one_not();
  RunSummary summary;
  summary.comparison = &comparison;
  EXPECT_EQ(run_verdict_line(summary), "PASS: 0 checks passed, no regression");
}

}  // namespace
}  // namespace perfgate::report
