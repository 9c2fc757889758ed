// Tests for the real process executor (spawning actual programs: exit codes, signals, times,
// peak RSS, output and input redirection) and for the FakeExecutor other tests rely on.
#include "cmd/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cmd/fake_executor.hpp"

namespace perfgate::cmd {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kMs = 1'000'000;

ProcessMeasurement run(const std::vector<std::string>& argv, OutputMode output = {}, InputMode input = {}) {
  return make_process_executor()->run(ProcessSpec{argv, std::move(input), std::move(output)});
}

// A private directory for the files a test writes, removed afterwards.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "perfgate-process-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(ProcessExecutor, TrueSucceedsQuickly) {
  const ProcessMeasurement m = run({"true"});
  EXPECT_TRUE(m.started) << m.start_error;
  EXPECT_TRUE(m.succeeded());
  EXPECT_EQ(m.exit_code, 0);
  EXPECT_EQ(m.signal, 0);
  EXPECT_GT(m.wall_ns, 0);
  EXPECT_LT(m.wall_ns, 200 * kMs);
  EXPECT_GT(m.max_rss_bytes, 0);
}

TEST(ProcessExecutor, ManyRunsStayCheap) {
  // The per-run overhead is what lets `-N --runs 500 true` beat hyperfine; generous bound
  // because sanitizers and a busy machine both slow spawning.
  const std::unique_ptr<Executor> executor = make_process_executor();
  const ProcessSpec spec{{"true"}, {}, {}};
  std::int64_t total_ns = 0;
  constexpr int kRuns = 50;
  for (int i = 0; i < kRuns; ++i) {
    const ProcessMeasurement m = executor->run(spec);
    ASSERT_TRUE(m.succeeded());
    total_ns += m.wall_ns;
  }
  EXPECT_LT(total_ns / kRuns, 20 * kMs);
}

TEST(ProcessExecutor, ReportsTheExitCode) {
  const ProcessMeasurement m = run({"sh", "-c", "exit 3"});
  EXPECT_TRUE(m.started);
  EXPECT_FALSE(m.succeeded());
  EXPECT_EQ(m.exit_code, 3);
  EXPECT_EQ(m.signal, 0);
}

TEST(ProcessExecutor, WallTimeOfSleep) {
  const ProcessMeasurement m = run({"sleep", "0.05"});
  ASSERT_TRUE(m.succeeded());
  EXPECT_GE(m.wall_ns, 45 * kMs);
  EXPECT_LE(m.wall_ns, 250 * kMs);
  // Sleeping costs next to no CPU.
  EXPECT_LT(m.user_ns + m.system_ns, 30 * kMs);
}

// The CPU time the shell reports for itself with `times` ("0m0.130000s 0m0.000000s", 10 ms
// ticks): a truth that does not depend on how busy the machine is, as wall time would.
double shell_cpu_seconds(const std::string& times_output) {
  double user_m = 0, user_s = 0, system_m = 0, system_s = 0;
  if (std::sscanf(times_output.c_str(), "%lfm%lfs %lfm%lfs", &user_m, &user_s, &system_m, &system_s) != 4) return -1;
  return user_m * 60 + user_s + system_m * 60 + system_s;
}

TEST(ProcessExecutor, CpuTimeOfABusyLoop) {
  ScratchDirectory scratch;
  const std::string output = scratch.file("times");
  const ProcessMeasurement m = run({"sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; times"},
                                   {OutputMode::Kind::kFile, output});
  ASSERT_TRUE(m.succeeded()) << m.start_error;
  const double shell_says = shell_cpu_seconds(read_file(output));
  ASSERT_GT(shell_says, 0.0) << read_file(output);
  const std::int64_t cpu_ns = m.user_ns + m.system_ns;
  EXPECT_GT(m.user_ns, m.system_ns);
  EXPECT_NEAR(static_cast<double>(cpu_ns) / 1e9, shell_says, 0.02 + 0.1 * shell_says);
  EXPECT_LT(cpu_ns, m.wall_ns * 11 / 10 + 10 * kMs) << "never more CPU than wall time for one thread";
}

TEST(ProcessExecutor, PeakRssOfAnAllocatingProgram) {
  const ProcessMeasurement m = run({"python3", "-c", "x = bytearray(50 * 1024 * 1024)"});
  if (!m.started) GTEST_SKIP() << "python3 is not available: " << m.start_error;
  ASSERT_TRUE(m.succeeded());
  EXPECT_GE(m.max_rss_bytes, 50 * 1024 * 1024);
  EXPECT_LT(m.max_rss_bytes, 1024 * 1024 * 1024);
}

