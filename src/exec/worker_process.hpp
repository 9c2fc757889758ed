// The worker processes of `perfgate exec`: started with their stdin and stdout on non-blocking
// pipes to perfgate and their stderr in a file, all in one process group (the run's), and stopped
// TERM then KILL on every path out. Line framing of what they print is here too (LineReader),
// so the engine sees whole lines however the bytes arrived.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_descriptor.hpp"
#include "core/units.hpp"

namespace perfgate::exec {

// Splits a byte stream into lines: any number per read, a line cut across reads kept until its
// end arrives. A trailing '\r' is dropped (CRLF workers). Lines longer than the buffer are an
// error the caller reports.
class LineReader {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;
  LineReader() : buffer_(kMaxLine) {}

  // Where the next read() may write, and how much.
  char* space() noexcept { return buffer_.data() + used_; }
  std::size_t space_left() const noexcept { return buffer_.size() - used_; }
  void added(std::size_t n) noexcept { used_ += n; }
  bool full() const noexcept { return used_ == buffer_.size(); }

  // Calls on_line(std::string_view) for each complete line, then keeps the rest for later.
  // on_line returns false to stop early (what is left stays unread).
  template <typename OnLine>
  bool for_each_line(OnLine&& on_line) {
    std::size_t start = 0;
    bool go_on = true;
    while (go_on) {
      const void* found = std::memchr(buffer_.data() + start, '\n', used_ - start);
      if (found == nullptr) break;
      std::size_t end = static_cast<std::size_t>(static_cast<const char*>(found) - buffer_.data());
      std::size_t length = end - start;
      if (length > 0 && buffer_[end - 1] == '\r') --length;
      go_on = on_line(std::string_view(buffer_.data() + start, length));
      start = end + 1;
    }
    if (start > 0) {
      std::memmove(buffer_.data(), buffer_.data() + start, used_ - start);
      used_ -= start;
    }
    return go_on;
  }
  std::string_view pending() const noexcept { return {buffer_.data(), used_}; }

 private:
  std::vector<char> buffer_;
  std::size_t used_ = 0;
};

// One started worker. Not copyable; WorkerGroup owns them.
struct WorkerProcess {
  pid_t pid = -1;
  FileDescriptor to_worker;    // its stdin (non-blocking)
  FileDescriptor from_worker;  // its stdout (non-blocking)
  std::string stderr_path;
  bool reaped = false;
  int wait_status = 0;
};

// W workers of one run, started together, stopped together (destructor included).
class WorkerGroup {
 public:
  WorkerGroup() = default;
  ~WorkerGroup();
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  // Starts `count` copies of argv, stderr to STDERR_DIRECTORY/worker-N.stderr (N from 1). Throws
  // RunError naming the program when one cannot be started.
  void start(const std::vector<std::string>& argv, int count, const std::string& stderr_directory);
  // Closes their stdin (200 ms to exit on that), then SIGTERM to the group, SIGKILL after
  // `grace`; reaps them all.
  // Idempotent.
  void stop(Nanos grace = std::chrono::seconds(2)) noexcept;

  std::size_t size() const noexcept { return workers_.size(); }
  WorkerProcess& operator[](std::size_t i) noexcept { return workers_[i]; }
  pid_t process_group() const noexcept { return group_; }

  // Waits up to `patience` for worker i to exit and says how it ended: "exited with status 1",
  // "was killed by signal 9"; nullopt while it lives on.
  std::optional<std::string> exit_of(std::size_t i, Nanos patience);
  // "worker 2 of 4 (pid 1234)"
  std::string describe(std::size_t i) const;
  // The last lines of worker i's stderr (at most ~2 KiB), each indented, or "" when empty.
  std::string stderr_tail(std::size_t i) const;

 private:
  std::deque<WorkerProcess> workers_;  // deque: a WorkerProcess cannot move (it owns descriptors)
  pid_t group_ = -1;
  bool stopped_ = false;
};

// The program of argv[0], resolved like execvp does (a name without '/' is searched in PATH).
// nullopt with `problem` ("not found in PATH", "is not executable", "is a directory").
std::optional<std::string> find_executable(const std::string& program, std::string* problem);

}  // namespace perfgate::exec
