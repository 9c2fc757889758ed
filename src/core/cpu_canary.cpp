// A fixed piece of CPU work, timed on every CPU; see cpu_canary.hpp.
#include "core/cpu_canary.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace perfgate {
namespace {

// Each step depends on the one before (xorshift and a multiply), so the time is the core's
// latency for about ten million cycles: no memory, no branches to predict, nothing to vectorise.
std::uint64_t fixed_work(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (int i = 0; i < 2'000'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x *= 0x2545F4914F6CDD1DULL;
  }
  return x;
}

double median_of_nine_timings() {
  std::array<double, 9> timings{};
  volatile std::uint64_t sink = 0;  // keeps the work from being optimised away
  for (auto& t : timings) {
    auto start = std::chrono::steady_clock::now();
    sink = sink + fixed_work(0x9E3779B97F4A7C15ULL + sink);
    t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  std::nth_element(timings.begin(), timings.begin() + 4, timings.end());
  return timings[4];
}

// The CPUs this process may run on, the first kMaxCpus of them.
std::vector<int> allowed_cpus() {
  constexpr int kMaxCpus = 8;
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && static_cast<int>(cpus.size()) < kMaxCpus; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

}  // namespace

double cpu_canary_ms() {
  // One CPU at a time, each in a thread pinned to it, so a neighbour on any of them shows: a
  // program time-sharing that CPU, or busy on its SMT sibling (two vCPUs of a VM are often
  // siblings: a CPU-bound command then runs 40% slower while the other one is busy).
  std::vector<int> cpus = allowed_cpus();
  if (cpus.size() <= 1) return median_of_nine_timings();
  double slowest = 0;
  for (int cpu : cpus) {
    double timing = 0;
    std::thread pinned([cpu, &timing] {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      pthread_setaffinity_np(pthread_self(), sizeof one, &one);  // if refused, it runs where it may
      timing = median_of_nine_timings();
    });
    pinned.join();
    slowest = std::max(slowest, timing);
  }
  return slowest;
}

}  // namespace perfgate
