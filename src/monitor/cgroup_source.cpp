// The cgroup v2 source: a service perfgate did not start, named by its cgroup directory.
// The kernel keeps the totals (cpu.stat's usage_usec includes processes that have exited), so
// nothing is lost between samples; fds and context switches are summed over cgroup.procs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <string>

#include "core/error.hpp"
#include "core/file_descriptor.hpp"
#include "monitor/proc_files.hpp"
#include "monitor/resource_source.hpp"

namespace perfgate::monitor {
namespace {

class CgroupSource final : public ResourceSource {
 public:
  explicit CgroupSource(std::string dir) : dir_(std::move(dir)) {
    if (!read_usage_usec(usage_usec_)) {
      throw RunError("not a cgroup v2 directory (no readable cpu.stat): " + dir_);
    }
    last_time_ = std::chrono::steady_clock::now();
  }

  std::optional<ResourceSample> sample() override {
    std::uint64_t usage = 0;
    if (!read_usage_usec(usage)) {
      return std::nullopt;  // the cgroup was removed
    }
    const auto now = std::chrono::steady_clock::now();
    const double elapsed_s = std::chrono::duration<double>(now - last_time_).count();
    ResourceSample sample;
    const std::uint64_t used = usage > usage_usec_ ? usage - usage_usec_ : 0;
    sample.cpu_pct = elapsed_s > 0 ? 100.0 * static_cast<double>(used) / 1e6 / elapsed_s : 0;
    usage_usec_ = usage;
    last_time_ = now;
    sample.rss_bytes = read_number("memory.current").value_or(0);

    std::string procs;
    read_file("cgroup.procs", procs);
    std::uint64_t threads_from_procs = 0;
    std::size_t pos = 0;
    while (pos < procs.size()) {
      const std::size_t end = std::min(procs.find('\n', pos), procs.size());
      pid_t pid = 0;
      auto [ptr, ec] = std::from_chars(procs.data() + pos, procs.data() + end, pid);
      pos = end + 1;
      if (ec != std::errc{} || pid <= 0) {
        continue;
      }
      ++sample.processes;
      sample.fds += count_fds(pid).value_or(0);
      const std::string prefix = "/proc/" + std::to_string(pid);
      std::string text;
      if (read_path(prefix + "/stat", text)) {
        if (auto stat = parse_proc_stat(text)) {
          threads_from_procs += stat->threads;
        }
      }
      if (read_path(prefix + "/status", text)) {
        sample.voluntary_switches += find_field(text, "voluntary_ctxt_switches").value_or(0);
        sample.involuntary_switches += find_field(text, "nonvoluntary_ctxt_switches").value_or(0);
      }
    }
    // pids.current counts tasks (threads) where the pids controller is on; otherwise the
    // members' thread counts.
    sample.threads = read_number("pids.current").value_or(threads_from_procs);
    return sample;
  }

 private:
  static bool read_path(const std::string& path, std::string& out) {
    FileDescriptor fd(open_read(path));
    return fd.valid() && pread_whole(fd.get(), out);
  }
  bool read_file(const char* name, std::string& out) const { return read_path(dir_ + "/" + name, out); }

  std::optional<std::uint64_t> read_number(const char* name) const {
    std::string text;
    if (!read_file(name, text)) {
      return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{}) {
      return std::nullopt;
    }
    return value;
  }

  bool read_usage_usec(std::uint64_t& out) const {
    std::string text;
    if (!read_file("cpu.stat", text)) {
      return false;
    }
    auto usage = find_field(text, "usage_usec");
    if (!usage) {
      return false;
    }
    out = *usage;
    return true;
  }

  std::string dir_;
  std::uint64_t usage_usec_ = 0;
  std::chrono::steady_clock::time_point last_time_;
};

}  // namespace

std::unique_ptr<ResourceSource> cgroup_source(const std::string& cgroup_dir) {
  return std::make_unique<CgroupSource>(cgroup_dir);
}

}  // namespace perfgate::monitor