TEST(ProcessExecutor, PeakRssIsTheCommandsOwnWhateverPerfgatesSize) {
  // Make this process large first: a child spawned by it directly inherits its high-water mark.
  constexpr std::size_t kBig = 64u << 20;
  std::vector<char> ballast(kBig);
  for (std::size_t i = 0; i < ballast.size(); i += 4096) ballast[i] = 1;
  asm volatile("" : : "r"(ballast.data()) : "memory");  // the pages are touched, not optimised away
  ASSERT_TRUE(find_exec_helper().has_value()) << "perfgate-exec is built beside perfgate";

  const ProcessMeasurement own = make_process_executor()->run(ProcessSpec{{"true"}, {}, {}});
  ASSERT_TRUE(own.succeeded()) << own.start_error;
  EXPECT_TRUE(own.rss_is_own);
  EXPECT_GT(own.max_rss_bytes, 0);
  EXPECT_LT(own.max_rss_bytes, 2 << 20) << "`true` alone, as /usr/bin/time reports it";

  // Spawned directly, the same `true` reports this process's size, and says so.
  const ProcessMeasurement inherited = make_process_executor_through(std::nullopt)->run(ProcessSpec{{"true"}, {}, {}});
  ASSERT_TRUE(inherited.succeeded());
  EXPECT_FALSE(inherited.rss_is_own);
  EXPECT_GE(inherited.max_rss_bytes, static_cast<std::int64_t>(kBig));
  asm volatile("" : : "r"(ballast.data()) : "memory");  // and still there
}

TEST(ProcessExecutor, ThroughTheHelperTimesAndStatusAreTheCommands) {
  const std::unique_ptr<Executor> executor = make_process_executor();
  const ProcessMeasurement slept = executor->run(ProcessSpec{{"sleep", "0.05"}, {}, {}});
  EXPECT_GE(slept.wall_ns, 50 * kMs);
  const ProcessMeasurement failed = executor->run(ProcessSpec{{"sh", "-c", "exit 7"}, {}, {}});
  EXPECT_EQ(failed.exit_code, 7);
  const ProcessMeasurement missing = executor->run(ProcessSpec{{"no-such-program-perfgate"}, {}, {}});
  EXPECT_FALSE(missing.started);
  EXPECT_EQ(missing.start_error, "No such file or directory");
}

TEST(ProcessExecutor, MissingProgramIsNotStarted) {
  const ProcessMeasurement m = run({"perfgate-no-such-program-anywhere", "--flag"});
  EXPECT_FALSE(m.started);
  EXPECT_FALSE(m.succeeded());
  EXPECT_NE(m.start_error.find("No such file or directory"), std::string::npos) << m.start_error;
}

TEST(ProcessExecutor, NonExecutableFileIsNotStarted) {
  ScratchDirectory scratch;
  const std::string path = scratch.file("not-executable");
  std::ofstream(path) << "#!/bin/sh\n";
  const ProcessMeasurement m = run({path});
  EXPECT_FALSE(m.started);
  EXPECT_NE(m.start_error.find("Permission denied"), std::string::npos) << m.start_error;
}

TEST(ProcessExecutor, EmptyArgvIsNotStarted) {
  const ProcessMeasurement m = run({});
  EXPECT_FALSE(m.started);
  EXPECT_FALSE(m.start_error.empty());
}

TEST(ProcessExecutor, KilledBySignal) {
  const ProcessMeasurement m = run({"sh", "-c", "kill -9 $$"});
  EXPECT_TRUE(m.started);
  EXPECT_EQ(m.signal, 9);
  EXPECT_EQ(m.exit_code, 137);
  EXPECT_FALSE(m.succeeded());
}

TEST(ProcessExecutor, ChildGetsDefaultSignalsAndAnEmptyMask) {
  // perfgate ignores or blocks signals of its own; the benchmarked program must not inherit that.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous_int {};
  struct sigaction previous_pipe {};
  sigaction(SIGINT, &ignore, &previous_int);
  sigaction(SIGPIPE, &ignore, &previous_pipe);
  sigset_t block_term, previous_mask;
  sigemptyset(&block_term);
  sigaddset(&block_term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block_term, &previous_mask);

  const ProcessMeasurement interrupted = run({"sh", "-c", "kill -INT $$; exit 0"});
  const ProcessMeasurement terminated = run({"sh", "-c", "kill -TERM $$; exit 0"});
  // Programs writing into a closed pipe rely on dying of SIGPIPE.
  const ProcessMeasurement piped = run({"sh", "-c", "kill -PIPE $$; exit 0"});

  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  sigaction(SIGPIPE, &previous_pipe, nullptr);
  sigaction(SIGINT, &previous_int, nullptr);

  EXPECT_EQ(interrupted.signal, SIGINT);
  EXPECT_EQ(interrupted.exit_code, 128 + SIGINT);
  EXPECT_EQ(terminated.signal, SIGTERM);
  EXPECT_EQ(piped.signal, SIGPIPE);
}

