// What the event loops of the load engines share below their protocols: waiting on epoll with
// microsecond wake-ups, and the CPU a loop's thread used (for "perfgate's own CPU" figures).
#pragma once

#include <sys/epoll.h>

#include <cstdint>

namespace perfgate {

// epoll_pwait2 (ns timeout) where the kernel has it, else epoll_wait rounded up to the next ms.
int wait_for_events(int epoll_fd, epoll_event* events, int max_events, std::int64_t timeout_ns);

template <int N>
int wait_for_events(int epoll_fd, epoll_event (&events)[N], std::int64_t timeout_ns) {
  return wait_for_events(epoll_fd, events, N, timeout_ns);
}

// User + system CPU seconds of the calling thread.
double thread_cpu_seconds() noexcept;

}  // namespace perfgate
