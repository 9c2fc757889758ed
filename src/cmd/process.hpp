// Starting a command and measuring it: wall time, the child's user and system CPU and its
// peak RSS (from wait4's rusage), through the small helper perfgate-exec so that the peak RSS
// is the command's own and not perfgate's (see src/exec_helper/perfgate_exec.cpp). Behind the
// Executor interface so the benchmark loop and its statistics can be tested with a fake (as
// hyperfine's Executor/MockExecutor).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace perfgate::cmd {

// Where the benchmarked command's stdout/stderr go.
struct OutputMode {
  enum class Kind { kNull, kPipe, kInherit, kFile } kind = Kind::kNull;
  std::string path;  // kFile
};

// Where its stdin comes from: /dev/null (default) or a file.
struct InputMode {
  std::optional<std::string> path;
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  InputMode input;
  OutputMode output;
};

struct ProcessMeasurement {
  bool started = false;            // false: the program could not be started
  std::string start_error;         // why, when !started
  int exit_code = 0;               // the exit status, or 128 + signal
  int signal = 0;                  // the terminating signal, 0 if none
  std::int64_t wall_ns = 0;
  std::int64_t user_ns = 0;
  std::int64_t system_ns = 0;
  std::int64_t max_rss_bytes = 0;
  // false when spawned without perfgate-exec: the peak is at least perfgate's own.
  bool rss_is_own = true;
  bool succeeded() const { return started && exit_code == 0; }
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs the process to completion and measures it. Never throws for a failing command.
  virtual ProcessMeasurement run(const ProcessSpec& spec) = 0;
};

// perfgate-exec beside the running program (installed beside perfgate), else the one built
// with this tree; nullopt when neither exists.
std::optional<std::string> find_exec_helper();

// posix_spawn + wait4 through perfgate-exec when find_exec_helper() finds it, directly otherwise.
// `environment`: the commands' KEY=VALUE entries; nullopt: perfgate's own.
std::unique_ptr<Executor> make_process_executor(std::optional<std::vector<std::string>> environment = std::nullopt);
// Through `exec_helper`, or directly (the peak RSS then includes perfgate's) when nullopt.
std::unique_ptr<Executor> make_process_executor_through(std::optional<std::string> exec_helper,
                                                        std::optional<std::vector<std::string>> environment = std::nullopt);

}  // namespace perfgate::cmd
