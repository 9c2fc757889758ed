// Tests of the tracker's behaviour: time() and the scope timer, flushing, dropped records with a
// blocked writer, I/O errors that never reach the caller, and many threads in two processes
// appending to one file without tearing a line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <perfgate/tracker.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tracker_files.hpp"

namespace perfgate {
namespace {

using tracker_test::read_lines;
using tracker_test::TempDir;

using nlohmann::json;
using std::chrono::milliseconds;

std::vector<json> read_records(const std::string& path) {
  std::vector<json> records;
  for (const std::string& line : read_lines(path)) records.push_back(json::parse(line));
  return records;
}

// Polls until `path` has `count` lines (the writer runs on its own schedule).
bool wait_for_lines(const std::string& path, std::size_t count, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (read_lines(path).size() < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// Waits for a forked child; kills it after `limit` (a hang is what the fork tests look for).
int wait_child(pid_t pid, milliseconds limit = milliseconds(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
}

TrackerOptions slow_writer(std::size_t queue_capacity = 65536) {
  TrackerOptions options;
  options.flush_interval = std::chrono::hours(1);
  options.queue_capacity = queue_capacity;
  return options;
}

TEST(Tracker, GeneratesADistinctSessionIdUnlessGivenOne) {
  TempDir dir;
  Tracker a(dir.file("a.jsonl"));
  Tracker b(dir.file("b.jsonl"));
  EXPECT_TRUE(std::regex_match(a.session_id(), std::regex("ses_[0-9a-f]{12}"))) << a.session_id();
  EXPECT_NE(a.session_id(), b.session_id());
  TrackerOptions options;
  options.session_id = "ses_mine";
  EXPECT_EQ(Tracker(dir.file("c.jsonl"), options).session_id(), "ses_mine");
}

TEST(Tracker, DestructionWritesEverythingRecorded) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  {
    Tracker tracker(path, slow_writer());
    for (int i = 0; i < 1000; ++i) tracker.record("op", i, true, {{"i", i}});
  }
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(records[static_cast<std::size_t>(i)].at("context").at("i"), i);
}

TEST(Tracker, FlushWritesWhatWasRecordedBeforeIt) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  Tracker tracker(path, slow_writer());
  for (int i = 0; i < 10; ++i) tracker.record("op", 1, true);
  tracker.flush();
  EXPECT_EQ(read_lines(path).size(), 10u);
  tracker.flush();  // nothing new: returns all the same
  EXPECT_EQ(read_lines(path).size(), 10u);
}

TEST(Tracker, WriterWakesEveryFlushInterval) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  TrackerOptions options;
  options.flush_interval = milliseconds(20);
  Tracker tracker(path, options);
  tracker.record("op", 1, true);
  EXPECT_TRUE(wait_for_lines(path, 1));
}

TEST(Tracker, WriterWakesWhenTheQueueIsHalfFull) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  Tracker tracker(path, slow_writer(16));
  for (int i = 0; i < 8; ++i) tracker.record("op", 1, true);
  EXPECT_TRUE(wait_for_lines(path, 8));
  EXPECT_EQ(tracker.dropped(), 0u);
}

TEST(Tracker, AppendsToAnExistingFile) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  std::ofstream(path) << "{\"existing\":true}\n";
  { Tracker(path).record("op", 1, true); }
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"existing\":true}");
}

TEST(Tracker, CreatesTheFileWithMode0644) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  { Tracker(path).record("op", 1, true); }
  const mode_t mask = umask(0);
  umask(mask);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644 & ~mask);
}

TEST(Tracker, TimeRecordsTheDurationAndPassesTheResultThrough) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  int value = 1;
  {
    Tracker tracker(path);
    const int result = tracker.time("compute", [] {
      std::this_thread::sleep_for(milliseconds(20));
      return 42;
    });
    EXPECT_EQ(result, 42);
    int& ref = tracker.time("ref", [&]() -> int& { return value; }, {{"kind", "reference"}});
    EXPECT_EQ(&ref, &value);
    std::unique_ptr<int> owned = tracker.time("move_only", [] { return std::make_unique<int>(7); });
    EXPECT_EQ(*owned, 7);
    tracker.time("void", [&] { ++value; });
    EXPECT_EQ(value, 2);
  }
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].at("operation_type"), "compute");
  EXPECT_EQ(records[0].at("success"), true);
  EXPECT_TRUE(records[0].at("error").is_null());
  EXPECT_GE(records[0].at("duration_ms").get<double>(), 19.0);
  EXPECT_EQ(records[1].at("context").at("kind"), "reference");
  EXPECT_EQ(records[3].at("operation_type"), "void");
}

