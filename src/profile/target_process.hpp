// The command `perfgate profile -- CMD ARGS` profiles: started without a shell, held just before
// its exec until release() (so that perf is sampling before the program's first instruction),
// then waited for, or stopped (TERM, then KILL after a grace) on every path out.
//
//   TargetProcess target({"./server", "--port", "0"});  // RunError when CMD cannot be run
//   PerfRecorder recorder(perf, {target.pid()}, 99);
//   target.release();
//   while (!target.exited()) ...
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace perfgate::profile {

class TargetProcess {
 public:
  // argv[0] is looked up in PATH. It shares perfgate's process group, stdin, stdout and stderr.
  explicit TargetProcess(const std::vector<std::string>& argv);
  ~TargetProcess();  // stop()
  TargetProcess(const TargetProcess&) = delete;
  TargetProcess& operator=(const TargetProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Lets it exec. Throws RunError when the exec failed ("cannot run 'x': No such file or directory").
  void release();
  // True once it has exited (reaped); exit_code() then says how.
  bool exited();
  // Its exit status, or 128 + the signal that ended it.
  int exit_code() const { return exit_code_; }
  // TERM, then KILL when it is still there after `grace`; reaps. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) noexcept;

 private:
  std::string program_;
  pid_t pid_ = -1;
  int gate_fd_ = -1;   // written (then closed) to let the child exec
  int error_fd_ = -1;  // the child's exec errno, or EOF when exec succeeded
  bool reaped_ = false;
  int exit_code_ = 0;
};

}  // namespace perfgate::profile
