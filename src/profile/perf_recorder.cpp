// perf record and perf script, driven by pid; see perf_recorder.hpp.
#include "profile/perf_recorder.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "profile/perf_script.hpp"

namespace perfgate::profile {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last few lines of what perf printed, for a message.
std::string tail_lines(const std::string& text, std::size_t lines) {
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' ')) --end;
  std::size_t start = end;
  for (std::size_t seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(start, end - start);
}

bool may_profile_anything() {
  if (geteuid() == 0) return true;
  // CAP_PERFMON (38) or CAP_SYS_ADMIN (21) in the effective set.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("CapEff:")) continue;
    unsigned long long caps = std::strtoull(line.c_str() + 7, nullptr, 16);
    return (caps & (1ull << 38)) != 0 || (caps & (1ull << 21)) != 0;
  }
  return false;
}

// Forks and execs argv (looked up in PATH) in a new process group, stdin and stdout from/to
// `out_fd` (or /dev/null when -1), stderr to `err_path`. The child dies with perfgate.
pid_t spawn(const std::vector<std::string>& args, int out_fd, const std::string& err_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (null_fd < 0 || err_fd < 0) {
    if (null_fd >= 0) close(null_fd);
    if (err_fd >= 0) close(err_fd);
    throw RunError(fmt::format("cannot open '{}': {}", err_path, std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, 0);
    dup2(out_fd >= 0 ? out_fd : null_fd, 1);
    dup2(err_fd, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  const int fork_errno = errno;
  close(null_fd);
  close(err_fd);
  if (pid < 0) throw RunError(fmt::format("cannot start {}: {}", args[0], std::strerror(fork_errno)));
  setpgid(pid, pid);  // also here, so that it holds before either side runs on
  return pid;
}

// How many perf_event descriptors the process has open.
int perf_event_fds(pid_t pid) {
  const std::string folder = fmt::format("/proc/{}/fd", pid);
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return 0;
  int count = 0;
  char target[64];
  while (dirent* entry = readdir(dir)) {
    const std::string link = folder + "/" + entry->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    if (std::strcmp(target, "anon_inode:[perf_event]") == 0) ++count;
  }
  closedir(dir);
  return count;
}

}  // namespace

std::string perf_permission_problem() {
  if (may_profile_anything()) return "";
  std::ifstream file("/proc/sys/kernel/perf_event_paranoid");
  int level = 2;
  if (!(file >> level)) return "";
  // Debian's kernels add level 3: no perf events at all without privileges. At 2, perf
  // samples user stacks only (it leaves the kernel out by itself).
  if (level >= 3) {
    return fmt::format(
        "kernel.perf_event_paranoid is {}: only root may use perf here. Run perfgate profile as root, give it "
        "CAP_PERFMON, or allow it with: sudo sysctl kernel.perf_event_paranoid=1",
        level);
  }
  return "";
}

std::string find_perf() {
  const char* path = std::getenv("PATH");
  std::string found;
  std::string_view dirs = path == nullptr ? "/usr/bin:/bin" : path;
  while (found.empty()) {
    std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/perf";
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) {
      found = candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  if (found.empty()) {
    throw RunError(
        "perf is not installed (no 'perf' in PATH): install Linux perf (Debian: apt-get install linux-perf; "
        "Ubuntu: linux-tools-generic; Fedora: perf)");
  }
  std::string problem = perf_permission_problem();
  if (!problem.empty()) throw RunError(problem);
  return found;
}

PerfRecorder::PerfRecorder(const std::string& perf, const std::vector<pid_t>& pids, int frequency_hz,
                           bool start_disabled)
    : perf_(perf) {
  if (pids.empty()) throw RunError("no process to profile");
  std::string base = std::filesystem::temp_directory_path().string() + "/perfgate-profile-XXXXXX";
  if (mkdtemp(base.data()) == nullptr) {
    throw RunError(fmt::format("cannot create a temporary folder for perf: {}", std::strerror(errno)));
  }
  folder_ = base;
  try {
    std::string pid_list;
    for (pid_t p : pids) pid_list += (pid_list.empty() ? "" : ",") + std::to_string(p);
    std::vector<std::string> args{perf_, "record", "-F", std::to_string(frequency_hz), "-g", "-p", pid_list,
                                  "-o", folder_ + "/perf.data"};
    if (start_disabled) {
      const std::string control = folder_ + "/control";
      const std::string ack = folder_ + "/ack";
      if (mkfifo(control.c_str(), 0600) != 0 || mkfifo(ack.c_str(), 0600) != 0) {
        throw RunError(fmt::format("cannot create perf's control fifos: {}", std::strerror(errno)));
      }
      control_fd_ = open(control.c_str(), O_RDWR | O_CLOEXEC);
      ack_fd_ = open(ack.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
      if (control_fd_ < 0 || ack_fd_ < 0) {
        throw RunError(fmt::format("cannot open perf's control fifos: {}", std::strerror(errno)));
      }
      args.insert(args.end(), {"-D", "-1", "--control", "fifo:" + control + "," + ack});
    }
    pid_ = spawn(args, -1, folder_ + "/record.log");
    // perf opens its events, maps their buffers and enables them; it is sampling once the
    // number of perf_event descriptors it holds has stopped growing.
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    int last = 0;
    while (true) {
      if (!running()) {
        std::string said = tail_lines(perf_stderr(), 4);
        std::string advice;
        if (said.find("paranoid") != std::string::npos || said.find("ermission") != std::string::npos ||
            said.find("Access to performance monitoring") != std::string::npos) {
          advice = "; run as root, or allow it with: sudo sysctl kernel.perf_event_paranoid=1";
        }
        throw RunError(fmt::format("perf record could not sample pid {}{}{}{}", pid_list, said.empty() ? "" : ": ",
                                   said, advice));
      }
      const int now = perf_event_fds(pid_);
      if (now > 0 && now == last) break;
      last = now;
      if (Clock::now() > deadline) {
        kill_and_reap();
        throw RunError("perf record did not start sampling within 15 s");
      }
      std::this_thread::sleep_for(milliseconds(25));
    }
  } catch (...) {
    release();  // the destructor does not run for a constructor that throws
    throw;
  }
}

PerfRecorder::~PerfRecorder() { release(); }

void PerfRecorder::release() noexcept {
  kill_and_reap();
  if (control_fd_ >= 0) close(control_fd_);
  if (ack_fd_ >= 0) close(ack_fd_);
  control_fd_ = -1;
  ack_fd_ = -1;
  if (!folder_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
    folder_.clear();
  }
}

bool PerfRecorder::running() {
  if (reaped_ || pid_ <= 0) return false;
  pid_t done = waitpid(pid_, &wait_status_, WNOHANG);
  if (done == pid_) reaped_ = true;
  return !reaped_;
}

void PerfRecorder::kill_and_reap() noexcept {
  if (pid_ <= 0 || reaped_) return;
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  while (waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

void PerfRecorder::enable() { control("enable\n"); }
void PerfRecorder::disable() { control("disable\n"); }

void PerfRecorder::control(const char* command) {
  if (control_fd_ < 0 || !running()) return;
  [[maybe_unused]] ssize_t written = write(control_fd_, command, std::strlen(command));
  // perf answers "ack\n" once the events are switched.
  pollfd ack{ack_fd_, POLLIN, 0};
  if (poll(&ack, 1, 5000) > 0) {
    char buffer[16];
    [[maybe_unused]] ssize_t n = read(ack_fd_, buffer, sizeof buffer);
  }
}

std::string PerfRecorder::perf_stderr() const { return read_text(folder_ + "/record.log"); }

FoldedStacks PerfRecorder::stop() {
  if (running()) {
    kill(pid_, SIGINT);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (running() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(10));
    if (running()) kill_and_reap();
  }
  const std::string data = folder_ + "/perf.data";
  struct stat st {};
  if (stat(data.c_str(), &st) != 0 || st.st_size == 0) {
    std::string said = tail_lines(perf_stderr(), 4);
    throw RunError(fmt::format("perf record wrote no data{}{}", said.empty() ? "" : ": ", said));
  }
  return fold_perf_data(perf_, data);
}

FoldedStacks fold_perf_data(const std::string& perf, const std::string& data_path) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw RunError(fmt::format("cannot run perf script: {}", std::strerror(errno)));
  const std::string err_path = data_path + ".script.log";
  pid_t pid = -1;
  try {
    pid = spawn({perf, "script", "-i", data_path}, pipe_fds[1], err_path);
  } catch (...) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw;
  }
  close(pipe_fds[1]);
  PerfScriptFolder folder;
  std::string pending;
  char buffer[65536];
  while (true) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n', start)) {
      folder.add_line(std::string_view(pending).substr(start, end - start));
      start = end + 1;
    }
    pending.erase(0, start);
  }
  close(pipe_fds[0]);
  if (!pending.empty()) folder.add_line(pending);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  FoldedStacks stacks = folder.finish();
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && stacks.empty()) {
    std::string said = tail_lines(read_text(err_path), 4);
    throw RunError(fmt::format("perf script failed{}{}", said.empty() ? "" : ": ", said));
  }
  return stacks;
}

}  // namespace perfgate::profile
