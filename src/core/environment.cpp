// Reads the machine and git environment; see environment.hpp.
#include "core/environment.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace perfgate {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == ' ') ++start;
  return s.substr(start);
}

// Runs git with `args` (no shell), its stdout captured; nullopt when it fails. stderr is
// discarded; GIT_OPTIONAL_LOCKS=0 keeps `status` from rewriting the index of a repository it
// only looks at.
std::optional<std::string> git_output(const std::vector<std::string>& args) {
  std::vector<std::string> argv_text{"git"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text{"GIT_OPTIONAL_LOCKS=0"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("GIT_OPTIONAL_LOCKS=")) continue;
    env_text.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int spawned = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  std::string out;
  if (spawned == 0) {
    std::array<char, 4096> buffer{};
    for (;;) {
      ssize_t n = ::read(pipe_fds[0], buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buffer.data(), static_cast<std::size_t>(n));
    }
  }
  ::close(pipe_fds[0]);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return trim(out);
}

// `-c` options that keep git from running programs a repository configures for itself, as
// perfgate may be run inside a checkout it does not trust: the fsmonitor hook, hooks, and the
// clean/smudge filters (.gitattributes picks one, .git/config says what it runs), which
// `status` runs on files whose timestamps changed. Reading the configuration runs nothing.
std::vector<std::string> without_repository_programs() {
  std::vector<std::string> options{"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"};
  std::optional<std::string> filters = git_output({"config", "--name-only", "--get-regexp", "^filter\\."});
  std::set<std::string> drivers;
  std::istringstream lines(filters.value_or(""));
  for (std::string key; std::getline(lines, key);) {
    auto last_dot = key.rfind('.');
    if (last_dot != std::string::npos && last_dot > 7) drivers.insert(key.substr(7, last_dot - 7));
  }
  // An empty `process` makes git ignore the driver's clean and smudge commands too.
  for (const auto& driver : drivers) {
    options.insert(options.end(), {"-c", "filter." + driver + ".process=", "-c", "filter." + driver + ".required=false"});
  }
  return options;
}

}  // namespace

MachineEnvironment read_machine_environment() {
  MachineEnvironment env;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) env.hostname = host.data();
  utsname uts{};
  if (uname(&uts) == 0) env.kernel = uts.release;
  std::ifstream os_release("/etc/os-release");
  for (std::string line; std::getline(os_release, line);) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      env.os = line.substr(12);
      if (env.os.size() >= 2 && env.os.front() == '"') env.os = env.os.substr(1, env.os.size() - 2);
    }
  }
  if (env.os.empty()) env.os = uts.sysname;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) env.cpu_model = trim(line.substr(colon + 1));
      break;
    }
  }
  env.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) env.memory_bytes = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
  return env;
}

// CI checkouts are usually a detached HEAD; the CI says which branch it builds. The source
// branch of a pull/merge request first, so a PR's runs are never taken for the target's.
std::optional<std::string> ci_branch() {
  for (const char* name : {"GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
                           "CI_COMMIT_REF_NAME", "BUILDKITE_BRANCH", "CIRCLE_BRANCH"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::string(value);
  }
  return std::nullopt;
}

std::optional<GitState> read_git_state() {
  // rev-parse reads refs only; status also reads the index and the files, where a repository's
  // own programs would run.
  auto commit = git_output({"rev-parse", "HEAD"});
  if (!commit) return std::nullopt;
  GitState state;
  state.commit = *commit;
  state.branch = git_output({"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
  if (state.branch.empty() || state.branch == "HEAD") state.branch = ci_branch().value_or(state.branch);
  std::vector<std::string> status_args = without_repository_programs();
  status_args.insert(status_args.end(), {"status", "--porcelain", "--untracked-files=no", "--ignore-submodules=all"});
  auto status = git_output(status_args);
  state.dirty = status && !status->empty();
  return state;
}

}  // namespace perfgate