TEST(Tracker, TimeRecordsAnExceptionAndRethrowsIt) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  {
    Tracker tracker(path);
    EXPECT_THROW(tracker.time("load", [] { throw std::runtime_error("config.yaml not found"); }, {{"try", 1}}),
                 std::runtime_error);
    EXPECT_THROW(tracker.time("odd", []() -> int { throw 42; }), int);
  }
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("success"), false);
  EXPECT_EQ(records[0].at("error"), "config.yaml not found");
  EXPECT_EQ(records[0].at("context").at("try"), 1);
  EXPECT_EQ(records[1].at("success"), false);
  EXPECT_EQ(records[1].at("error"), "unknown exception");
}

TEST(Tracker, ScopeTimerRecordsAtDestruction) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  Tracker tracker(path);
  {
    auto timer = tracker.scope("agent_register", {{"agents", 5}});
    timer.context("region", "eu").context("agents", 6);
    std::this_thread::sleep_for(milliseconds(20));
    tracker.flush();
    EXPECT_TRUE(read_lines(path).empty());
  }
  tracker.flush();
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("operation_type"), "agent_register");
  EXPECT_EQ(records[0].at("success"), true);
  EXPECT_TRUE(records[0].at("error").is_null());
  EXPECT_GE(records[0].at("duration_ms").get<double>(), 19.0);
  EXPECT_EQ(records[0].at("context").dump(), R"({"agents":6,"region":"eu"})");
}

TEST(Tracker, ScopeTimerFail) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  {
    Tracker tracker(path);
    auto timer = tracker.scope("webhook");
    timer.fail("callback returned 503");
  }
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("success"), false);
  EXPECT_EQ(records[0].at("error"), "callback returned 503");
}

TEST(Tracker, ScopeTimerLeftByAnExceptionIsAFailure) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  {
    Tracker tracker(path);
    try {
      auto timer = tracker.scope("parse");
      throw std::runtime_error("bad input");
    } catch (const std::runtime_error&) {
    }
    // A timer made and destroyed while an exception is in flight elsewhere is not affected.
    try {
      throw std::runtime_error("outer");
    } catch (const std::runtime_error&) {
      auto timer = tracker.scope("inside_handler");
    }
  }
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("success"), false);
  EXPECT_EQ(records[0].at("error"), "scope exited by an exception");
  EXPECT_EQ(records[1].at("success"), true);
}

TEST(Tracker, MovedScopeTimerRecordsOnce) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  {
    Tracker tracker(path);
    auto first = tracker.scope("op");
    ScopeTimer second(std::move(first));
  }
  EXPECT_EQ(read_lines(path).size(), 1u);
}

// The writer is stuck opening a FIFO nobody reads: the queue of 4 fills, the other 996 records
// are dropped without the caller waiting, and the writer says so once it can write. Returns the
// records written (record_fn(tracker, i) makes record i).
std::vector<json> records_past_a_blocked_writer(const std::function<void(Tracker&, int)>& record_fn) {
  TempDir dir;
  const std::string fifo = dir.file("fifo");
  EXPECT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader;
  {
    TrackerOptions options = slow_writer(4);
    options.session_id = "ses_drop";
    Tracker tracker(fifo, options);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) record_fn(tracker, i);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(tracker.dropped(), 996u);
    reader = std::thread([&] {
      const int fd = open(fifo.c_str(), O_RDONLY | O_CLOEXEC);
      char buffer[4096];
      for (ssize_t n; fd >= 0 && (n = read(fd, buffer, sizeof buffer)) > 0;) received.append(buffer, std::size_t(n));
      if (fd >= 0) close(fd);
    });
    tracker.flush();
    EXPECT_EQ(tracker.write_errors(), 0u);
  }
  reader.join();
  std::vector<json> records;
  std::vector<json> dropped_lines;
  std::size_t start = 0;
  for (std::size_t end; (end = received.find('\n', start)) != std::string::npos; start = end + 1) {
    json line = json::parse(received.substr(start, end - start));
    (line.at("operation_type") == "perfgate.tracker.dropped" ? dropped_lines : records).push_back(line);
  }
  EXPECT_EQ(start, received.size());
  EXPECT_EQ(records.size(), 4u);
  for (std::size_t i = 0; i < std::min<std::size_t>(records.size(), 4); ++i) {
    EXPECT_EQ(records[i].at("context").at("i"), i);
  }
  EXPECT_EQ(dropped_lines.size(), 1u);
  if (!dropped_lines.empty()) {
    const json& dropped = dropped_lines[0];
    EXPECT_EQ(dropped.at("duration_ms"), 0);
    EXPECT_EQ(dropped.at("success"), false);
    EXPECT_EQ(dropped.at("session_id"), "ses_drop");
    EXPECT_EQ(dropped.at("error"), "996 records dropped: queue full");
    EXPECT_EQ(dropped.at("context").dump(), R"({"dropped":996})");
  }
  return records;
}

