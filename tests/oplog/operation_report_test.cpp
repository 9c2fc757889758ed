// Tests for the operation-log report: the fixture week (tests/fixtures/oplog/README.md gives
// every number by hand), periods and their edges, the previous-period comparison, each flag
// raised and not raised at its threshold, per-day rows, the slowest list, and the exports.
#include "oplog/operation_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "oplog/report_format.hpp"
#include "oplog/timestamp.hpp"

namespace perfgate::oplog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kWeek = std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/oplog/week.jsonl";

std::int64_t at(const char* text) { return *parse_timestamp_ns(text); }

const std::int64_t kNow = at("2026-01-08T00:00:00Z");

std::map<std::string, OperationReport> by_name(const Report& report) {
  std::map<std::string, OperationReport> out;
  for (const auto& op : report.operations) out[op.summary.operation] = op;
  return out;
}

Report weekly() {
  ReportOptions options;
  options.period = last_days(kNow, 7);
  return build_report({kWeek}, options);
}

TEST(OplogReport, TheFixtureWeekByHand) {
  Report report = weekly();
  ASSERT_TRUE(report.period.has_value());
  EXPECT_EQ(report.period->from_ns, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(report.period->to_ns, kNow);
  ASSERT_TRUE(report.previous.has_value());
  EXPECT_EQ(report.previous->from_ns, at("2025-12-25T00:00:00Z"));
  EXPECT_EQ(report.input.records, 145u);
  EXPECT_EQ(report.input.malformed, 0u);

  auto ops = by_name(report);
  ASSERT_EQ(ops.size(), 4u);  // legacy_op was only in the week before
  struct Expected {
    const char* name;
    std::uint64_t count, successes;
    double avg, p95, p99, min, max;
    std::optional<double> previous_avg;
    std::vector<Flag> flags;
  };
  const Expected expected[] = {
      {"agent_register", 20, 19, 10.5, 19, 20, 1, 20, 10.0, {Flag::kErrorRateOver1Percent}},
      {"db_query", 10, 10, 19, 100, 100, 10, 100, 10.0, {Flag::kP95OverTwiceAvg, Flag::kAvgUpOver20Percent}},
      {"cache_get", 100, 99, 2, 2.5, 2.5, 1.5, 2.5, 1.8, {}},
      {"webhook_deliver", 3, 3, 6, 7, 7, 5, 7, std::nullopt, {}},
  };
  for (const auto& e : expected) {
    SCOPED_TRACE(e.name);
    const OperationReport& op = ops.at(e.name);
    EXPECT_EQ(op.summary.count, e.count);
    EXPECT_EQ(op.summary.successes, e.successes);
    EXPECT_DOUBLE_EQ(op.summary.avg_ms, e.avg);
    EXPECT_EQ(op.summary.p95_ms, e.p95);
    EXPECT_EQ(op.summary.p99_ms, e.p99);
    EXPECT_EQ(op.summary.min_ms, e.min);
    EXPECT_EQ(op.summary.max_ms, e.max);
    EXPECT_EQ(op.previous_avg_ms.has_value(), e.previous_avg.has_value());
    if (e.previous_avg) {
      EXPECT_DOUBLE_EQ(*op.previous_avg_ms, *e.previous_avg);
    }
    EXPECT_EQ(op.flags, e.flags);
  }
  EXPECT_EQ(report.reliability.total, 133u);
  EXPECT_EQ(report.reliability.successful, 131u);
  EXPECT_EQ(report.reliability.failed, 2u);
  EXPECT_DOUBLE_EQ(report.reliability.error_rate, 2.0 / 133.0);

  ASSERT_EQ(report.slowest.size(), 10u);
  EXPECT_EQ(report.slowest[0].operation, "db_query");
  EXPECT_EQ(report.slowest[0].duration_ms, 100);
  EXPECT_EQ(report.slowest[0].timestamp, "2026-01-07T23:59:59.999Z");
  EXPECT_EQ(report.slowest[0].session_id, "ses_slow");
  EXPECT_EQ(report.slowest[0].file, kWeek);
  for (std::size_t i = 1; i < 10; ++i) {
    EXPECT_EQ(report.slowest[i].operation, "agent_register");
    EXPECT_EQ(report.slowest[i].duration_ms, 21.0 - static_cast<double>(i));  // 20, 19, ..., 12
  }
}

TEST(OplogReport, MonthlyAndEveryRecord) {
  ReportOptions monthly;
  monthly.period = last_days(kNow, 30);  // from 2025-12-09: everything but the 2025-12-01 record and `now`
  auto ops = by_name(build_report({kWeek}, monthly));
  EXPECT_EQ(ops.at("agent_register").summary.count, 25u);  // 20 + 4 + the one 1 ms before the week before
  EXPECT_EQ(ops.at("agent_register").summary.max_ms, 1000);
  EXPECT_EQ(ops.at("legacy_op").summary.count, 1u);
  EXPECT_EQ(ops.at("cache_get").summary.count, 102u);

  Report all = build_report({kWeek}, ReportOptions{});
  EXPECT_FALSE(all.period_requested);
  EXPECT_FALSE(all.previous.has_value());
  EXPECT_EQ(all.reliability.total, 145u);
  EXPECT_EQ(all.period->from_ns, at("2025-12-01T08:00:00Z"));
  EXPECT_EQ(all.period->to_ns, kNow);  // the last record is at `now`
  for (const auto& op : all.operations) {
    EXPECT_FALSE(op.previous_avg_ms.has_value());
    for (Flag f : op.flags) EXPECT_NE(f, Flag::kAvgUpOver20Percent);
  }
}

TEST(OplogReport, TwoInputsMakeOneReport) {
  ReportOptions options;
  options.period = last_days(kNow, 7);
  Report twice = build_report({kWeek, kWeek}, options);
  EXPECT_EQ(twice.reliability.total, 266u);
  EXPECT_EQ(by_name(twice).at("db_query").summary.p95_ms, 100);
  EXPECT_EQ(twice.inputs.size(), 2u);
  // Ties: the same 100 ms twice, the first input's first.
  EXPECT_EQ(twice.slowest[0].duration_ms, 100);
  EXPECT_EQ(twice.slowest[1].duration_ms, 100);
  EXPECT_EQ(twice.slowest[0].line, twice.slowest[1].line);
  EXPECT_EQ(twice.slowest[2].duration_ms, 20);
}

// Records made directly, one second apart from `from`, for the threshold tests.
class Records {
 public:
  explicit Records(ReportOptions options) : builder_(options) { builder_.begin_input("mem"); }
  void add(std::int64_t ns, const std::string& op, double ms, bool ok = true) {
    timestamps_.push_back(format_timestamp_ms(ns));
    OperationRecord r;
    r.timestamp = timestamps_.back();
    r.timestamp_ns = ns;
    r.operation = op;
    r.duration_ms = ms;
    r.success = ok;
    r.line = ++line_;
    builder_.add(r);
  }
  Report finish() { return builder_.finish({}); }

 private:
  ReportBuilder builder_;
  std::vector<std::string> timestamps_{};
  std::uint64_t line_ = 0;
};

ReportOptions week_options() {
  ReportOptions options;
  options.period = last_days(kNow, 7);
  return options;
}

std::vector<Flag> flags_of(const Report& report, const std::string& op) { return by_name(report).at(op).flags; }

TEST(OplogReport, TailFlagAboveTwiceTheAverageOnly) {
  Records r(week_options());
  std::int64_t t = at("2026-01-02T00:00:00Z");
  for (int i = 0; i < 18; ++i) r.add(t, "tail", 1);
  r.add(t, "tail", 10), r.add(t, "tail", 10);  // avg 1.9, p95 (rank 19 of 20) 10 > 3.8
  for (int i = 0; i < 20; ++i) r.add(t, "flat", 5);
  r.add(t, "edge", 0), r.add(t, "edge", 2);  // avg 1, p95 (rank 2 of 2) 2: exactly 2 × avg, not above
  Report report = r.finish();
  EXPECT_THAT(flags_of(report, "tail"), ElementsAre(Flag::kP95OverTwiceAvg));
  EXPECT_TRUE(flags_of(report, "flat").empty());
  EXPECT_TRUE(flags_of(report, "edge").empty());
}

TEST(OplogReport, AverageUpFlagNeedsMoreThanTwentyPercentAndAPreviousPeriod) {
  Records r(week_options());
  std::int64_t now_week = at("2026-01-03T00:00:00Z"), last_week = at("2025-12-28T00:00:00Z");
  r.add(last_week, "plus20", 10), r.add(now_week, "plus20", 12);    // exactly +20%: no
  r.add(last_week, "plus21", 10), r.add(now_week, "plus21", 12.1);  // +21%: yes
  r.add(last_week, "faster", 10), r.add(now_week, "faster", 5);     // better: no
  r.add(now_week, "new", 1000);                                     // nothing before: no
  r.add(at("2025-12-24T23:59:59.999Z"), "too_old", 1);              // before the previous period
  r.add(now_week, "too_old", 1000);
  Report report = r.finish();
  EXPECT_TRUE(flags_of(report, "plus20").empty());
  EXPECT_THAT(flags_of(report, "plus21"), ElementsAre(Flag::kAvgUpOver20Percent));
  EXPECT_TRUE(flags_of(report, "faster").empty());
  EXPECT_TRUE(flags_of(report, "new").empty());
  EXPECT_FALSE(by_name(report).at("new").previous_avg_ms.has_value());
  EXPECT_TRUE(flags_of(report, "too_old").empty());
}

// Decimal durations whose products are not exact in binary floating point: at the boundary, as
// docs/report.md says (3 × 1.2 = 3.5999999999999996, (0.5 + 2.8 + 2.4 + 5.7) / 4 × 2 vs 5.7).
TEST(OplogReport, FlagsAtTheExactDecimalBoundaryRaiseNothing) {
  Records r(week_options());
  std::int64_t now_week = at("2026-01-03T00:00:00Z"), last_week = at("2025-12-28T00:00:00Z");
  r.add(last_week, "avg_3_to_3_6", 3), r.add(now_week, "avg_3_to_3_6", 3.6);
  for (double d : {0.5, 2.8, 2.4, 5.7}) r.add(now_week, "p95_twice_avg", d);  // avg 2.85, p95 5.7
  r.add(last_week, "avg_3_to_3_61", 3), r.add(now_week, "avg_3_to_3_61", 3.61);  // just above: raised
  Report report = r.finish();
  EXPECT_TRUE(flags_of(report, "avg_3_to_3_6").empty());
  EXPECT_TRUE(flags_of(report, "p95_twice_avg").empty());
  EXPECT_THAT(flags_of(report, "avg_3_to_3_61"), ElementsAre(Flag::kAvgUpOver20Percent));
}

TEST(OplogReport, ErrorRateFlagAboveOnePercentOnly) {
  Records r(week_options());
  std::int64_t t = at("2026-01-02T00:00:00Z");
  for (int i = 0; i < 100; ++i) r.add(t, "one_percent", 1, i != 0);  // 1 of 100: no
  for (int i = 0; i < 99; ++i) r.add(t, "just_above", 1, i != 0);    // 1 of 99: yes
  for (int i = 0; i < 10; ++i) r.add(t, "clean", 1, true);
  Report report = r.finish();
  EXPECT_TRUE(flags_of(report, "one_percent").empty());
  EXPECT_THAT(flags_of(report, "just_above"), ElementsAre(Flag::kErrorRateOver1Percent));
  EXPECT_TRUE(flags_of(report, "clean").empty());
}

TEST(OplogReport, PeriodEdgesAreHalfOpen) {
  Records r(week_options());
  r.add(at("2026-01-01T00:00:00Z"), "op", 1);       // the first instant: in
  r.add(at("2026-01-07T23:59:59.999Z"), "op", 2);   // the last millisecond: in
  r.add(kNow, "op", 100);                           // `now`: out (the next period's)
  r.add(at("2025-12-31T23:59:59.999Z"), "op", 50);  // the previous period's last millisecond
  Report report = r.finish();
  OperationReport op = by_name(report).at("op");
  EXPECT_EQ(op.summary.count, 2u);
  EXPECT_EQ(op.summary.max_ms, 2);
  EXPECT_EQ(op.previous_avg_ms, 50);
}

TEST(OplogReport, OneRowPerDayAndOperation) {
  ReportOptions options;
  options.period = last_days(kNow, 3);
  options.split_into_days = true;
  Records r(options);
  r.add(at("2026-01-05T00:00:00Z"), "a", 1);
  r.add(at("2026-01-05T23:59:59Z"), "a", 3, false);
  r.add(at("2026-01-05T12:00:00Z"), "b", 10);
  r.add(at("2026-01-07T01:00:00Z"), "a", 5);
  r.add(at("2026-01-04T23:00:00Z"), "a", 99);  // before the period
  Report report = r.finish();
  ASSERT_EQ(report.days.size(), 3u);
  EXPECT_EQ(format_date(report.days[0].day.from_ns), "2026-01-05");
  ASSERT_EQ(report.days[0].operations.size(), 2u);
  EXPECT_EQ(report.days[0].operations[0].operation, "a");
  EXPECT_EQ(report.days[0].operations[0].count, 2u);
  EXPECT_EQ(report.days[0].operations[0].avg_ms, 2);
  EXPECT_EQ(report.days[0].operations[0].p95_ms, 3);
  EXPECT_EQ(report.days[0].operations[0].error_rate(), 0.5);
  EXPECT_EQ(report.days[0].operations[1].operation, "b");
  EXPECT_TRUE(report.days[1].operations.empty());
  ASSERT_EQ(report.days[2].operations.size(), 1u);
  EXPECT_EQ(report.days[2].operations[0].avg_ms, 5);
  EXPECT_EQ(report.days[2].day.to_ns, kNow);
  // A period that is not a whole number of days ends with a short day.
  ReportOptions odd;
  odd.period = Period{at("2026-01-05T00:00:00Z"), at("2026-01-06T12:00:00Z")};
  odd.split_into_days = true;
  Records s(odd);
  s.add(at("2026-01-06T11:00:00Z"), "a", 1);
  Report short_day = s.finish();
  ASSERT_EQ(short_day.days.size(), 2u);
  EXPECT_EQ(short_day.days[1].day.to_ns, at("2026-01-06T12:00:00Z"));
  EXPECT_EQ(short_day.days[1].operations.size(), 1u);
}

TEST(OplogReport, SlowestKeepsTheNSlowestInInputOrderForTies) {
  ReportOptions options;
  options.slowest = 3;
  Records r(options);
  std::int64_t t = at("2026-01-02T00:00:00Z");
  for (double ms : {5.0, 9.0, 1.0, 9.0, 7.0, 9.0, 2.0}) r.add(t, "op", ms);
  Report report = r.finish();
  ASSERT_EQ(report.slowest.size(), 3u);
  EXPECT_EQ(report.slowest[0].line, 2u);
  EXPECT_EQ(report.slowest[1].line, 4u);
  EXPECT_EQ(report.slowest[2].line, 6u);
  ReportOptions none;
  none.slowest = 0;
  Records n(none);
  n.add(t, "op", 1);
  EXPECT_TRUE(n.finish().slowest.empty());
}

TEST(OplogReportFormat, JsonHasTheDocumentedSchema) {
  nlohmann::ordered_json doc = report_json(weekly());
  std::vector<std::string> keys;
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("schema", "period", "previous_period", "operations", "reliability", "slowest",
                                "malformed", "skipped_lines", "input", "warnings"));
  EXPECT_EQ(doc["period"]["from"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(doc["period"]["to"], "2026-01-08T00:00:00.000Z");
  const auto& db = doc["operations"][2];
  EXPECT_EQ(db["operation_type"], "db_query");
  EXPECT_EQ(db["count"], 10);
  EXPECT_EQ(db["success"], 10);
  EXPECT_EQ(db["error_rate"], 0.0);
  EXPECT_EQ(db["avg_ms"], 19.0);
  EXPECT_EQ(db["p95_ms"], 100.0);
  EXPECT_EQ(db["p99_ms"], 100.0);
  EXPECT_EQ(db["min_ms"], 10.0);
  EXPECT_EQ(db["max_ms"], 100.0);
  EXPECT_EQ(db["previous_avg_ms"], 10.0);
  EXPECT_EQ(db["flags"], nlohmann::ordered_json({"p95_over_2x_avg", "avg_up_over_20pct"}));
  EXPECT_EQ(doc["operations"][3]["previous_avg_ms"], nullptr);
  EXPECT_EQ(doc["reliability"]["total"], 133);
  EXPECT_EQ(doc["reliability"]["failed"], 2);
  EXPECT_EQ(doc["slowest"][0]["session_id"], "ses_slow");
  EXPECT_EQ(doc["skipped_lines"]["count"], 0);
  EXPECT_EQ(doc["input"]["records"], 145);
}

TEST(OplogReportFormat, CsvMarkdownAndText) {
  Report report = weekly();
  std::string csv = report_csv(report);
  EXPECT_THAT(csv, HasSubstr("operation_type,count,success,error_rate,avg_ms,p95_ms,p99_ms,min_ms,max_ms,"
                             "previous_avg_ms,flags\n"));
  EXPECT_THAT(csv, HasSubstr("\ndb_query,10,10,0,19,100,100,10,100,10,p95_over_2x_avg;avg_up_over_20pct\n"));
  EXPECT_THAT(csv, HasSubstr("\nwebhook_deliver,3,3,0,6,7,7,5,7,,\n"));

  std::string md = report_markdown(report, "Weekly");
  EXPECT_THAT(md, HasSubstr("| db_query | 10 | 10/10 | 0.00% | 19.00 | 100.00 | 100.00 | 10.00 | 100.00 | "
                            "p95_over_2x_avg, avg_up_over_20pct |"));
  EXPECT_THAT(md, HasSubstr("- **db_query**: avg up 90.0% against the previous period (10.00 ms -> 19.00 ms)"));

  std::string text = report_text(report, "weekly");
  EXPECT_THAT(text, HasSubstr("  agent_register      20    19/20   5.00%   10.50   19.00   20.00    1.00   20.00  "
                              "error_rate_over_1pct\n"));
  EXPECT_THAT(text, HasSubstr("reliability: 133 operations, 131 successful, 2 failed, error rate 1.50%"));
  EXPECT_THAT(text, HasSubstr("  db_query: p95 100.00 ms > 2 × avg 19.00 ms\n"));
}

TEST(OplogReportFormat, SkippedLinesAndWarningsAreShown) {
  Report report;
  report.inputs = {"a.jsonl"};
  report.input.lines = 3;
  report.input.malformed = 2;
  report.input.first_malformed = {{"a.jsonl", 2, "empty line"}, {"a.jsonl", 3, "missing success"}};
  report.input.warnings = {"a.jsonl: truncated gzip data after line 3; the rest of it is not read"};
  std::string text = report_text(report, "t");
  EXPECT_THAT(text, HasSubstr("no records in this period"));
  EXPECT_THAT(text, HasSubstr("skipped 2 malformed lines; the first:\n  a.jsonl:2: empty line\n"
                              "  a.jsonl:3: missing success\n"));
  EXPECT_THAT(text, HasSubstr("warning: a.jsonl: truncated gzip"));
  nlohmann::ordered_json doc = report_json(report);
  EXPECT_EQ(doc["skipped_lines"]["count"], 2);
  EXPECT_EQ(doc["skipped_lines"]["first"][1]["line"], 3);
  EXPECT_EQ(doc["skipped_lines"]["first"][1]["file"], "a.jsonl");
  EXPECT_EQ(doc["period"]["from"], nullptr);
  EXPECT_EQ(doc["warnings"].size(), 1u);
}

}  // namespace
}  // namespace perfgate::oplog
