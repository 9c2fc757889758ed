// Tests for the `perfgate cmd` run loop with a scripted executor: how many runs, what runs
// when (warm-up, prepare, cleanup), the shell correction, failures, warnings, comparisons.
#include "cmd/benchmark_runner.hpp"

#include <gtest/gtest.h>

#include "cmd/fake_executor.hpp"
#include "core/error.hpp"

namespace perfgate::cmd {
namespace {

using perfgate::testing::FakeExecutor;
using std::chrono::milliseconds;
using std::chrono::microseconds;

RunnerOptions no_shell(std::vector<std::string> commands) {
  RunnerOptions o;
  o.shell = std::nullopt;
  o.min_time = milliseconds(0);
  for (auto& c : commands) o.commands.push_back({c, c, {}});
  return o;
}

bool is(const ProcessSpec& spec, const std::string& program) { return !spec.argv.empty() && spec.argv[0] == program; }

TEST(BenchmarkRunner, ExactRunsAfterWarmupWithPrepareBeforeEach) {
  FakeExecutor fake([](const ProcessSpec&) { return FakeExecutor::success(milliseconds(10)); });
  RunnerOptions o = no_shell({"work --fast"});
  o.exact_runs = 5;
  o.warmup_runs = 2;
  o.prepare = "prep";
  o.cleanup = "clean";
  BenchmarkRunner runner(fake, o);
  auto results = runner.run(nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].wall_s.size(), 5u);
  // prep, work for each of 2 warm-up and 5 timed runs, then one cleanup.
  ASSERT_EQ(fake.runs().size(), 2u * 7 + 1);
  for (std::size_t i = 0; i < 14; i += 2) {
    EXPECT_TRUE(is(fake.runs()[i], "prep"));
    EXPECT_TRUE(is(fake.runs()[i + 1], "work"));
    EXPECT_EQ(fake.runs()[i + 1].argv, (std::vector<std::string>{"work", "--fast"}));
  }
  EXPECT_TRUE(is(fake.runs().back(), "clean"));
  EXPECT_DOUBLE_EQ(results[0].wall.mean, 0.010);
  EXPECT_DOUBLE_EQ(results[0].wall.stddev, 0.0);
}

TEST(BenchmarkRunner, DefaultIsTenRunsOrThreeSecondsWhicheverIsMore) {
  FakeExecutor fast([](const ProcessSpec&) { return FakeExecutor::success(milliseconds(100)); });
  RunnerOptions o = no_shell({"a"});
  o.min_time = std::chrono::seconds(3);
  BenchmarkRunner runner(fast, o);
  EXPECT_EQ(runner.run(nullptr)[0].wall_s.size(), 30u);  // 3 s / 100 ms

  FakeExecutor slow([](const ProcessSpec&) { return FakeExecutor::success(milliseconds(500)); });
  BenchmarkRunner slow_runner(slow, o);
  EXPECT_EQ(slow_runner.run(nullptr)[0].wall_s.size(), 10u);  // min-runs wins

  o.max_runs = 12;
  FakeExecutor capped([](const ProcessSpec&) { return FakeExecutor::success(milliseconds(1)); });
  BenchmarkRunner capped_runner(capped, o);
  EXPECT_EQ(capped_runner.run(nullptr)[0].wall_s.size(), 12u);  // max-runs caps 3000
}

TEST(BenchmarkRunner, ShellStartupIsMeasuredAndSubtracted) {
  FakeExecutor fake([](const ProcessSpec& spec) {
    // The empty command is the shell alone: 2 ms; the real command adds 10 ms.
    bool empty = spec.argv.back().empty();
    return FakeExecutor::success(milliseconds(empty ? 2 : 12), microseconds(empty ? 500 : 3500));
  });
  RunnerOptions o;
  o.commands = {{"x", "x", {}}};
  o.exact_runs = 3;
  BenchmarkRunner runner(fake, o);
  auto results = runner.run(nullptr);
  EXPECT_NEAR(runner.shell_spawn_wall_s(), 0.002, 1e-12);
  EXPECT_NEAR(results[0].wall.mean, 0.010, 1e-12);
  EXPECT_NEAR(results[0].user_mean_s, 0.003, 1e-12);
  EXPECT_EQ(fake.runs().front().argv, (std::vector<std::string>{"sh", "-c", ""}));
  EXPECT_EQ(fake.runs().back().argv, (std::vector<std::string>{"sh", "-c", "x"}));
}

TEST(BenchmarkRunner, ShellStartupLongerThanARunIsNotSubtractedButReported) {
  // The shell alone takes 2 ms; the command 1.5 or 3.5 ms, which 0.5 ms of noise makes the
  // shell's start-up plus between -0.5 and 1.5 ms. Clamped at 0 these would read 0 and 1.5 ms.
  FakeExecutor fake([](const ProcessSpec& spec) {
    static int i = 0;
    if (spec.argv.back().empty()) return FakeExecutor::success(milliseconds(2), microseconds(700));
    return FakeExecutor::success(microseconds(++i % 2 == 0 ? 1500 : 3500), microseconds(900));
  });
  RunnerOptions o;
  o.commands = {{"fast", "fast", {}}};
  o.exact_runs = 4;
  BenchmarkRunner runner(fake, o);
  const CommandResult r = runner.run(nullptr).at(0);
  EXPECT_EQ(r.wall_s, (std::vector<double>{0.0035, 0.0015, 0.0035, 0.0015}));
  EXPECT_DOUBLE_EQ(r.wall.mean, 0.0025);  // uncorrected, not the clamped 0.00175
  EXPECT_EQ(r.wall_correction_s, 0.0);
  EXPECT_NEAR(r.user_correction_s, 0.0007, 1e-12);  // every run's user time exceeds the shell's
  EXPECT_NEAR(r.user_mean_s, 0.0002, 1e-12);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("exceeds some runs' own wall time"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("reported uncorrected"), std::string::npos) << r.warnings[0];
}

TEST(BenchmarkRunner, SetupOnceConcludeAfterEveryRun) {
  FakeExecutor fake;
  RunnerOptions o = no_shell({"work"});
  o.exact_runs = 2;
  o.warmup_runs = 1;
  o.setup = "setup";
  o.conclude = "conclude";
  BenchmarkRunner runner(fake, o);
  runner.run(nullptr);
  std::vector<std::string> programs;
  for (const ProcessSpec& spec : fake.runs()) programs.push_back(spec.argv[0]);
  EXPECT_EQ(programs, (std::vector<std::string>{"setup", "work", "conclude", "work", "conclude", "work", "conclude"}));
}

TEST(BenchmarkRunner, APeakRssNotMeasuredOnItsOwnIsSaid) {
  FakeExecutor fake;
  cmd::ProcessMeasurement inherited = FakeExecutor::success(milliseconds(1), {}, {}, 6 << 20);
  inherited.rss_is_own = false;
  fake.set_fallback(inherited);
  RunnerOptions o = no_shell({"true"});
  o.exact_runs = 2;
  BenchmarkRunner runner(fake, o);
  const CommandResult r = runner.run(nullptr).at(0);
  EXPECT_FALSE(r.rss_is_own);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("includes perfgate's own memory"), std::string::npos) << r.warnings[0];
}

