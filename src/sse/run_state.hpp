// What the threads of one SSE run share: the clock, the publish schedule and a few counters.
// The per-event path touches only relaxed atomics, in batches of one read.
#pragma once

#include <sys/resource.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace perfgate::sse {

// User + system CPU of the calling thread, in seconds.
inline double thread_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct RunState {
  explicit RunState(const std::atomic<bool>& stop_flag, int loops) : stop(stop_flag), waiting(loops) {}

  const std::atomic<bool>& stop;

  // The clock starts once every subscriber has its stream (or gave up): events published
  // before would find some subscribers not yet listening.
  std::mutex start_mutex;
  std::condition_variable started;
  int waiting;
  std::atomic<std::int64_t> start_ns{0};
  std::int64_t duration_ns = 0;
  std::int64_t timeout_ns = 0;

  // Publishing (perfgate's own publisher). The k-th event is due at start + k * interval.
  double interval_ns = 0;
  std::atomic<std::uint64_t> next_seq{0};      // seqs handed out so far: higher ones are unknown
  std::atomic<bool> publish_done{false};
  std::atomic<std::uint64_t> published_ok{0};
  std::atomic<std::uint64_t> first_arrivals{0};  // on time, across all subscribers

  // ts mode: ids are tracked relative to the first one any subscriber saw (-1: none yet).
  std::atomic<std::int64_t> ts_id_base{-1};

  std::atomic<std::uint64_t> received{0};  // events dispatched, for progress
  std::atomic<int> connected{0};

  std::int64_t scheduled_ns(std::uint64_t seq) const noexcept {
    return start_ns.load(std::memory_order_relaxed) +
           static_cast<std::int64_t>(std::llround(static_cast<double>(seq) * interval_ns));
  }

  // Called once by each subscriber loop when its subscriptions are made; returns the start.
  std::int64_t arrive_and_wait(std::int64_t (*now)()) {
    std::unique_lock lock(start_mutex);
    if (--waiting == 0) {
      start_ns.store(now(), std::memory_order_release);
      started.notify_all();
    } else {
      started.wait(lock, [this] { return waiting == 0; });
    }
    return start_ns.load(std::memory_order_acquire);
  }
};

}  // namespace perfgate::sse
