// The processes of a service, for perf's -p: those in its cgroup v2 folder (cgroup.procs), else
// those in its process group.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace perfgate::profile {

// The pids in `cgroup`'s cgroup.procs when `cgroup` is not empty and readable, else the pids
// whose process group is `group` (from /proc/PID/stat), in ascending order.
std::vector<pid_t> processes_of(pid_t group, const std::string& cgroup);

}  // namespace perfgate::profile