TEST(ProcessExecutor, PipeOutputIsDrained) {
  // Ten times a pipe's capacity: the child would block forever if nobody read it.
  const ProcessMeasurement m = run({"head", "-c", "10000000", "/dev/zero"}, {OutputMode::Kind::kPipe, ""});
  EXPECT_TRUE(m.succeeded()) << m.start_error;
}

TEST(ProcessExecutor, NullOutputDiscardsEverything) {
  const ProcessMeasurement m = run({"head", "-c", "10000000", "/dev/zero"}, {OutputMode::Kind::kNull, ""});
  EXPECT_TRUE(m.succeeded());
}

TEST(ProcessExecutor, FileOutputHoldsTheLastRunsStdout) {
  ScratchDirectory scratch;
  const std::string path = scratch.file("out.txt");
  const std::unique_ptr<Executor> executor = make_process_executor();
  const ProcessSpec spec{{"sh", "-c", "echo hello; echo ignored >&2"}, {}, {OutputMode::Kind::kFile, path}};
  ASSERT_TRUE(executor->run(spec).succeeded());
  ASSERT_TRUE(executor->run(spec).succeeded());
  // Truncated per run (as hyperfine), and stderr is not part of it.
  EXPECT_EQ(read_file(path), "hello\n");
}

TEST(ProcessExecutor, UnwritableOutputFileIsNotStarted) {
  ScratchDirectory scratch;
  const ProcessMeasurement m = run({"true"}, {OutputMode::Kind::kFile, scratch.file("missing-dir/out.txt")});
  EXPECT_FALSE(m.started);
  EXPECT_NE(m.start_error.find("missing-dir/out.txt"), std::string::npos) << m.start_error;
}

TEST(ProcessExecutor, InputFileIsFedToStdinOnEveryRun) {
  ScratchDirectory scratch;
  const std::string input = scratch.file("in.txt");
  const std::string output = scratch.file("count.txt");
  std::ofstream(input) << "abcde";
  const std::unique_ptr<Executor> executor = make_process_executor();
  const ProcessSpec spec{{"wc", "-c"}, {input}, {OutputMode::Kind::kFile, output}};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(executor->run(spec).succeeded());
    EXPECT_EQ(read_file(output), "5\n") << "run " << i;
  }
}

TEST(ProcessExecutor, StdinDefaultsToDevNull) {
  // `cat` would wait for a terminal forever without the redirection.
  ScratchDirectory scratch;
  const std::string output = scratch.file("cat.txt");
  const ProcessMeasurement m = run({"cat"}, {OutputMode::Kind::kFile, output});
  EXPECT_TRUE(m.succeeded());
  EXPECT_EQ(read_file(output), "");
}

TEST(ProcessExecutor, MissingInputFileIsNotStarted) {
  ScratchDirectory scratch;
  const ProcessMeasurement m = run({"true"}, {}, InputMode{scratch.file("absent.txt")});
  EXPECT_FALSE(m.started);
  EXPECT_NE(m.start_error.find("absent.txt"), std::string::npos) << m.start_error;
}

}  // namespace
}  // namespace perfgate::cmd

namespace perfgate::testing {
namespace {

using std::chrono::milliseconds;

TEST(FakeExecutor, QueueThenScriptThenFallback) {
  FakeExecutor fake;
  fake.enqueue(FakeExecutor::exited(2, milliseconds(5))).enqueue(FakeExecutor::success(milliseconds(7)), 2);
  const cmd::ProcessSpec spec{{"prog", "arg"}, {}, {}};
  EXPECT_EQ(fake.run(spec).exit_code, 2);
  EXPECT_EQ(fake.run(spec).wall_ns, 7'000'000);
  EXPECT_EQ(fake.run(spec).wall_ns, 7'000'000);
  EXPECT_EQ(fake.queued(), 0u);
  EXPECT_TRUE(fake.run(spec).succeeded());  // the fallback
  fake.set_script(
      [](const cmd::ProcessSpec& s) { return FakeExecutor::success(milliseconds(static_cast<int>(s.argv.size()))); });
  EXPECT_EQ(fake.run(spec).wall_ns, 2'000'000);
  ASSERT_EQ(fake.runs().size(), 5u);
  EXPECT_EQ(fake.runs()[0].argv[1], "arg");
}

TEST(FakeExecutor, CannedFailures) {
  const cmd::ProcessMeasurement killed = FakeExecutor::killed(9, milliseconds(1));
  EXPECT_EQ(killed.exit_code, 137);
  EXPECT_EQ(killed.signal, 9);
  EXPECT_FALSE(killed.succeeded());
  const cmd::ProcessMeasurement missing = FakeExecutor::not_started();
  EXPECT_FALSE(missing.started);
  EXPECT_FALSE(missing.start_error.empty());
}

}  // namespace
}  // namespace perfgate::testing
