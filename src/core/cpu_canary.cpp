// A fixed piece of CPU work, timed; see cpu_canary.hpp.
#include "core/cpu_canary.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

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

}  // namespace

double cpu_canary_ms() {
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

}  // namespace perfgate
