// The process-tree source on real processes: children found, the CPU of children that came and
// went kept, descriptors counted, a vanished root reported as gone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "monitor/resource_source.hpp"

namespace perfgate::monitor {
namespace {

void burn_cpu_ms(long ms) {
  timespec start{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
  for (;;) {
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    const long used_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1'000'000;
    if (used_ms >= ms) {
      return;
    }
  }
}

// A child that waits for a byte on `go`, starts `children` grandchildren one after the other,
// each burning `burn_ms` of CPU and exiting, writes a byte on `done`, then sleeps until killed.
pid_t start_tree(int go, int done, int children, long burn_ms) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    char byte = 0;
    if (::read(go, &byte, 1) != 1) {
      ::_exit(1);
    }
    for (int i = 0; i < children; ++i) {
      const pid_t kid = ::fork();
      if (kid == 0) {
        burn_cpu_ms(burn_ms);
        ::_exit(0);
      }
      int status = 0;
      ::waitpid(kid, &status, 0);
    }
    if (::write(done, "x", 1) != 1) {
      ::_exit(1);
    }
    for (;;) {
      ::pause();
    }
  }
  return pid;
}

void stop(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST(ProcessTreeSource, MissingPidNamesIt) {
  try {
    process_tree_source(999'999'999);
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("999999999"), std::string::npos);
  }
}

TEST(ProcessTreeSource, KeepsTheCpuOfChildrenThatCameAndWent) {
  int go[2];
  int done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t root = start_tree(go[0], done[1], 4, 150);
  auto source = process_tree_source(root);
  const auto began = std::chrono::steady_clock::now();
  double cpu_seconds = 0;
  auto last = began;
  auto take = [&] {
    auto s = source->sample();
    const auto now = std::chrono::steady_clock::now();
    EXPECT_TRUE(s);
    if (s) {
      cpu_seconds += s->cpu_pct / 100 * std::chrono::duration<double>(now - last).count();
    }
    last = now;
  };
  ASSERT_EQ(::write(go[1], "x", 1), 1);
  char byte = 0;
  // Sample while the children come and go, at a pace that misses most of them.
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    take();
    timeval zero{};
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(done[0], &readable);
    if (::select(done[0] + 1, &readable, nullptr, nullptr, &zero) > 0) {
      break;
    }
  }
  ASSERT_EQ(::read(done[0], &byte, 1), 1);
  take();
  stop(root);
  // 4 x 150 ms of CPU; clock ticks are 10 ms, and the samples' own timing is not exact.
  EXPECT_NEAR(cpu_seconds, 0.600, 0.06);
  for (int fd : {go[0], go[1], done[0], done[1]}) {
    ::close(fd);
  }
}

TEST(ProcessTreeSource, CountsFdsThreadsAndMemoryOfTheTree) {
  int go[2];
  int done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t root = start_tree(go[0], done[1], 0, 0);
  auto source = process_tree_source(root);
  auto s = source->sample();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->processes, 1u);
  EXPECT_EQ(s->threads, 1u);
  EXPECT_GE(s->fds, 4u);  // stdio and the pipe ends it inherited
  EXPECT_GT(s->rss_bytes, 100'000u);
  stop(root);
  EXPECT_FALSE(source->sample());  // the target is gone
  for (int fd : {go[0], go[1], done[0], done[1]}) {
    ::close(fd);
  }
}

}  // namespace
}  // namespace perfgate::monitor
