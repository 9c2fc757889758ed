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
  // How long a fixed CPU loop took when the run started (core/cpu_canary); suite runs only.
  std::optional<double> cpu_canary_ms;
};

struct GitState {
  std::string commit;
  std::string branch;
  bool dirty = false;
};

MachineEnvironment read_machine_environment();
// nullopt outside a git work tree or without git. On a detached HEAD the branch is the one the
// CI names (ci_branch), else "HEAD".
std::optional<GitState> read_git_state();
// The branch a CI job builds, from its environment: GITHUB_HEAD_REF (a pull request's source),
// GITHUB_REF_NAME, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME, CI_COMMIT_REF_NAME, BUILDKITE_BRANCH,
// CIRCLE_BRANCH — the first that is set.
std::optional<std::string> ci_branch();

}  // namespace perfgate
