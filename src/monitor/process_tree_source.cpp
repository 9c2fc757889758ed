// The process-tree source: the root and all its descendants, followed as they come and go.
//
// Finding descendants: /proc/PID/task/TID/children is not in every kernel (CONFIG_PROC_CHILDREN),
// so the tree is rebuilt from the ppid of every process. To keep that cheap at 10 Hz, /proc is
// listed at most every kListEvery, and the stat of a process outside the tree is read only once,
// when its pid first appears: a process cannot move into the tree later (only a subreaper
// adopts orphans, and the root is not one). Members' files stay open and are re-read with pread.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/file_descriptor.hpp"
#include "monitor/proc_files.hpp"
#include "monitor/resource_source.hpp"
#include "monitor/tree_cpu.hpp"

namespace perfgate::monitor {
namespace {

// What is known of one process on the machine.
struct KnownProcess {
  ProcStat stat;
  bool fresh = false;   // stat read during this sample
  bool member = false;  // in the tree at the previous sample
};

// Open files of one tree member (opened on first use, kept while it lives).
struct MemberFiles {
  FileDescriptor stat;
  FileDescriptor status;
  FileDescriptor smaps_rollup;
  FileDescriptor fd_dir;  // /proc/PID/fd, whose fstat size is its number of entries
  bool smaps_unreadable = false;
  // The expensive figures (see kFullReadEvery), as last read.
  bool full_read = false;
  std::uint64_t pss_bytes = 0;
  std::uint64_t rss_bytes_at_pss = 0;  // RSS when pss_bytes was read
  std::uint64_t voluntary_switches = 0;
  std::uint64_t involuntary_switches = 0;
};

// smaps_rollup (PSS) walks the page tables and status is long: together about 20 us per
// process, ten times what stat costs. They are read afresh at most once a second (and at once
// for a new process); in between, a process's memory is its last PSS plus the change of its
// RSS since then, so private growth (a leak) shows at every sample, and only the sharing of
// pages with other processes is up to a second old. At the default 1 s interval every sample
// reads everything.
constexpr std::chrono::milliseconds kFullReadEvery{1000};

// Listing /proc costs a dentry lookup per process on the machine (hundreds), more than reading
// the tree itself, so at intervals below this it is done every few samples: a new descendant is
// found within kListEvery. One that starts and exits sooner is not lost: its CPU reaches its
// parent's reaped time (cutime), which is read at every sample.
constexpr std::chrono::milliseconds kListEvery{250};

class ProcessTreeSource final : public ResourceSource {
 public:
  explicit ProcessTreeSource(pid_t root) : root_(root) {
    ticks_per_s_ = static_cast<double>(::sysconf(_SC_CLK_TCK));
    page_bytes_ = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    if (root <= 0 || !read_stat_by_path(root, root_stat_)) {
      throw RunError("no process with pid " + std::to_string(root));
    }
    root_start_ = root_stat_.start_ticks;
    last_time_ = std::chrono::steady_clock::now();
    std::vector<ProcessTimes> tree;
    collect(tree);
    cpu_.advance(tree);  // the CPU baseline: the first sample covers the time since now
  }

  std::optional<ResourceSample> sample() override {
    const auto started = std::chrono::steady_clock::now();
    full_read_due_ = started - last_full_read_ >= kFullReadEvery - std::chrono::milliseconds(5);
    if (full_read_due_) {
      last_full_read_ = started;
    }
    ResourceSample sample;
    std::vector<ProcessTimes> tree;
    if (!collect(tree, &sample)) {
      return std::nullopt;
    }
    const auto now = std::chrono::steady_clock::now();
    const double elapsed_s = std::chrono::duration<double>(now - last_time_).count();
    last_time_ = now;
    const std::uint64_t ticks = cpu_.advance(tree);
    sample.cpu_pct = elapsed_s > 0 ? 100.0 * static_cast<double>(ticks) / ticks_per_s_ / elapsed_s : 0;
    return sample;
  }

 private:
  // The stat of `fd` into `out`; false when the process is gone or the text is not a stat line.
  static bool read_stat(int fd, std::string& buffer, ProcStat& out) {
    if (fd < 0 || !pread_whole(fd, buffer)) {
      return false;
    }
    auto parsed = parse_proc_stat(buffer);
    if (parsed) {
      out = *parsed;
    }
    return parsed.has_value();
  }

