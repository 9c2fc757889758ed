// The real Executor: posix_spawnp + wait4. Wall time is CLOCK_MONOTONIC from just before the
// spawn to wait4's return; CPU times and peak RSS come from wait4's rusage, so they cover the
// child and every descendant it waited for (a `sh -c` wrapper's work included).
//
// The command is started by perfgate-exec, which does the spawn, the wait4 and the timing and
// reports them on a socket: a process spawned by perfgate itself would inherit perfgate's
// memory high-water mark as its peak RSS. One helper serves all the runs of an executor.
// Without it the command is spawned directly and its measurement says that its RSS is not
// its own.
//
// Where output goes follows hyperfine's --output:
//   kNull    stdout and stderr to /dev/null;
//   kPipe    stdout to a pipe the parent drains and discards (stderr to /dev/null), for
//            programs that behave differently when writing to /dev/null;
//   kInherit both inherited from perfgate;
//   kFile    stdout to the file, truncated before every run so it holds the last run's output
//            (hyperfine re-creates the file per run), stderr to /dev/null.
#include "cmd/process.hpp"
#include "core/file_descriptor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <unordered_map>

extern char** environ;

namespace perfgate::cmd {
namespace {

std::int64_t monotonic_now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

std::int64_t timeval_ns(const timeval& tv) {
  return std::int64_t{tv.tv_sec} * 1'000'000'000 + std::int64_t{tv.tv_usec} * 1'000;
}

std::string errno_text(int error_number) { return std::generic_category().message(error_number); }

// posix_spawn's file actions must be destroyed whatever happens.
class SpawnFileActions {
 public:
  SpawnFileActions() { posix_spawn_file_actions_init(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

ProcessMeasurement not_started(std::string why) {
  ProcessMeasurement measurement;
  measurement.start_error = std::move(why);
  return measurement;
}

constexpr int kHelperSocketFd = 3;  // perfgate-exec's end of its socket

void set_exit_status(ProcessMeasurement& measurement, int status) {
  if (WIFSIGNALED(status)) {
    measurement.signal = WTERMSIG(status);
    measurement.exit_code = 128 + measurement.signal;
  } else {
    measurement.exit_code = WEXITSTATUS(status);
  }
}

// perfgate-exec's one line: "started STATUS WALL_NS USER_NS SYSTEM_NS MAX_RSS_KIB" or
// "failed ERRNO".
ProcessMeasurement parse_helper_report(const std::string& line) {
  int status = 0;
  long long wall_ns = 0, user_ns = 0, system_ns = 0, max_rss_kib = 0;
  if (std::sscanf(line.c_str(), "started %d %lld %lld %lld %lld", &status, &wall_ns, &user_ns, &system_ns,
                  &max_rss_kib) == 5) {
    ProcessMeasurement measurement;
    measurement.started = true;
    set_exit_status(measurement, status);
    measurement.wall_ns = wall_ns;
    measurement.user_ns = user_ns;
    measurement.system_ns = system_ns;
    measurement.max_rss_bytes = max_rss_kib * 1024;
    return measurement;
  }
  int error_number = 0;
  if (std::sscanf(line.c_str(), "failed %d", &error_number) == 1) return not_started(errno_text(error_number));
  return not_started("perfgate-exec ended without reporting the command's measurement");
}

// One run at a time: the argv array, the resolved programs and the drain buffer are reused
// between runs.
class ProcessExecutor final : public Executor {
 public:
  ProcessExecutor(std::optional<std::string> exec_helper, std::optional<std::vector<std::string>> environment)
      : exec_helper_(std::move(exec_helper)),
        dev_null_(::open("/dev/null", O_RDWR | O_CLOEXEC)),
        environment_(std::move(environment)) {
    if (environment_) {
      for (std::string& entry : *environment_) environment_pointers_.push_back(entry.data());
      environment_pointers_.push_back(nullptr);
    }
    dev_null_error_ = dev_null_.valid() ? 0 : errno;
    // The parent may block signals or handle SIGINT/SIGTERM (handlers reset on exec anyway,
    // but an ignored signal would stay ignored): the child starts as if from a plain shell.
    // SIGPIPE too, since a network tool may ignore it and `yes | head` must still end.
    // SIGHUP is left alone so that `nohup perfgate cmd ...` keeps its meaning.
    posix_spawnattr_init(&attributes_);
    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    sigset_t reset_to_default;
    sigemptyset(&reset_to_default);
    for (int signal_number : {SIGINT, SIGTERM, SIGQUIT, SIGPIPE}) sigaddset(&reset_to_default, signal_number);
    posix_spawnattr_setsigmask(&attributes_, &empty_mask);
    posix_spawnattr_setsigdefault(&attributes_, &reset_to_default);
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ProcessExecutor(const ProcessExecutor&) = delete;
  ProcessExecutor& operator=(const ProcessExecutor&) = delete;
  ~ProcessExecutor() override {
    stop_helper();
    posix_spawnattr_destroy(&attributes_);
  }

  ProcessMeasurement run(const ProcessSpec& spec) override {
    if (spec.argv.empty()) return not_started("empty command");
    if (!dev_null_.valid()) return not_started("cannot open /dev/null: " + errno_text(dev_null_error_));

    // Files are opened here rather than by the child so that a bad path is reported as such,
    // and so that opening them is not part of the measured time.
    FileDescriptor input_file;
    if (spec.input.path) {
      input_file.reset(::open(spec.input.path->c_str(), O_RDONLY | O_CLOEXEC));
      if (!input_file.valid()) {
        return not_started("cannot open input file " + *spec.input.path + ": " + errno_text(errno));
      }
    }
    FileDescriptor output_file;
    FileDescriptor pipe_read_end;
    FileDescriptor pipe_write_end;
    int stdout_fd = dev_null_.get();
    // Only stdout is redirected to the pipe or file; stderr is discarded unless inherited.
    const int stderr_fd = dev_null_.get();
    switch (spec.output.kind) {
      case OutputMode::Kind::kNull:
      case OutputMode::Kind::kInherit:
        break;
      case OutputMode::Kind::kFile:
        output_file.reset(::open(spec.output.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
        if (!output_file.valid()) {
          return not_started("cannot open output file " + spec.output.path + ": " + errno_text(errno));
        }
        stdout_fd = output_file.get();
        break;
      case OutputMode::Kind::kPipe: {
        // O_CLOEXEC so that children spawned meanwhile by other threads never hold the write
        // end open, which would keep the drain loop below from seeing EOF.
        int ends[2];
        if (::pipe2(ends, O_CLOEXEC) != 0) return not_started("cannot create a pipe: " + errno_text(errno));
        pipe_read_end.reset(ends[0]);
        pipe_write_end.reset(ends[1]);
        stdout_fd = pipe_write_end.get();
        break;
      }
    }

    const int stdin_fd = input_file.valid() ? input_file.get() : dev_null_.get();
    const bool inherit = spec.output.kind == OutputMode::Kind::kInherit;
    const std::string* program_path = resolve_in_path(spec.argv[0]);
    if (helper_running()) {
      const int stdio[] = {stdin_fd, inherit ? STDOUT_FILENO : stdout_fd, inherit ? STDERR_FILENO : stderr_fd};
      if (send_to_helper(program_path != nullptr ? *program_path : spec.argv[0], spec.argv, stdio)) {
        // Only the command may hold the pipe's write end, or EOF never comes.
        pipe_write_end.reset();
        if (pipe_read_end.valid()) drain(pipe_read_end.get());
        return helper_answer();
      }
      // A command line too long for one message, or a helper that died: spawned directly.
    }

    // dup2 clears close-on-exec on the target, so only descriptors 0-2 reach the program.
    SpawnFileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), stdin_fd, STDIN_FILENO);
    if (!inherit) {
      posix_spawn_file_actions_adddup2(actions.get(), stdout_fd, STDOUT_FILENO);
      posix_spawn_file_actions_adddup2(actions.get(), stderr_fd, STDERR_FILENO);
    }

    // posix_spawn takes char* const*; the strings are not modified.
    arguments_.clear();
    for (const std::string& argument : spec.argv) arguments_.push_back(const_cast<char*>(argument.c_str()));
    arguments_.push_back(nullptr);

    const std::int64_t start_ns = monotonic_now_ns();
    pid_t pid = 0;
    // glibc's posix_spawn reports exec failures (ENOENT, EACCES, ENOEXEC...) as its result.
    char** const envp = environment_ ? environment_pointers_.data() : environ;
    const int spawn_error =
        program_path != nullptr
            ? posix_spawn(&pid, program_path->c_str(), actions.get(), &attributes_, arguments_.data(), envp)
            : posix_spawnp(&pid, arguments_[0], actions.get(), &attributes_, arguments_.data(), envp);
    if (spawn_error != 0) return not_started(errno_text(spawn_error));

    if (pipe_read_end.valid()) {
      // Only the child may hold the write end, or EOF never comes.
      pipe_write_end.reset();
      drain(pipe_read_end.get());
    }

    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0) {
      // EINTR: a signal handler of ours ran (e.g. SIGINT); the child gets the signal too.
      if (errno != EINTR) return not_started("wait4 failed: " + errno_text(errno));
    }
    const std::int64_t end_ns = monotonic_now_ns();

    ProcessMeasurement measurement;
    measurement.started = true;
    set_exit_status(measurement, status);
    measurement.wall_ns = end_ns - start_ns;
    measurement.user_ns = timeval_ns(usage.ru_utime);
    measurement.system_ns = timeval_ns(usage.ru_stime);
    measurement.max_rss_bytes = std::int64_t{usage.ru_maxrss} * 1024;  // Linux reports KiB
    measurement.rss_is_own = false;  // inherited perfgate's high-water mark
    return measurement;
  }

 private:
  // The executable that execvp would pick for `name`, found once and remembered: searching
  // PATH with failed execve calls in every run costs ~15 us, 3% of running `true`.
  // nullptr (let posix_spawnp search and report the error) when nothing executable is found.
  const std::string* resolve_in_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return &name;
    if (const auto known = resolved_programs_.find(name); known != resolved_programs_.end()) return &known->second;
    const char* path_variable = std::getenv("PATH");
    const std::string search_path = path_variable != nullptr ? path_variable : "/bin:/usr/bin";
    std::size_t start = 0;
    for (;;) {
      const std::size_t colon = search_path.find(':', start);
      std::string directory = search_path.substr(start, colon == std::string::npos ? colon : colon - start);
      if (directory.empty()) directory = ".";  // an empty PATH entry means the current directory
      std::string candidate = directory + "/" + name;
      struct stat info {};
      if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
        return &resolved_programs_.emplace(name, std::move(candidate)).first->second;
      }
      if (colon == std::string::npos) return nullptr;
      start = colon + 1;
    }
  }

  // perfgate-exec --serve, started at the first run and kept for the executor's life (one
  // exec per run saved); false when there is none or it cannot be started.
  bool helper_running() {
    if (helper_socket_.valid()) return true;
    if (!exec_helper_ || helper_unavailable_) return false;
    helper_unavailable_ = true;  // until it has started
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) return false;
    helper_socket_.reset(ends[0]);
    FileDescriptor theirs(ends[1]);
    // A dup2 onto itself would keep close-on-exec: theirs must not already be fd 3.
    if (theirs.get() == kHelperSocketFd) theirs.reset(::fcntl(ends[1], F_DUPFD_CLOEXEC, kHelperSocketFd + 1));
    if (!theirs.valid()) {
      helper_socket_.reset();
      return false;
    }
    SpawnFileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), dev_null_.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), dev_null_.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), theirs.get(), kHelperSocketFd);
    char serve[] = "--serve";
    char* helper_argv[] = {const_cast<char*>(exec_helper_->c_str()), serve, nullptr};
    // The helper passes its own environment on to every command it starts.
    char** const envp = environment_ ? environment_pointers_.data() : environ;
    if (posix_spawn(&helper_pid_, exec_helper_->c_str(), actions.get(), &attributes_, helper_argv, envp) != 0) {
      helper_socket_.reset();
      return false;
    }
    helper_unavailable_ = false;
    return true;
  }

  // Ends the helper (it exits when its socket closes) and reaps it.
  void stop_helper() {
    helper_socket_.reset();
    if (helper_pid_ <= 0) return;
    while (::waitpid(helper_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    helper_pid_ = -1;
  }

  // PROGRAM\0ARGV0\0...\0 with the command's stdin, stdout and stderr attached.
  bool send_to_helper(const std::string& program, const std::vector<std::string>& argv, const int (&stdio)[3]) {
    request_.assign(program.begin(), program.end());
    request_.push_back('\0');
    for (const std::string& argument : argv) {
      request_.insert(request_.end(), argument.begin(), argument.end());
      request_.push_back('\0');
    }
    iovec data{request_.data(), request_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof stdio)] = {};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof stdio);
    std::memcpy(CMSG_DATA(header), stdio, sizeof stdio);
    for (;;) {
      if (::sendmsg(helper_socket_.get(), &message, MSG_NOSIGNAL) >= 0) return true;
      if (errno == EINTR) continue;
      if (errno != EMSGSIZE) stop_helper();  // it died: start another at the next run
      return false;
    }
  }

  ProcessMeasurement helper_answer() {
    char line[160];
    for (;;) {
      const ssize_t got = ::recv(helper_socket_.get(), line, sizeof line - 1, 0);
      if (got < 0 && errno == EINTR) continue;  // a signal of ours; the command got it too
      if (got <= 0) {
        stop_helper();
        return not_started("perfgate-exec ended without reporting the command's measurement");
      }
      line[got] = '\0';
      return parse_helper_report(line);
    }
  }

  // Reads until EOF so the child never blocks on a full pipe. A background grandchild that
  // keeps stdout open delays EOF until it exits, as with hyperfine's --output=pipe.
  void drain(int fd) {
    for (;;) {
      const ssize_t got = ::read(fd, drain_buffer_.data(), drain_buffer_.size());
      if (got > 0) continue;
      if (got < 0 && errno == EINTR) continue;
      return;
    }
  }

  std::optional<std::string> exec_helper_;
  bool helper_unavailable_ = false;
  pid_t helper_pid_ = -1;
  FileDescriptor helper_socket_;
  std::vector<char> request_;  // reused across runs
  FileDescriptor dev_null_;
  int dev_null_error_ = 0;
  std::optional<std::vector<std::string>> environment_;
  std::vector<char*> environment_pointers_;
  posix_spawnattr_t attributes_{};
  std::vector<char*> arguments_;  // reused across runs: no allocation once it has grown
  std::unordered_map<std::string, std::string> resolved_programs_;
  std::array<char, 64 * 1024> drain_buffer_{};
};

}  // namespace

std::optional<std::string> find_exec_helper() {
  std::vector<std::string> candidates;
  char self[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (length > 0) {
    std::string directory(self, static_cast<std::size_t>(length));
    directory.erase(directory.rfind('/') + 1);
    candidates.push_back(directory + "perfgate-exec");
  }
#ifdef PERFGATE_EXEC_HELPER_IN_BUILD
  candidates.emplace_back(PERFGATE_EXEC_HELPER_IN_BUILD);  // the tests run from the build tree
#endif
  for (const std::string& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::unique_ptr<Executor> make_process_executor(std::optional<std::vector<std::string>> environment) {
  return make_process_executor_through(find_exec_helper(), std::move(environment));
}

std::unique_ptr<Executor> make_process_executor_through(std::optional<std::string> exec_helper,
                                                        std::optional<std::vector<std::string>> environment) {
  return std::make_unique<ProcessExecutor>(std::move(exec_helper), std::move(environment));
}

}  // namespace perfgate::cmd
