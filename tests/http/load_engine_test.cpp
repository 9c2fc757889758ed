// Tests for the load engine's verdict on its own results: perfgate must never present a
// result it could not measure honestly as valid.
#include "http/load_engine.hpp"

#include <gtest/gtest.h>

namespace perfgate::http {
namespace {

LoadResult open_result() {
  LoadResult r;
  r.open_model = true;
  r.rate_per_s = 1000;
  r.duration_s = 10;
  r.total = 10000;
  r.ok = 10000;
  for (int i = 0; i < 10000; ++i) r.send_lag.record(20'000);  // 20 us: the loop's normal granularity
  r.client_cpu_fraction = 0.30;
  return r;
}

TEST(JudgeResult, AnOpenModelRunOnScheduleIsValidWithoutNotes) {
  LoadResult r = open_result();
  judge_result(r);
  EXPECT_TRUE(r.valid);
  EXPECT_TRUE(r.notes.empty());
}

TEST(JudgeResult, SendLagWithFreeConnectionsMakesItInvalid) {
  LoadResult r = open_result();
  for (int i = 0; i < 500; ++i) r.send_lag.record(40'000'000);  // 5% of sends 40 ms late
  judge_result(r);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.invalid_reason.find("fell behind its own schedule"), std::string::npos) << r.invalid_reason;
}

TEST(JudgeResult, ASaturatedClientMakesItInvalid) {
  LoadResult r = open_result();
  r.client_cpu_fraction = 0.99;
  judge_result(r);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.invalid_reason.find("99% busy"), std::string::npos) << r.invalid_reason;
}

TEST(JudgeResult, ASlowTargetIsANoteNotAnInvalidResult) {
  LoadResult r = open_result();
  r.total = 7000;  // 700 req/s of 1000 achieved
  r.waited_for_connection = 3000;
  r.max_connection_wait_ns = 1'500'000'000;
  judge_result(r);
  EXPECT_TRUE(r.valid);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("did not keep up with 1000 req/s"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[0].find("3000 of 7000"), std::string::npos) << r.notes[0];
}

TEST(JudgeResult, ClosedModelSaturationIsANote) {
  LoadResult r;
  r.duration_s = 10;
  r.total = 100000;
  r.ok = r.total;
  r.client_cpu_fraction = 0.99;
  judge_result(r);
  EXPECT_TRUE(r.valid);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("limited by the client"), std::string::npos);
}

TEST(JudgeResult, NothingCompletedIsInvalid) {
  LoadResult r;
  r.duration_s = 1;
  r.total = 2;
  r.errors = 2;
  r.error_classes.timeout = 2;
  judge_result(r);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(r.nothing_completed);
  EXPECT_NE(r.invalid_reason.find("no request completed"), std::string::npos);
}

TEST(JudgeResult, OnlyRequestsThatWaitedBlameTheTarget) {
  // -n 3 at 1/s, done in 2 s: over the schedule's 3 s span it kept up, and nothing waited.
  LoadResult r;
  r.open_model = true;
  r.rate_per_s = 1;
  r.duration_s = 3;
  r.total = r.ok = 3;
  judge_result(r);
  EXPECT_TRUE(r.notes.empty());
  r.duration_s = 6;  // slower, but still no request waited for a connection
  judge_result(r);
  EXPECT_TRUE(r.notes.empty());
  r.waited_for_connection = 2;
  r.max_connection_wait_ns = 1'000'000'000;
  judge_result(r);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("did not keep up"), std::string::npos);
}

}  // namespace
}  // namespace perfgate::http
