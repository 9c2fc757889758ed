// CPU time of a process tree between two readings, without losing the processes that exit.
//
// Each process's cumulative time is its own (utime + stime) plus that of the children it has
// waited for (cutime + cstime). When a child exits and its parent in the tree reaps it, the
// child's total moves into the parent's reaped time, so the sum over the tree is conserved and
// a child that starts and exits between two readings still shows up, in its parent's figure.
// The care is in not counting twice: the parent's jump includes what the child had before it
// left, which earlier intervals already counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <span>
#include <utility>

namespace perfgate::monitor {

struct ProcessTimes {
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;  // with the pid, names one process for its lifetime
  pid_t ppid = 0;
  std::uint64_t own_ticks = 0;     // utime + stime
  std::uint64_t reaped_ticks = 0;  // cutime + cstime
};

class TreeCpuAccount {
 public:
  // The tree's CPU ticks since the previous call (0 on the first: it only sets the baseline).
  std::uint64_t advance(std::span<const ProcessTimes> tree);

 private:
  using Key = std::pair<pid_t, std::uint64_t>;
  std::map<Key, ProcessTimes> previous_;
  bool primed_ = false;
};

}  // namespace perfgate::monitor