TEST(Tracker, DropsAreCountedAndReportedWhenTheWriterIsBlocked) {
  records_past_a_blocked_writer([](Tracker& tracker, int i) { tracker.record("op", 1, true, {{"i", i}}); });
}

// Records too long for a queue slot's inline bytes take another path (a block the caller
// allocates and the writer frees): dropped, counted and reported all the same, and written
// whole when kept.
TEST(Tracker, LongRecordsAreDroppedAndCountedLikeShortOnes) {
  const std::string payload(1000, 'p');
  const auto records = records_past_a_blocked_writer([&](Tracker& tracker, int i) {
    if (i % 2 == 0) {
      tracker.record("long", 1, true, {{"i", i}, {"payload", payload}});
    } else {
      tracker.record("long", 1, true, Context{{"i", i}, {"payload", payload}});
    }
  });
  for (const json& record : records) EXPECT_EQ(record.at("context").at("payload"), payload);
}

// The same with a writer that is merely slow: however many are dropped, none goes unaccounted.
TEST(Tracker, WrittenPlusDroppedIsWhatWasRecorded) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  std::uint64_t dropped = 0;
  {
    Tracker tracker(path, slow_writer(4));
    for (int i = 0; i < 1000; ++i) tracker.record("op", 1, true);
    tracker.flush();
    dropped = tracker.dropped();
    EXPECT_EQ(tracker.write_errors(), 0u);
  }
  std::uint64_t records = 0;
  std::uint64_t reported = 0;
  for (const json& line : read_records(path)) {
    if (line.at("operation_type") == "perfgate.tracker.dropped") {
      reported += line.at("context").at("dropped").get<std::uint64_t>();
    } else {
      ++records;
    }
  }
  EXPECT_EQ(records + dropped, 1000u);
  EXPECT_EQ(reported, dropped);
}

// A line longer than a whole batch (1 MiB) is written whole, between the lines around it.
TEST(Tracker, ALineLongerThanABatchIsWrittenWhole) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  const std::string huge(3 << 20, 'h');
  {
    Tracker tracker(path, slow_writer());
    for (int i = 0; i < 3; ++i) {
      tracker.record("before", 1, true, {{"i", i}});
      tracker.record("huge", 1, true, {{"value", huge}}, huge);
      tracker.record("after", 1, true, {{"i", i}});
    }
    tracker.flush();
    EXPECT_EQ(tracker.dropped(), 0u);
  }
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 9u);
  for (std::size_t i = 0; i < records.size(); i += 3) {
    EXPECT_EQ(records[i].at("operation_type"), "before");
    EXPECT_EQ(records[i + 1].at("context").at("value"), huge);
    EXPECT_EQ(records[i + 1].at("error"), huge);
    EXPECT_EQ(records[i + 2].at("operation_type"), "after");
  }
}

TEST(Tracker, UnopenableFileNeverThrowsAndIsCounted) {
  Tracker tracker("/nonexistent-perfgate-dir/sub/perf.jsonl");
  for (int i = 0; i < 10; ++i) EXPECT_NO_THROW(tracker.record("op", 1, true));
  tracker.flush();
  EXPECT_GT(tracker.write_errors(), 0u);
  EXPECT_EQ(tracker.dropped(), 10u);
}

TEST(Tracker, FullDiskNeverThrowsAndIsCounted) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  Tracker tracker("/dev/full");
  for (int i = 0; i < 10; ++i) EXPECT_NO_THROW(tracker.record("op", 1, true));
  tracker.flush();
  EXPECT_GT(tracker.write_errors(), 0u);
  EXPECT_EQ(tracker.dropped(), 10u);
}

// The two-process test below: 8 threads each append kHammerRecords lines, every other one long.
constexpr int kHammerThreads = 8;
constexpr int kHammerRecords = 2000;
constexpr const char* kHammerFileVariable = "PERFGATE_TRACKER_HAMMER_FILE";
const std::string kHammerPayload(300, 'p');  // long lines, so that batches reach their 1 MiB cap
// Every other record short: it fits its queue slot, while the long ones take the spill path.
const std::string kShortHammerPayload(10, 's');

const std::string& hammer_payload(int seq) { return seq % 2 == 0 ? kHammerPayload : kShortHammerPayload; }

TrackerOptions hammer_options() {
  TrackerOptions options;
  options.flush_interval = milliseconds(2);
  return options;
}

