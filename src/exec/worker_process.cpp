// Starting, watching and stopping the workers of `perfgate exec`; see worker_process.hpp.
#include "exec/worker_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"

extern char** environ;

namespace perfgate::exec {
namespace {

constexpr std::size_t kStderrTailBytes = 2048;
// How long workers have to exit on the end of their input before SIGTERM.
constexpr Nanos kExitOnEndOfInput = std::chrono::milliseconds(200);

bool executable_file(const std::string& path, std::string* problem) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *problem = fmt::format("'{}': {}", path, std::strerror(errno));
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *problem = fmt::format("'{}' is a directory", path);
    return false;
  }
  // root passes access(X_OK) for any file with one x bit; nobody runs a file with none.
  if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0 || ::access(path.c_str(), X_OK) != 0) {
    *problem = fmt::format("'{}' is not executable", path);
    return false;
  }
  return true;
}

// The pid's exit, if it has one now.
bool reap(WorkerProcess& w, bool block) {
  if (w.reaped || w.pid <= 0) return true;
  int status = 0;
  pid_t got = 0;
  do {
    got = ::waitpid(w.pid, &status, block ? 0 : WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got == w.pid || (got < 0 && errno == ECHILD)) {
    w.reaped = true;
    w.wait_status = got == w.pid ? status : 0;
  }
  return w.reaped;
}

}  // namespace

std::optional<std::string> find_executable(const std::string& program, std::string* problem) {
  if (program.empty()) {
    *problem = "the worker command is empty";
    return std::nullopt;
  }
  if (program.find('/') != std::string::npos) {
    if (!executable_file(program, problem)) return std::nullopt;
    return program;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(start, colon - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = colon + 1;
  }
  *problem = fmt::format("'{}' was not found in PATH", program);
  return std::nullopt;
}

WorkerGroup::~WorkerGroup() { stop(); }

void WorkerGroup::start(const std::vector<std::string>& argv, int count, const std::string& stderr_directory) {
  std::string problem;
  auto program = find_executable(argv.at(0), &problem);
  if (!program) throw RunError("cannot start the worker: " + problem);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (int i = 0; i < count; ++i) {
    WorkerProcess& w = workers_.emplace_back();
    w.stderr_path = fmt::format("{}/worker-{}.stderr", stderr_directory, i + 1);
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0) throw RunError(fmt::format("cannot make a pipe: {}", std::strerror(errno)));
    FileDescriptor child_stdin(to_child[0]);
    w.to_worker.reset(to_child[1]);
    if (::pipe2(from_child, O_CLOEXEC) != 0) throw RunError(fmt::format("cannot make a pipe: {}", std::strerror(errno)));
    w.from_worker.reset(from_child[0]);
    FileDescriptor child_stdout(from_child[1]);
    // Bigger pipes let a fast worker and perfgate exchange more lines per wake-up.
    ::fcntl(w.to_worker.get(), F_SETPIPE_SZ, 1 << 20);
    ::fcntl(w.from_worker.get(), F_SETPIPE_SZ, 1 << 20);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_stdin.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, child_stdout.get(), STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, w.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // All in one group (the first worker's), apart from perfgate's: the terminal's Ctrl-C reaches
    // perfgate alone, which then stops the group in order.
    posix_spawnattr_setpgroup(&attributes, group_ > 0 ? group_ : 0);
    sigset_t no_signals;
    sigset_t defaults;
    sigemptyset(&no_signals);
    sigfillset(&defaults);
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int error = ::posix_spawn(&pid, program->c_str(), &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
      workers_.pop_back();
      throw RunError(fmt::format("cannot start the worker '{}': {}", argv[0], std::strerror(error)));
    }
    w.pid = pid;
    if (group_ <= 0) group_ = pid;
    ::fcntl(w.to_worker.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(w.from_worker.get(), F_SETFL, O_NONBLOCK);
  }
}

void WorkerGroup::stop(Nanos grace) noexcept {
  if (workers_.empty() || stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) w.to_worker.reset();  // end of input: a polite worker exits on its own
  auto reap_all_within = [this](Nanos patience) {
    std::int64_t deadline = monotonic_ns() + patience.count();
    while (true) {
      bool all = true;
      for (auto& w : workers_) all = reap(w, false) && all;
      if (all || monotonic_ns() >= deadline) return all;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  bool all_reaped = reap_all_within(kExitOnEndOfInput);
  if (!all_reaped && group_ > 0) ::kill(-group_, SIGTERM);
  if (!all_reaped) all_reaped = reap_all_within(grace);
  if (!all_reaped) {
    if (group_ > 0) ::kill(-group_, SIGKILL);
    for (auto& w : workers_) {
      if (!w.reaped) ::kill(w.pid, SIGKILL);  // one that left the group
      reap(w, true);
    }
  }
  for (auto& w : workers_) w.from_worker.reset();
  // The pids and stderr paths stay, for messages.
}

std::optional<std::string> WorkerGroup::exit_of(std::size_t i, Nanos patience) {
  WorkerProcess& w = workers_[i];
  std::int64_t deadline = monotonic_ns() + patience.count();
  while (!reap(w, false) && monotonic_ns() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (!w.reaped) return std::nullopt;
  if (WIFEXITED(w.wait_status)) return fmt::format("exited with status {}", WEXITSTATUS(w.wait_status));
  if (WIFSIGNALED(w.wait_status)) return fmt::format("was killed by signal {}", WTERMSIG(w.wait_status));
  return "ended";
}

std::string WorkerGroup::describe(std::size_t i) const {
  return fmt::format("worker {} of {} (pid {})", i + 1, workers_.size(), workers_[i].pid);
}

std::string WorkerGroup::stderr_tail(std::size_t i) const {
  std::ifstream in(workers_[i].stderr_path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
  std::size_t from = size > kStderrTailBytes ? size - kStderrTailBytes : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string text(size - from, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (from > 0) {
    auto newline = text.find('\n');
    text = newline == std::string::npos ? text : text.substr(newline + 1);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return "";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "    " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace perfgate::exec
