// How much CPU one sleep + timer wake-up costs on this machine: the floor under the open
// model's CPU per request when every scheduled send needs its own wake-up.
// Usage: wakeup_cost [interval_us]   (build: see bench/CMakeLists.txt)
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  long interval_ns = (argc > 1 ? std::atol(argv[1]) : 50) * 1000;
  if (interval_ns <= 0) return 2;
  prctl(PR_SET_TIMERSLACK, 10'000UL, 0, 0, 0);
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  long wakeups = 1'000'000'000L / interval_ns;
  for (long i = 0; i < wakeups; ++i) {
    next.tv_nsec += interval_ns;
    if (next.tv_nsec >= 1'000'000'000L) {
      next.tv_nsec -= 1'000'000'000L;
      ++next.tv_sec;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double cpu_us = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  std::printf("%ld wake-ups every %ld us: %.2f us of CPU per wake-up\n", wakeups, interval_ns / 1000,
              cpu_us / static_cast<double>(wakeups));
  return 0;
}
