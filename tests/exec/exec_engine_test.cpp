// The exec engine with real worker processes (small Python and shell scripts, and the C++ echo
// worker of examples/exec): the protocol, both models' counts, and every way a worker can fail.
#include "exec/exec_engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "exec/worker_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::exec {
namespace {

using ::testing::HasSubstr;

// Starts the workers, runs, and returns the result.
ExecResult run_to_the_end(const ExecOptions& o) {
  ExecRun run(o);
  run.start_workers();
  run.start();
  return run.wait();
}

class ExecEngine : public perfgate::testing::TempDirTest {
 protected:
  ExecEngine() : TempDirTest("perfgate-exec") {}

  // A Python worker from its source.
  std::vector<std::string> python(const std::string& name, const std::string& source) const {
    write(name, source);
    return {"python3", path(name)};
  }

  ExecOptions options(std::vector<std::string> argv) const {
    ExecOptions o;
    o.argv = std::move(argv);
    o.stderr_directory = dir_;
    o.timeout = std::chrono::seconds(20);
    return o;
  }

  static ExecResult run(const ExecOptions& o) { return run_to_the_end(o); }
};

const std::string kEcho = PERFGATE_ECHO_WORKER;

// Reads a line at a time, answers with what `answer(id, payload)` returns.
std::string line_worker(const std::string& answer_body) {
  return "import sys\n"
         "def answer(i, payload):\n" +
         answer_body +
         "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
         "for line in sys.stdin:\n"
         "    i, _, payload = line.rstrip('\\n').partition('\\t')\n"
         "    a = answer(int(i), payload)\n"
         "    if a is not None:\n"
         "        sys.stdout.write(a); sys.stdout.flush()\n";
}

TEST(LineReader, FramesLinesAcrossReadsAndManyPerRead) {
  LineReader reader;
  std::vector<std::string> lines;
  auto feed = [&](std::string_view bytes) {
    std::memcpy(reader.space(), bytes.data(), bytes.size());
    reader.added(bytes.size());
    reader.for_each_line([&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
  };
  feed("1\tok\n2\ter");
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_EQ(reader.pending(), "2\ter");
  feed("ror\tdisk full\r\n3\tok\n4");
  feed("\tok\n");
  EXPECT_THAT(lines, ::testing::ElementsAre("1\tok", "2\terror\tdisk full", "3\tok", "4\tok"));
  EXPECT_EQ(reader.pending(), "");
}

TEST_F(ExecEngine, ClosedModelDoesExactlyNOperationsAndPassesThePayload) {
  ExecOptions o = options(python("w.py", line_worker("    return f'{i}\\tok\\n' if payload == 'hello world' else f'{i}\\terror\\tpayload {payload!r}\\n'\n")));
  o.operations = 300;
  o.concurrency = 2;
  o.workers = 2;
  o.payload = "hello world";
  ExecResult r = run(o);
  ASSERT_FALSE(r.failure) << *r.failure;
  EXPECT_EQ(r.load.total, 300u);
  EXPECT_EQ(r.load.ok, 300u);
  EXPECT_EQ(r.load.errors, 0u);
  EXPECT_EQ(r.load.latency.total_count(), 300);
  EXPECT_FALSE(r.load.open_model);
  EXPECT_TRUE(r.load.valid) << r.load.invalid_reason;
}

TEST_F(ExecEngine, ThePayloadIsATemplateWhoseSeqIsTheOperationsId) {
  ExecOptions o = options(python("w.py", line_worker(
      "    n, _, u = payload.partition(' ')\n"
      "    return f'{i}\\tok\\n' if n == f'n={i}' and len(u) == 36 else f'{i}\\terror\\t{payload}\\n'\n")));
  o.operations = 50;
  o.in_flight = 3;
  o.concurrency = 3;
  o.payload = "n=${seq} ${uuid}";
  ExecResult r = run(o);
  ASSERT_FALSE(r.failure) << *r.failure;
  EXPECT_EQ(r.load.ok, 50u) << (r.error_messages.empty() ? "" : r.error_messages.begin()->first);
}

TEST_F(ExecEngine, ErrorAnswersAreCountedWithTheirMessages) {
  ExecOptions o = options(python("w.py", line_worker(
      "    return f'{i}\\terror\\tqueue full\\n' if i % 4 == 0 else f'{i}\\terror\\n' if i % 4 == 1 else f'{i}\\tok\\n'\n")));
  o.operations = 100;
  ExecResult r = run(o);
  ASSERT_FALSE(r.failure) << *r.failure;
  EXPECT_EQ(r.load.total, 100u);
  EXPECT_EQ(r.load.ok, 50u);
  EXPECT_EQ(r.load.errors, 50u);
  EXPECT_EQ(r.error_answers, 50u);
  EXPECT_EQ(r.load.error_classes.timeout, 0u);
  EXPECT_EQ(r.error_messages["queue full"], 25u);
  EXPECT_EQ(r.error_messages[""], 25u);
}

TEST_F(ExecEngine, AnswersInAnyOrderWithSeveralInFlight) {
  // Takes four operations, then answers them last first; error for odd ids, to check that each
  // answer is matched to its own operation.
  auto argv = python("w.py",
                     "import sys\n"
                     "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
                     "batch = []\n"
                     "for line in sys.stdin:\n"
                     "    batch.append(int(line.split('\\t')[0]))\n"
                     "    if len(batch) == 4:\n"
                     "        for i in reversed(batch):\n"
                     "            sys.stdout.write(f'{i}\\terror\\todd\\n' if i % 2 else f'{i}\\tok\\n')\n"
                     "        sys.stdout.flush(); batch = []\n");
  ExecOptions o = options(argv);
  o.in_flight = 4;
  o.concurrency = 4;
  o.operations = 200;
  ExecResult r = run(o);
  ASSERT_FALSE(r.failure) << *r.failure;
  EXPECT_EQ(r.load.total, 200u);
  EXPECT_EQ(r.load.ok, 100u);
  EXPECT_EQ(r.error_messages["odd"], 100u);
}

TEST_F(ExecEngine, OpenModelSchedulesRateTimesDurationAndKeepsTheUncorrectedLatency) {
  ExecOptions o = options({kEcho});
  o.workers = 2;
  o.in_flight = 8;
  o.rate_per_s = 500;
  o.duration = std::chrono::seconds(2);
  ExecResult r = run(o);
  ASSERT_FALSE(r.failure) << *r.failure;
  // Due at start + k * 2 ms for every k with a due time inside the 2 s window.
  EXPECT_EQ(r.load.total, 1000u);
  EXPECT_EQ(r.load.ok + r.load.error_classes.timeout, 1000u);
  EXPECT_TRUE(r.load.open_model);
  EXPECT_EQ(r.load.latency_uncorrected.total_count(), static_cast<std::int64_t>(r.load.ok));
  EXPECT_NEAR(r.load.duration_s, 2.0, 0.01);
  EXPECT_EQ(r.load.timeline.size(), 2u);
}

TEST_F(ExecEngine, AWorkerThatExitsMidRunEndsTheBenchmarkWithItsStderr) {
  ExecOptions o = options(python("w.py", line_worker(
      "    if i == 20:\n"
      "        sys.stderr.write('connecting to the bus failed\\nTraceback: boom\\n'); sys.exit(7)\n"
      "    return f'{i}\\tok\\n'\n")));
  o.workers = 2;
  o.concurrency = 2;
  o.duration = std::chrono::seconds(30);
  auto started = std::chrono::steady_clock::now();
  ExecResult r = run(o);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_TRUE(r.failure);
  EXPECT_THAT(*r.failure, HasSubstr("of 2 (pid "));
  EXPECT_THAT(*r.failure, HasSubstr("exited with status 7"));
  EXPECT_THAT(*r.failure, HasSubstr("Traceback: boom"));
  EXPECT_THAT(*r.failure, HasSubstr("worker-"));
}

// Runs a worker meant to break the run: it must end at once (not after the 30 s asked for), with
// a failure that names it and says `what`.
void expect_run_ends_with(const ExecOptions& o, const std::string& what) {
  auto started = std::chrono::steady_clock::now();
  ExecResult r = run_to_the_end(o);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  ASSERT_TRUE(r.failure);
  EXPECT_THAT(*r.failure, HasSubstr("worker 1 of 1 (pid"));
  EXPECT_THAT(*r.failure, HasSubstr(what));
}

TEST_F(ExecEngine, AWorkerThatClosesItsStdinEndsTheBenchmarkAtOnce) {
  ExecOptions o = options(python("w.py", "import os, sys, time\nprint('ready', flush=True)\nos.close(0)\ntime.sleep(30)\n"));
  o.duration = std::chrono::seconds(30);
  expect_run_ends_with(o, "closed its stdin");
}

TEST_F(ExecEngine, AMalformedLineIsAProtocolError) {
  ExecOptions o = options(python("w.py", line_worker("    return f'{i} ok\\n' if i == 5 else f'{i}\\tok\\n'\n")));
  o.duration = std::chrono::seconds(30);
  expect_run_ends_with(o, "wrote '5 ok', which is not the protocol");
}

TEST_F(ExecEngine, AnAnswerForAnUnknownIdIsAProtocolError) {
  ExecOptions o = options(python("w.py", line_worker("    return f'{i + 1000}\\tok\\n' if i == 3 else f'{i}\\tok\\n'\n")));
  o.duration = std::chrono::seconds(30);
  expect_run_ends_with(o, "answered the id '1003', which perfgate did not give it");
}

TEST_F(ExecEngine, ASilentWorkerCountsTimeoutsAndALateAnswerIsIgnored) {
  // Every third operation is answered only after the next one arrives: past its timeout, so it
  // counts once, as a timeout, and its late answer is ignored.
  ExecOptions o = options(python("w.py",
                                 "import sys, time\n"
                                 "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
                                 "held = None\n"
                                 "for line in sys.stdin:\n"
                                 "    i = int(line.split('\\t')[0])\n"
                                 "    if held is not None:\n"
                                 "        sys.stdout.write(f'{held}\\tok\\n'); held = None\n"
                                 "    if i % 3 == 2:\n"
                                 "        held = i\n"
                                 "    else:\n"
                                 "        sys.stdout.write(f'{i}\\tok\\n')\n"
                                 "    sys.stdout.flush()\n"));
  // 1 s: far beyond what an answered operation takes even on a loaded machine.
  o.timeout = std::chrono::seconds(1);
  o.operations = 12;
  ExecResult r = run(o);
  ASSERT_FALSE(r.failure) << *r.failure;
  EXPECT_EQ(r.load.total, 12u);
  EXPECT_EQ(r.load.error_classes.timeout, 4u);
  EXPECT_EQ(r.load.ok, 8u);
  EXPECT_EQ(r.late_answers, 3u);  // the last held one is never answered
  // A timeout is in the latency at the latency it had when abandoned: at least the timeout.
  EXPECT_GE(r.load.latency.max(), 1'000'000'000);
}

TEST_F(ExecEngine, AWorkerThatNeverSaysReadyFailsBeforeTheClockWithItsStderr) {
  write("w.sh", "echo 'no config' >&2\nexec sleep 30\n");
  ExecOptions o = options({"sh", path("w.sh")});
  o.ready_timeout = std::chrono::seconds(1);
  ExecRun run(o);
  try {
    run.start_workers();
    FAIL() << "no RunError";
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("did not print 'ready' within 1"));
    EXPECT_THAT(e.what(), HasSubstr("no config"));
  }
}

TEST_F(ExecEngine, WorkersAreStoppedOnEveryPathEvenWhenTheyIgnoreTerm) {
  // Ignores SIGTERM and its stdin closing: only SIGKILL ends it.
  write("w.sh", "trap '' TERM\necho ready\nwhile :; do sleep 1; done\n");
  ExecOptions o = options({"sh", path("w.sh")});
  o.duration = std::chrono::milliseconds(300);
  o.timeout = std::chrono::milliseconds(100);
  pid_t group = -1;
  {
    ExecRun run(o);
    run.start_workers();
    group = run.process_group();
    run.start();
    ExecResult r = run.wait();
    EXPECT_GT(r.load.error_classes.timeout, 0u);
  }
  ASSERT_GT(group, 0);
  // SIGKILLed processes take a moment to be gone.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = perfgate::testing::process_group_dead(group);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "a worker outlived its run";
}

TEST(FindExecutable, NamesWhatIsWrong) {
  std::string problem;
  EXPECT_TRUE(find_executable("sh", &problem).has_value());
  EXPECT_FALSE(find_executable(PERFGATE_SOURCE_DIR "/README.md", &problem).has_value());
  EXPECT_THAT(problem, HasSubstr("is not executable"));
  EXPECT_FALSE(find_executable("no-such-worker-xyz", &problem).has_value());
  EXPECT_THAT(problem, HasSubstr("not found in PATH"));
  EXPECT_FALSE(find_executable("/tmp", &problem).has_value());
  EXPECT_THAT(problem, HasSubstr("is a directory"));
}

}  // namespace
}  // namespace perfgate::exec
