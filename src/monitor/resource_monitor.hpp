// A thread that samples a ResourceSource every interval and keeps the timeline, plus the
// summary figures a benchmark document carries.
//   ResourceMonitor monitor(process_tree_source(pid), std::chrono::milliseconds(1000));
//   monitor.start(); ...; monitor.stop();
//   ResourceSummary figures = summarize(monitor.window(0, monitor.now_s()));
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "monitor/resource_source.hpp"

namespace perfgate::monitor {

class ResourceMonitor {
 public:
  // Samples are taken at start + k * interval (k = 1, 2, ...), on schedule however long a
  // sample takes.
  ResourceMonitor(std::unique_ptr<ResourceSource> source, std::chrono::milliseconds interval);
  ResourceMonitor(const ResourceMonitor&) = delete;
  ResourceMonitor& operator=(const ResourceMonitor&) = delete;
  ~ResourceMonitor();

  void start();
  void stop();                                   // idempotent; also in the destructor
  // Takes one sample now, from the caller's thread (e.g. when the target has just exited and
  // is not reaped yet, to keep its last interval). No effect once the target is gone.
  void sample_now();
  double now_s() const;                          // the t_s clock of the samples
  std::vector<ResourceSample> window(double from_s, double to_s) const;  // thread-safe copy
  std::vector<ResourceSample> samples() const;   // every sample so far
  std::optional<ResourceSample> latest() const;
  bool target_gone() const;

 private:
  void run();
  void take_sample();  // with source_mutex_ held by the caller

  std::unique_ptr<ResourceSource> source_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;  // samples_, gone_, stopping_
  std::mutex source_mutex_;   // one reader of the source at a time
  std::condition_variable wake_;
  std::vector<ResourceSample> samples_;
  bool gone_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

struct ResourceSummary {
  double cpu_pct_mean = 0, cpu_pct_max = 0;
  std::uint64_t rss_max = 0, threads_max = 0, fds_max = 0;
  std::size_t samples = 0;
};
ResourceSummary summarize(std::span<const ResourceSample> samples);

}  // namespace perfgate::monitor
