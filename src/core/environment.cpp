// Reads the machine and git environment; see environment.hpp.
#include "core/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace perfgate {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == ' ') ++start;
  return s.substr(start);
}

// Runs a short git command; nullopt when it fails. stderr is discarded.
std::optional<std::string> git_output(const char* command) {
  std::string full = std::string("git ") + command + " 2>/dev/null";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
  int status = pclose(pipe);
  if (status != 0) return std::nullopt;
  return trim(out);
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

std::optional<GitState> read_git_state() {
  auto commit = git_output("rev-parse HEAD");
  if (!commit) return std::nullopt;
  GitState state;
  state.commit = *commit;
  state.branch = git_output("rev-parse --abbrev-ref HEAD").value_or("");
  auto status = git_output("status --porcelain --untracked-files=no");
  state.dirty = status && !status->empty();
  return state;
}

}  // namespace perfgate