  static bool read_stat_by_path(pid_t pid, ProcStat& out) {
    FileDescriptor fd(open_read("/proc/" + std::to_string(pid) + "/stat"));
    std::string text;
    return read_stat(fd.get(), text, out);
  }

  bool read_member_stat(pid_t pid, MemberFiles& files, ProcStat& out) {
    if (!files.stat.valid()) {
      files.stat.reset(open_read("/proc/" + std::to_string(pid) + "/stat"));
    }
    return read_stat(files.stat.get(), buffer_, out);
  }

  // Lists /proc, refreshes what is needed and fills `tree` (and `sample` when given) with the
  // current members. false when the root is gone.
  bool collect(std::vector<ProcessTimes>& tree, ResourceSample* sample = nullptr) {
    // The root first: when it is gone (or its pid now names another process) the target is gone.
    MemberFiles& root_files = files_[root_];
    ProcStat root_now;
    if (!read_member_stat(root_, root_files, root_now) || root_now.start_ticks != root_start_) {
      return false;
    }
    // A zombie root has exited: its memory, threads and descriptors read as nothing, and a
    // last sample of zeros would bend the leak slope down. Gone, like a reaped one.
    if (root_now.state == 'Z' || root_now.state == 'X') {
      return false;
    }

    std::unordered_set<pid_t> listed;
    const auto now = std::chrono::steady_clock::now();
    const bool list_proc = now - last_listing_ >= kListEvery - std::chrono::milliseconds(5);
    if (!list_proc) {
      // Between listings only the known members are read again (see kListEvery).
      for (const auto& [pid, known] : known_) {
        listed.insert(pid);
      }
    } else if (DIR* proc = ::opendir("/proc")) {
      last_listing_ = now;
      while (const dirent* entry = ::readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || pid <= 0) {
          continue;
        }
        listed.insert(static_cast<pid_t>(pid));
      }
      ::closedir(proc);
    }
    listed.insert(root_);

    // Forget processes that are gone; mark everything stale.
    for (auto it = known_.begin(); it != known_.end();) {
      if (!listed.contains(it->first)) {
        files_.erase(it->first);
        it = known_.erase(it);
      } else {
        it->second.fresh = false;
        ++it;
      }
    }
    // Read new pids once, and members again.
    for (pid_t pid : listed) {
      auto found = known_.find(pid);
      if (found != known_.end() && !found->second.member) {
        continue;
      }
      KnownProcess& known = known_[pid];
      if (pid == root_) {
        known.stat = root_now;
        known.fresh = true;
        continue;
      }
      if (known.member) {
        known.fresh = read_member_stat(pid, files_[pid], known.stat);
      } else {
        known.fresh = read_stat_by_path(pid, known.stat);
      }
    }

    // The tree: breadth-first from the root over ppids.
    std::unordered_map<pid_t, std::vector<pid_t>> children;
    for (const auto& [pid, known] : known_) {
      if (pid != root_ && (known.fresh || !known.member)) {
        children[known.stat.ppid].push_back(pid);
      }
    }
    for (auto& [pid, known] : known_) {
      known.member = false;
    }
    std::deque<pid_t> queue{root_};
    while (!queue.empty()) {
      const pid_t pid = queue.front();
      queue.pop_front();
      KnownProcess& known = known_[pid];
      if (known.member) {
        continue;  // a stale ppid can only repeat a pid, never loop us forever
      }
      if (!known.fresh) {
        // An outsider's stat is a cached first reading; now that it is in the tree (a new
        // child found in this very listing), read it again.
        known.fresh = read_member_stat(pid, files_[pid], known.stat);
        if (!known.fresh) {
          continue;
        }
      }
      known.member = true;
      tree.push_back(ProcessTimes{pid, known.stat.start_ticks, known.stat.ppid, known.stat.own_ticks,
                                  known.stat.reaped_ticks});
      if (sample != nullptr) {
        add_figures(pid, known.stat, *sample);
      }
      if (auto kids = children.find(pid); kids != children.end()) {
        queue.insert(queue.end(), kids->second.begin(), kids->second.end());
      }
    }
    // Members that left the tree no longer need open files.
    for (auto it = files_.begin(); it != files_.end();) {
      auto known = known_.find(it->first);
      if (known == known_.end() || !known->second.member) {
        it = files_.erase(it);
      } else {
        ++it;
      }
    }
    return true;
  }

