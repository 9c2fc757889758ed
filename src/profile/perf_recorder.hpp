// Sampling on-CPU stacks with Linux perf: `perf record -F HZ -g -p PIDS` into a private
// temporary folder, stopped with SIGINT (perf then writes its data), and `perf script` read back
// and folded (perf_script.hpp). perf runs in its own process group, so a Ctrl-C on the terminal
// reaches perfgate alone and perfgate decides when perf stops; it is stopped and reaped on every
// path out (the destructor too), and killed if perfgate dies (PR_SET_PDEATHSIG).
//
//   std::string perf = find_perf();                    // RunError: what to install, or which sysctl
//   PerfRecorder recorder(perf, {pid}, 99);            // returns once perf is sampling
//   while (recorder.running() && !done) sleep...;      // perf ends by itself when the pids are gone
//   FoldedStacks stacks = recorder.stop();
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "profile/folded_stacks.hpp"

namespace perfgate::profile {

// The perf binary found in PATH. Throws RunError saying what to install when there is none
// (Debian: linux-perf), or what to set when the kernel forbids it (kernel.perf_event_paranoid).
std::string find_perf();

// What kernel.perf_event_paranoid allows this process, as a RunError message, or "" when it
// allows profiling other processes' user and kernel stacks. Root (and CAP_PERFMON) may always.
std::string perf_permission_problem();

class PerfRecorder {
 public:
  // Starts perf on these processes (their threads, and children they start later) and returns
  // once perf has its events open. Throws RunError, with what perf said, when it cannot.
  // `start_disabled`: perf attaches now but samples only between enable() and disable() (its
  // --control fifos), so that a window can begin without waiting for perf to start.
  PerfRecorder(const std::string& perf, const std::vector<pid_t>& pids, int frequency_hz,
               bool start_disabled = false);
  ~PerfRecorder();  // stops perf if it still runs (KILL), reaps it, removes its folder
  PerfRecorder(const PerfRecorder&) = delete;
  PerfRecorder& operator=(const PerfRecorder&) = delete;

  // Sampling on and off (start_disabled only); each waits for perf's acknowledgement (up to 5 s).
  void enable();
  void disable();
  // perf's pid, also its process group (for a forced exit's kill).
  pid_t pid() const { return pid_; }
  // False once perf has exited (every target process gone, or perf failed).
  bool running();
  // Stops perf (SIGINT; KILL if it has not written its data within 10 s), then folds what it
  // recorded. Throws RunError when perf left nothing readable. Call once.
  FoldedStacks stop();

 private:
  void kill_and_reap() noexcept;
  void release() noexcept;  // kill_and_reap, close the fifos, remove the folder
  std::string perf_stderr() const;
  void control(const char* command);

  std::string perf_;
  std::string folder_;  // mkdtemp: perf.data and perf's stderr
  pid_t pid_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  int control_fd_ = -1;  // perf's --control fifos, opened read-write so that no open blocks
  int ack_fd_ = -1;
};

// Runs `perf script` on a perf.data file and folds its output as it streams.
FoldedStacks fold_perf_data(const std::string& perf, const std::string& data_path);

}  // namespace perfgate::profile
