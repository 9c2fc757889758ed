// The sampling thread and the summary of a window of samples.
#include "monitor/resource_monitor.hpp"

#include <algorithm>

namespace perfgate::monitor {

ResourceMonitor::ResourceMonitor(std::unique_ptr<ResourceSource> source, std::chrono::milliseconds interval)
    : source_(std::move(source)),
      interval_(std::max(interval, std::chrono::milliseconds(1))),
      started_(std::chrono::steady_clock::now()) {}

ResourceMonitor::~ResourceMonitor() { stop(); }

void ResourceMonitor::start() {
  {
    std::lock_guard lock(source_mutex_);
    // The source's CPU figure covers the time since its previous reading: read once now so
    // that the first sample covers exactly the first interval.
    if (!source_->sample()) {
      std::lock_guard state(mutex_);
      gone_ = true;
    }
  }
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

void ResourceMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ResourceMonitor::sample_now() {
  std::lock_guard lock(source_mutex_);
  take_sample();
}

double ResourceMonitor::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::vector<ResourceSample> ResourceMonitor::window(double from_s, double to_s) const {
  std::lock_guard lock(mutex_);
  std::vector<ResourceSample> out;
  for (const ResourceSample& s : samples_) {
    if (s.t_s >= from_s && s.t_s <= to_s) {
      out.push_back(s);
    }
  }
  return out;
}

std::vector<ResourceSample> ResourceMonitor::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

std::optional<ResourceSample> ResourceMonitor::latest() const {
  std::lock_guard lock(mutex_);
  if (samples_.empty()) {
    return std::nullopt;
  }
  return samples_.back();
}

bool ResourceMonitor::target_gone() const {
  std::lock_guard lock(mutex_);
  return gone_;
}

void ResourceMonitor::take_sample() {
  {
    std::lock_guard lock(mutex_);
    if (gone_) {
      return;
    }
  }
  std::optional<ResourceSample> sample = source_->sample();
  std::lock_guard lock(mutex_);
  if (!sample) {
    gone_ = true;
    return;
  }
  sample->t_s = now_s();
  samples_.push_back(*sample);
}

void ResourceMonitor::run() {
  for (std::int64_t k = 1;; ++k) {
    const auto due = started_ + k * interval_;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, due, [this] { return stopping_ || gone_; });
      if (stopping_ || gone_) {
        return;
      }
    }
    {
      std::lock_guard lock(source_mutex_);
      take_sample();
    }
    // After a long stall (a suspended machine), skip the missed slots instead of bursting.
    const auto now = std::chrono::steady_clock::now();
    while (started_ + (k + 1) * interval_ < now) {
      ++k;
    }
  }
}

ResourceSummary summarize(std::span<const ResourceSample> samples) {
  ResourceSummary summary;
  summary.samples = samples.size();
  if (samples.empty()) {
    return summary;
  }
  double cpu_total = 0;
  for (const ResourceSample& s : samples) {
    cpu_total += s.cpu_pct;
    summary.cpu_pct_max = std::max(summary.cpu_pct_max, s.cpu_pct);
    summary.rss_max = std::max(summary.rss_max, s.rss_bytes);
    summary.threads_max = std::max(summary.threads_max, s.threads);
    summary.fds_max = std::max(summary.fds_max, s.fds);
  }
  summary.cpu_pct_mean = cpu_total / static_cast<double>(samples.size());
  return summary;
}

}  // namespace perfgate::monitor
