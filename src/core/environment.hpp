// Where a measurement was taken: the machine (host, OS, kernel, CPU, memory) and the
// git state of the working directory. Recorded in every result document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace perfgate {

struct MachineEnvironment {
  std::string hostname;
  std::string os;          // PRETTY_NAME from /etc/os-release
  std::string kernel;      // uname -r
  std::string cpu_model;   // /proc/cpuinfo "model name"
  int cpus = 0;
  std::uint64_t memory_bytes = 0;
};

struct GitState {
  std::string commit;
  std::string branch;
  bool dirty = false;
};

MachineEnvironment read_machine_environment();
// nullopt outside a git work tree or without git.
std::optional<GitState> read_git_state();

}  // namespace perfgate
