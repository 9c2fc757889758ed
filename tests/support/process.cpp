// Test support for running processes; see process.hpp.
#include "support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace perfgate::testing {
namespace {

std::string temp_path(const char* tag) {
  std::string templ = std::string("/tmp/perfgate-test-") + tag + "-XXXXXX";
  int fd = mkstemp(templ.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return templ;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t spawn_in_group(const std::vector<std::string>& argv, const std::string& out_path,
                     const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string perfgate_binary() {
  if (const char* env = std::getenv("PERFGATE_BINARY")) return env;
  return PERFGATE_BINARY;
}

ProcessOutput run_process(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  BackgroundProcess process(argv);
  ProcessOutput result;
  result.exit_code = process.wait(limit);
  result.out = process.out();
  result.err = process.err();
  return result;
}

ProcessOutput run_perfgate(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  std::vector<std::string> argv{perfgate_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, limit);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv)
    : out_path_(temp_path("out")), err_path_(temp_path("err")) {
  pid_ = spawn_in_group(argv, out_path_, err_path_);
}

BackgroundProcess::~BackgroundProcess() {
  if (!reaped_ && pid_ > 0) {
    kill(-pid_, SIGTERM);
    if (wait(std::chrono::seconds(5)) < 0) {
      kill(-pid_, SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }
  // Anything left in the group (children of the child) goes too.
  if (pid_ > 0) kill(-pid_, SIGKILL);
  unlink(out_path_.c_str());
  unlink(err_path_.c_str());
}

void BackgroundProcess::signal(int sig) const { kill(pid_, sig); }

int BackgroundProcess::wait(std::chrono::milliseconds limit) {
  if (reaped_) return -1;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return decode_status(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      reaped_ = true;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string BackgroundProcess::out() const { return slurp(out_path_); }
std::string BackgroundProcess::err() const { return slurp(err_path_); }

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_port(int port, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    close(fd);
    if (rc == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

ServeProcess::ServeProcess(const std::vector<std::string>& extra_args) : port_(free_port()) {
  std::vector<std::string> argv{perfgate_binary(), "serve", "--port", std::to_string(port_)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<BackgroundProcess>(argv);
  if (!wait_for_port(port_)) throw std::runtime_error("perfgate serve did not start: " + process_->err());
}

std::string ServeProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

namespace {

// The state and process group from /proc/PID/stat ("pid (comm) S ppid pgrp ..."; comm may hold
// spaces and parentheses, so parsing starts after the last ')'). False when the process is gone.
bool read_state(pid_t pid, char& state, pid_t& group) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t after_name = line.rfind(')');
  if (after_name == std::string::npos) return false;
  std::istringstream fields(line.substr(after_name + 1));
  pid_t parent = 0;
  return static_cast<bool>(fields >> state >> parent >> group);
}

}  // namespace

bool process_dead(pid_t pid) {
  char state = 0;
  pid_t group = 0;
  return !read_state(pid, state, group) || state == 'Z';
}

bool process_group_dead(pid_t group) {
  if (kill(-group, 0) != 0 && errno == ESRCH) return true;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    char state = 0;
    pid_t member_group = 0;
    if (read_state(static_cast<pid_t>(std::stol(name)), state, member_group) && member_group == group && state != 'Z') {
      return false;
    }
  }
  return true;
}

}  // namespace perfgate::testing