TEST(BenchmarkRunner, FailureStopsWithTheCommandNamedUnlessIgnored) {
  FakeExecutor fake;
  fake.enqueue(FakeExecutor::success(milliseconds(5))).enqueue(FakeExecutor::exited(3, milliseconds(5)));
  RunnerOptions o = no_shell({"flaky"});
  o.exact_runs = 4;
  BenchmarkRunner runner(fake, o);
  try {
    runner.run(nullptr);
    FAIL() << "expected CommandFailed";
  } catch (const CommandFailed& e) {
    EXPECT_NE(std::string(e.what()).find("'flaky' exited with code 3"), std::string::npos) << e.what();
    EXPECT_EQ(e.command_exit_code(), 3);
  }

  // In a suite the hint is the suite's key, not the command line's flag.
  FakeExecutor in_suite;
  in_suite.set_fallback(FakeExecutor::exited(3, milliseconds(5)));
  RunnerOptions suite_options = o;
  suite_options.ignore_failure_hint = "ignore_failure: true";
  try {
    BenchmarkRunner(in_suite, suite_options).run(nullptr);
    FAIL() << "expected CommandFailed";
  } catch (const CommandFailed& e) {
    EXPECT_NE(std::string(e.what()).find("Use ignore_failure: true to"), std::string::npos) << e.what();
  }

  FakeExecutor ignoring;
  ignoring.enqueue(FakeExecutor::exited(3, milliseconds(5)), 4);
  o.ignore_failure = true;
  BenchmarkRunner tolerant(ignoring, o);
  auto results = tolerant.run(nullptr);
  EXPECT_EQ(results[0].wall_s.size(), 4u);
  EXPECT_EQ(results[0].exit_codes, (std::vector<int>{3, 3, 3, 3}));
  ASSERT_FALSE(results[0].warnings.empty());
  EXPECT_NE(results[0].warnings[0].find("non-zero exit"), std::string::npos);
}

TEST(BenchmarkRunner, ACommandThatCannotStartIsARunError) {
  FakeExecutor fake;
  fake.set_fallback(FakeExecutor::not_started("No such file or directory"));
  RunnerOptions o = no_shell({"nope"});
  BenchmarkRunner runner(fake, o);
  EXPECT_THROW(runner.run(nullptr), RunError);
}

