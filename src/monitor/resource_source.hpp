// Where resource samples come from: a process tree read from /proc, or a cgroup v2 directory.
// A source keeps what it needs between samples (the previous CPU times) and knows nothing of
// threads, timelines or verdicts; ResourceMonitor drives it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace perfgate::monitor {

// One reading of a process tree or cgroup.
struct ResourceSample {
  double t_s = 0;                         // seconds since the monitor started (steady clock)
  double cpu_pct = 0;                     // user+system since the previous sample, 100 = one CPU,
                                          // children reaped in between included (cutime/cstime)
  std::uint64_t rss_bytes = 0;            // sum over the tree; PSS where smaps_rollup is readable
  std::uint64_t threads = 0;
  std::uint64_t fds = 0;
  std::uint64_t voluntary_switches = 0;   // cumulative over the tree
  std::uint64_t involuntary_switches = 0;
  std::uint32_t processes = 0;
};

// A process tree or a cgroup v2 directory. Not thread-safe: one caller at a time.
class ResourceSource {
 public:
  virtual ~ResourceSource() = default;
  // The figures now; cpu_pct covers the time since the previous call (or since the source was
  // made). t_s is left 0 for the caller to fill. nullopt: the target is gone.
  virtual std::optional<ResourceSample> sample() = 0;
};

// The tree rooted at `root`: the root and every descendant found through /proc/*/stat's ppid at
// each sample, so children that come and go are followed. Throws RunError naming the pid when no
// such process exists.
std::unique_ptr<ResourceSource> process_tree_source(pid_t root);

// A cgroup v2 directory (e.g. /sys/fs/cgroup/system.slice/api.service): CPU from cpu.stat's
// usage_usec, memory from memory.current, threads from pids.current, fds by walking cgroup.procs.
// Throws RunError naming the directory when it is not a cgroup v2 directory.
std::unique_ptr<ResourceSource> cgroup_source(const std::string& cgroup_dir);

}  // namespace perfgate::monitor
