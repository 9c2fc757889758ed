// A command started held before its exec; see target_process.hpp.
#include "profile/target_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::profile {

TargetProcess::TargetProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw RunError("no command to profile");
  program_ = argv[0];
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The name the held child carries until its exec: the program's, as the exec will set it. perf
  // names every sample by the thread's name, and where it misses the exec's name change (seen on
  // a CI machine) the samples would otherwise be filed under "perfgate".
  const std::string base_name = program_.substr(program_.find_last_of('/') + 1).substr(0, 15);
  int gate[2];
  int error[2];
  if (pipe2(gate, O_CLOEXEC) != 0) throw RunError(fmt::format("cannot start '{}': {}", program_, std::strerror(errno)));
  if (pipe2(error, O_CLOEXEC) != 0) {
    close(gate[0]);
    close(gate[1]);
    throw RunError(fmt::format("cannot start '{}': {}", program_, std::strerror(errno)));
  }
  pid_ = fork();
  if (pid_ == 0) {
    close(gate[1]);
    close(error[0]);
    prctl(PR_SET_NAME, base_name.c_str(), 0, 0, 0);
    char go = 0;
    while (read(gate[0], &go, 1) < 0 && errno == EINTR) {
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(args[0], args.data());
    int code = errno;
    [[maybe_unused]] ssize_t written = write(error[1], &code, sizeof code);
    _exit(127);
  }
  const int fork_errno = errno;
  close(gate[0]);
  close(error[1]);
  gate_fd_ = gate[1];
  error_fd_ = error[0];
  if (pid_ < 0) {
    close(gate_fd_);
    close(error_fd_);
    throw RunError(fmt::format("cannot start '{}': {}", program_, std::strerror(fork_errno)));
  }
}

TargetProcess::~TargetProcess() {
  stop();
  if (gate_fd_ >= 0) close(gate_fd_);
  if (error_fd_ >= 0) close(error_fd_);
}

void TargetProcess::release() {
  if (gate_fd_ < 0) return;
  char go = 1;
  [[maybe_unused]] ssize_t written = write(gate_fd_, &go, 1);
  close(gate_fd_);
  gate_fd_ = -1;
  int code = 0;
  ssize_t n = 0;
  do {
    n = read(error_fd_, &code, sizeof code);
  } while (n < 0 && errno == EINTR);
  close(error_fd_);
  error_fd_ = -1;
  if (n == static_cast<ssize_t>(sizeof code)) {
    stop();
    throw RunError(fmt::format("cannot run '{}': {}", program_, std::strerror(code)));
  }
}

bool TargetProcess::exited() {
  if (reaped_ || pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

void TargetProcess::stop(std::chrono::milliseconds grace) noexcept {
  if (exited()) return;
  if (gate_fd_ >= 0) {  // never released: it has not run anything of its own
    kill(pid_, SIGKILL);
  } else {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!exited() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped_) kill(pid_, SIGKILL);
  }
  int status = 0;
  while (!reaped_ && waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (!reaped_) {
    reaped_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

}  // namespace perfgate::profile