TEST(BenchmarkRunner, WarnsAboutASlowFirstRunAndAboutOutliers) {
  FakeExecutor fake;
  fake.enqueue(FakeExecutor::success(milliseconds(80)));
  for (int i = 0; i < 18; ++i) fake.enqueue(FakeExecutor::success(microseconds(10'000 + (i % 3) * 100)));
  fake.enqueue(FakeExecutor::success(milliseconds(60)));
  RunnerOptions o = no_shell({"cache"});
  o.exact_runs = 20;
  BenchmarkRunner runner(fake, o);
  auto results = runner.run(nullptr);
  ASSERT_EQ(results[0].warnings.size(), 2u);
  EXPECT_NE(results[0].warnings[0].find("first run was much slower"), std::string::npos) << results[0].warnings[0];
  EXPECT_NE(results[0].warnings[1].find("outliers were detected (1 of 20"), std::string::npos)
      << results[0].warnings[1];
}

TEST(BenchmarkRunner, StopsWhenInterruptedKeepingWhatWasMeasured) {
  std::atomic<bool> stop{false};
  int calls = 0;
  FakeExecutor fake([&](const ProcessSpec&) {
    if (++calls == 1) stop = true;  // the signal arrives during the 4th run (after 3 queued)
    return FakeExecutor::killed(2, milliseconds(5));
  });
  fake.enqueue(FakeExecutor::success(milliseconds(5)), 3);
  RunnerOptions o = no_shell({"long", "never"});
  o.exact_runs = 10;
  BenchmarkRunner runner(fake, o);
  auto results = runner.run(nullptr, &stop);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].interrupted);
  EXPECT_EQ(results[0].wall_s.size(), 3u);
}

TEST(CompareToFastest, RatioWithUncertaintyAndSignificance) {
  FakeExecutor fake([](const ProcessSpec& spec) {
    static int i = 0;
    ++i;
    double jitter = (i % 5) * 0.1;  // ms
    return FakeExecutor::success(
        std::chrono::nanoseconds(static_cast<std::int64_t>(((spec.argv[0] == "slow" ? 20.0 : 10.0) + jitter) * 1e6)));
  });
  RunnerOptions o = no_shell({"slow", "fast", "fast2"});
  o.exact_runs = 10;
  BenchmarkRunner runner(fake, o);
  auto results = runner.run(nullptr);
  auto comparisons = compare_to_fastest(results);
  ASSERT_EQ(comparisons.size(), 2u);
  const Comparison& vs_slow = comparisons[0];
  EXPECT_EQ(results[vs_slow.other].command.name, "slow");
  EXPECT_NEAR(vs_slow.ratio.value, 20.2 / 10.2, 0.02);
  EXPECT_GT(vs_slow.ratio.stddev, 0.0);
  EXPECT_TRUE(vs_slow.mann_whitney.significant());
  // fast and fast2 are the same command in all but name: not distinguishable.
  EXPECT_FALSE(comparisons[1].mann_whitney.significant());
}

TEST(CompareToReference, EachCommandAgainstTheReferenceFasterOrSlower) {
  FakeExecutor fake([](const ProcessSpec& spec) {
    const double ms = spec.argv[0] == "ref" ? 20.0 : spec.argv[0] == "slow" ? 40.0 : 10.0;
    return FakeExecutor::success(std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6)));
  });
  RunnerOptions o = no_shell({"ref", "slow", "fast"});
  o.exact_runs = 5;
  BenchmarkRunner runner(fake, o);
  auto results = runner.run(nullptr);
  auto comparisons = compare_to_reference(results, 0);
  ASSERT_EQ(comparisons.size(), 2u);
  EXPECT_EQ(comparisons[0].fastest, 0u);  // ref is 2x faster than slow
  EXPECT_EQ(comparisons[0].other, 1u);
  EXPECT_DOUBLE_EQ(comparisons[0].ratio.value, 2.0);
  EXPECT_EQ(comparisons[1].fastest, 2u);  // fast is 2x faster than ref
  EXPECT_EQ(comparisons[1].other, 0u);
  EXPECT_DOUBLE_EQ(comparisons[1].ratio.value, 2.0);
}

TEST(CompareToFastest, ACommandWithoutRunsIsNotCompared) {
  // Interrupted before its first run: no mean, so never "0.00 times faster".
  std::vector<CommandResult> results(3);
  results[0].wall_s = {0.010, 0.011};
  results[0].wall = stats::summarize(results[0].wall_s);
  results[2].wall_s = {0.020, 0.021};
  results[2].wall = stats::summarize(results[2].wall_s);
  auto comparisons = compare_to_fastest(results);
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_EQ(comparisons[0].fastest, 0u);
  EXPECT_EQ(comparisons[0].other, 2u);
  EXPECT_TRUE(compare_to_reference(results, 1).empty());
}

}  // namespace
}  // namespace perfgate::cmd
