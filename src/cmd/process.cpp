// The real Executor: posix_spawnp + wait4. Wall time is CLOCK_MONOTONIC from just before the
// spawn to wait4's return; CPU times and peak RSS come from wait4's rusage, so they cover the
// child and every descendant it waited for (a `sh -c` wrapper's work included).
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
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
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

// One run at a time: the argv array, the resolved programs and the drain buffer are reused
// between runs.
class ProcessExecutor final : public Executor {
 public:
  explicit ProcessExecutor(std::optional<std::vector<std::string>> environment)
      : dev_null_(::open("/dev/null", O_RDWR | O_CLOEXEC)), environment_(std::move(environment)) {
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
  ~ProcessExecutor() override { posix_spawnattr_destroy(&attributes_); }

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

    // dup2 clears close-on-exec on the target, so only descriptors 0-2 reach the program.
    SpawnFileActions actions;
    const int stdin_fd = input_file.valid() ? input_file.get() : dev_null_.get();
    posix_spawn_file_actions_adddup2(actions.get(), stdin_fd, STDIN_FILENO);
    if (spec.output.kind != OutputMode::Kind::kInherit) {
      posix_spawn_file_actions_adddup2(actions.get(), stdout_fd, STDOUT_FILENO);
      posix_spawn_file_actions_adddup2(actions.get(), stderr_fd, STDERR_FILENO);
    }

    // posix_spawn takes char* const*; the strings are not modified.
    arguments_.clear();
    for (const std::string& argument : spec.argv) arguments_.push_back(const_cast<char*>(argument.c_str()));
    arguments_.push_back(nullptr);

    const std::string* program_path = resolve_in_path(spec.argv[0]);

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
    if (WIFSIGNALED(status)) {
      measurement.signal = WTERMSIG(status);
      measurement.exit_code = 128 + measurement.signal;
    } else {
      measurement.exit_code = WEXITSTATUS(status);
    }
    measurement.wall_ns = end_ns - start_ns;
    measurement.user_ns = timeval_ns(usage.ru_utime);
    measurement.system_ns = timeval_ns(usage.ru_stime);
    measurement.max_rss_bytes = std::int64_t{usage.ru_maxrss} * 1024;  // Linux reports KiB
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

std::unique_ptr<Executor> make_process_executor(std::optional<std::vector<std::string>> environment) {
  return std::make_unique<ProcessExecutor>(std::move(environment));
}

}  // namespace perfgate::cmd
