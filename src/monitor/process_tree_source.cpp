// The process-tree source: the root and all its descendants, found again at every sample.
//
// Finding descendants: /proc/PID/task/TID/children is not in every kernel (CONFIG_PROC_CHILDREN),
// so the tree is rebuilt from the ppid of every process. To keep that cheap at 10 Hz, /proc is
// listed each time (one getdents), but the stat of a process outside the tree is read only once,
// when its pid first appears: a process cannot move into the tree later (only a subreaper
// adopts orphans, and the root is not one). Members' files stay open and are re-read with pread.
#include <dirent.h>
#include <unistd.h>

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
  bool smaps_unreadable = false;
};

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
  static bool read_stat_by_path(pid_t pid, ProcStat& out) {
    FileDescriptor fd(open_read("/proc/" + std::to_string(pid) + "/stat"));
    std::string text;
    if (!fd.valid() || !pread_whole(fd.get(), text)) {
      return false;
    }
    auto parsed = parse_proc_stat(text);
    if (!parsed) {
      return false;
    }
    out = *parsed;
    return true;
  }

  bool read_member_stat(pid_t pid, MemberFiles& files, ProcStat& out) {
    if (!files.stat.valid()) {
      files.stat.reset(open_read("/proc/" + std::to_string(pid) + "/stat"));
    }
    if (!files.stat.valid() || !pread_whole(files.stat.get(), buffer_)) {
      return false;
    }
    auto parsed = parse_proc_stat(buffer_);
    if (!parsed) {
      return false;
    }
    out = *parsed;
    return true;
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
    if (DIR* proc = ::opendir("/proc")) {
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
    const std::string prefix = "/proc/" + std::to_string(pid);
    ++sample.processes;
    sample.threads += stat.threads;

    std::uint64_t memory_bytes = stat.rss_pages * page_bytes_;
    if (!files.smaps_unreadable) {
      if (!files.smaps_rollup.valid()) {
        files.smaps_rollup.reset(open_read(prefix + "/smaps_rollup"));
      }
      if (files.smaps_rollup.valid() && pread_whole(files.smaps_rollup.get(), buffer_)) {
        if (auto pss_kb = find_field(buffer_, "Pss")) {
          memory_bytes = *pss_kb * 1024;
        }
      } else {
        files.smaps_unreadable = true;  // another user's process, or a kernel thread
      }
    }
    sample.rss_bytes += memory_bytes;

    if (auto fds = count_fds(pid)) {
      sample.fds += *fds;
    }
    add_switches(pid, stat, files, sample);
  }

  // /proc/PID/status counts the switches of its main thread only, so a process with several
  // threads is summed over /proc/PID/task/*/status.
  void add_switches(pid_t pid, const ProcStat& stat, MemberFiles& files, ResourceSample& sample) {
    const std::string prefix = "/proc/" + std::to_string(pid);
    auto add_text = [&sample](std::string_view text) {
      sample.voluntary_switches += find_field(text, "voluntary_ctxt_switches").value_or(0);
      sample.involuntary_switches += find_field(text, "nonvoluntary_ctxt_switches").value_or(0);
    };
    if (stat.threads <= 1) {
      if (!files.status.valid()) {
        files.status.reset(open_read(prefix + "/status"));
      }
      if (files.status.valid() && pread_whole(files.status.get(), buffer_)) {
        add_text(buffer_);
      }
      return;
    }
    DIR* tasks = ::opendir((prefix + "/task").c_str());
    if (tasks == nullptr) {
      return;
    }
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

  pid_t root_;
  std::uint64_t root_start_ = 0;
  ProcStat root_stat_;
  double ticks_per_s_ = 100;
  std::uint64_t page_bytes_ = 4096;
  std::chrono::steady_clock::time_point last_time_;
  std::unordered_map<pid_t, KnownProcess> known_;
  std::unordered_map<pid_t, MemberFiles> files_;
  TreeCpuAccount cpu_;
  std::string buffer_;
};

}  // namespace

std::unique_ptr<ResourceSource> process_tree_source(pid_t root) { return std::make_unique<ProcessTreeSource>(root); }

}  // namespace perfgate::monitor
