// Reading the /proc files the sources need: parsers over the text (pure, tested on fixed
// strings) and small readers that reuse an open descriptor with pread, which is cheaper than
// opening the file again at every sample.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::monitor {

// The fields of /proc/PID/stat the sources use (see proc(5)); times are in clock ticks.
struct ProcStat {
  pid_t ppid = 0;
  char state = '?';
  std::uint64_t own_ticks = 0;     // utime + stime
  std::uint64_t reaped_ticks = 0;  // cutime + cstime: children waited for, their own children included
  std::uint64_t threads = 0;
  std::uint64_t start_ticks = 0;   // since boot; with the pid it names one process for its lifetime
  std::uint64_t rss_pages = 0;
};
// nullopt when the text is not a stat line. The command name may hold spaces and parentheses.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The number after "KEY:" or "KEY " at the start of a line ("Pss: 12 kB" in smaps_rollup,
// "usage_usec 123" in cpu.stat), nullopt when absent.
std::optional<std::uint64_t> find_field(std::string_view text, std::string_view key);

// The whole file read from offset 0 of an open descriptor into `out`; false on error (a
// vanished process gives ESRCH).
bool pread_whole(int fd, std::string& out);
// Opens `path` read-only (close-on-exec); -1 on error.
int open_read(const std::string& path);
// Open descriptors of a process: /proc/PID/fd's size where the kernel reports it (Linux 6.2+),
// else its entries counted. nullopt when unreadable.
std::optional<std::uint64_t> count_fds(pid_t pid);

}  // namespace perfgate::monitor