  void add_figures(pid_t pid, const ProcStat& stat, ResourceSample& sample) {
    MemberFiles& files = files_[pid];
    ++sample.processes;
    sample.threads += stat.threads;
    const std::uint64_t rss_bytes = stat.rss_pages * page_bytes_;
    if (full_read_due_ || !files.full_read) {
      read_expensive_figures(pid, stat, files, rss_bytes);
    }
    // PSS as last read plus the RSS change since (never below zero).
    const std::uint64_t grown = rss_bytes > files.rss_bytes_at_pss ? rss_bytes - files.rss_bytes_at_pss : 0;
    const std::uint64_t shrunk = files.rss_bytes_at_pss > rss_bytes ? files.rss_bytes_at_pss - rss_bytes : 0;
    sample.rss_bytes += files.pss_bytes + grown - std::min(shrunk, files.pss_bytes);
    sample.voluntary_switches += files.voluntary_switches;
    sample.involuntary_switches += files.involuntary_switches;
    if (!files.fd_dir.valid()) {
      files.fd_dir.reset(::open(("/proc/" + std::to_string(pid) + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    struct stat info {};
    if (files.fd_dir.valid() && ::fstat(files.fd_dir.get(), &info) == 0 && info.st_size > 0) {
      sample.fds += static_cast<std::uint64_t>(info.st_size);  // Linux 6.2+: no path walk, no listing
    } else if (auto fds = count_fds(pid)) {
      sample.fds += *fds;
    }
  }

  void read_expensive_figures(pid_t pid, const ProcStat& stat, MemberFiles& files, std::uint64_t rss_bytes) {
    const std::string prefix = "/proc/" + std::to_string(pid);
    files.full_read = true;
    files.pss_bytes = rss_bytes;
    files.rss_bytes_at_pss = rss_bytes;
    if (!files.smaps_unreadable) {
      if (!files.smaps_rollup.valid()) {
        files.smaps_rollup.reset(open_read(prefix + "/smaps_rollup"));
      }
      if (files.smaps_rollup.valid() && pread_whole(files.smaps_rollup.get(), buffer_)) {
        if (auto pss_kb = find_field(buffer_, "Pss")) {
          files.pss_bytes = *pss_kb * 1024;
        }
      } else {
        files.smaps_unreadable = true;  // another user's process, or a kernel thread: RSS
      }
    }
    read_switches(prefix, stat, files);
  }

  // /proc/PID/status counts the switches of its main thread only, so a process with several
  // threads is summed over /proc/PID/task/*/status.
  void read_switches(const std::string& prefix, const ProcStat& stat, MemberFiles& files) {
    std::uint64_t voluntary = 0;
    std::uint64_t involuntary = 0;
    auto add_text = [&](std::string_view text) {
      voluntary += find_field(text, "voluntary_ctxt_switches").value_or(0);
      involuntary += find_field(text, "nonvoluntary_ctxt_switches").value_or(0);
    };
    if (stat.threads <= 1) {
      if (!files.status.valid()) {
        files.status.reset(open_read(prefix + "/status"));
      }
      if (files.status.valid() && pread_whole(files.status.get(), buffer_)) {
        add_text(buffer_);
      }
    } else if (DIR* tasks = ::opendir((prefix + "/task").c_str())) {
      while (const dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.') {
          continue;
        }
        FileDescriptor status(open_read(prefix + "/task/" + entry->d_name + "/status"));
        if (status.valid() && pread_whole(status.get(), buffer_)) {
          add_text(buffer_);
        }
      }
      ::closedir(tasks);
    }
    // Threads that exited take their counts with them; the tree's figure never goes back.
    files.voluntary_switches = std::max(files.voluntary_switches, voluntary);
    files.involuntary_switches = std::max(files.involuntary_switches, involuntary);
  }

  pid_t root_;
  std::uint64_t root_start_ = 0;
  ProcStat root_stat_;
  double ticks_per_s_ = 100;
  std::uint64_t page_bytes_ = 4096;
  std::chrono::steady_clock::time_point last_time_;
  std::chrono::steady_clock::time_point last_full_read_;
  std::chrono::steady_clock::time_point last_listing_;
  bool full_read_due_ = true;
  std::unordered_map<pid_t, KnownProcess> known_;
  std::unordered_map<pid_t, MemberFiles> files_;
  TreeCpuAccount cpu_;
  std::string buffer_;
};

}  // namespace

std::unique_ptr<ResourceSource> process_tree_source(pid_t root) { return std::make_unique<ProcessTreeSource>(root); }

}  // namespace perfgate::monitor