void hammer(Tracker& tracker, int process) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kHammerThreads; ++t) {
    threads.emplace_back([&tracker, process, t] {
      for (int i = 0; i < kHammerRecords; ++i) {
        tracker.record("concurrent", i * 0.001, i % 7 != 0,
                       {{"process", process}, {"thread", t}, {"seq", i}, {"payload", hammer_payload(i)}});
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

// The second process of the test below, which runs this binary again with only this test.
// (Not a bare fork: a forked child of a multi-threaded process may call only async-signal-safe
// functions, and under ASan its first malloc waited forever on an allocator lock that one of
// the parent's threads held at the fork.)
TEST(Tracker, DISABLED_SecondProcessOfTheTornLineTest) {
  const char* path = getenv(kHammerFileVariable);
  if (path == nullptr) GTEST_SKIP() << kHammerFileVariable << " is not set";
  Tracker own(path, hammer_options());
  own.record("ready", 1, true, {{"process", 1}, {"thread", -1}, {"seq", 0}, {"payload", kHammerPayload}});
  own.flush();
  hammer(own, 1);
  own.flush();
  EXPECT_EQ(own.dropped(), 0u);
  EXPECT_EQ(own.write_errors(), 0u);
}

// 8 threads in each of two processes append long lines to one file at the same time: every line
// parses and none is lost or doubled.
TEST(Tracker, ManyThreadsAndTwoProcessesNeverTearALine) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  Tracker parent(path, hammer_options());
  parent.record("warm", 1, true, {{"process", 0}, {"thread", -1}, {"seq", 0}, {"payload", kHammerPayload}});
  parent.flush();

  std::string self(4096, '\0');
  const ssize_t self_length = readlink("/proc/self/exe", self.data(), self.size());
  ASSERT_GT(self_length, 0);
  self.resize(static_cast<std::size_t>(self_length));
  std::string filter = "--gtest_filter=Tracker.DISABLED_SecondProcessOfTheTornLineTest";
  std::string also_disabled = "--gtest_also_run_disabled_tests";
  std::vector<char*> argv{self.data(), filter.data(), also_disabled.data(), nullptr};
  std::string variable = std::string(kHammerFileVariable) + "=" + path;
  std::vector<char*> envp;
  for (char** entry = environ; *entry != nullptr; ++entry) envp.push_back(*entry);
  envp.push_back(variable.data());
  envp.push_back(nullptr);
  pid_t child = -1;
  ASSERT_EQ(posix_spawn(&child, self.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);
  // Both hammer at once: the parent starts when the child's tracker has written its first line.
  const bool child_ready = wait_for_lines(path, 2, milliseconds(30000));
  hammer(parent, 0);
  parent.flush();
  EXPECT_TRUE(child_ready);
  EXPECT_EQ(wait_child(child, milliseconds(60000)), 0);
  EXPECT_EQ(parent.dropped(), 0u);
  EXPECT_EQ(parent.write_errors(), 0u);

  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n');
  std::vector<std::vector<int>> seen(2 * kHammerThreads, std::vector<int>(kHammerRecords, 0));
  std::string sessions[2];
  std::size_t lines = 0;
  std::size_t start = 0;
  for (std::size_t end; (end = content.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = content.substr(start, end - start);
    ++lines;
    json record;
    ASSERT_NO_THROW(record = json::parse(line)) << "line " << lines << ": " << line.substr(0, 200);
    const int process = record.at("context").at("process");
    const int thread = record.at("context").at("thread");
    const int seq = record.at("context").at("seq");
    EXPECT_EQ(record.at("context").at("payload"), thread >= 0 ? hammer_payload(seq) : kHammerPayload);
    std::string& session = sessions[process];
    if (session.empty()) session = record.at("session_id");
    EXPECT_EQ(record.at("session_id"), session);
    if (thread >= 0) ++seen[static_cast<std::size_t>(process * kHammerThreads + thread)][static_cast<std::size_t>(seq)];
  }
  EXPECT_EQ(lines, std::size_t{2 * kHammerThreads * kHammerRecords + 2});
  EXPECT_NE(sessions[0], sessions[1]);
  for (const auto& per_thread : seen) {
    for (int count : per_thread) ASSERT_EQ(count, 1);
  }
}

// A forked child inherits the Tracker object but not its writer thread: using it there drops,
// flushing returns, and destroying it neither hangs nor disturbs the parent's writer.
TEST(Tracker, ForkedChildNeverHangsOnTheInheritedTracker) {
  TempDir dir;
  const std::string path = dir.file("perf.jsonl");
  auto tracker = std::make_unique<Tracker>(path);
  tracker->record("before", 1, true);
  tracker->flush();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    tracker->record("in_child", 1, true);
    tracker->flush();
    const bool counted = tracker->dropped() == 1;
    tracker.reset();
    _exit(counted ? 0 : 3);
  }
  EXPECT_EQ(wait_child(child), 0);
  const pid_t quiet_child = fork();  // one that never touches it
  ASSERT_GE(quiet_child, 0);
  if (quiet_child == 0) _exit(0);
  EXPECT_EQ(wait_child(quiet_child), 0);
  tracker->record("after", 1, true);
  tracker.reset();
  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("operation_type"), "before");
  EXPECT_EQ(records[1].at("operation_type"), "after");
}

}  // namespace
}  // namespace perfgate
