// See event_wait.hpp.
#include "core/event_wait.hpp"

#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <ctime>

namespace perfgate {

int wait_for_events(int epoll_fd, epoll_event* events, int max_events, std::int64_t timeout_ns) {
  constexpr std::int64_t kSecondNs = 1'000'000'000;
  static std::atomic<bool> pwait2_missing{false};
  if (!pwait2_missing.load(std::memory_order_relaxed)) {
    timespec ts{static_cast<time_t>(timeout_ns / kSecondNs), static_cast<long>(timeout_ns % kSecondNs)};
    int n = epoll_pwait2(epoll_fd, events, max_events, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    pwait2_missing.store(true, std::memory_order_relaxed);
  }
  int timeout_ms = static_cast<int>((timeout_ns + 999'999) / 1'000'000);
  return epoll_wait(epoll_fd, events, max_events, timeout_ms);
}

double thread_cpu_seconds() noexcept {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace perfgate
