// A CPU-busy program with known hot spots, for the profile tests: it spends three quarters of its
// CPU in busy::hot_three_quarters and a quarter in busy::warm_one_quarter (both through
// busy::spin), for the seconds given (default 2). The shares are of work done, not of time, so
// they hold on a loaded machine too. Built with frame pointers and without inlining or tail
// calls, so that perf's frame-pointer stacks show each function.
#include <chrono>
#include <cstdlib>

namespace busy {

volatile unsigned long sink = 0;

// A local on the stack, so that this leaf sets up its frame too: without it the compiler may
// leave the frame pointer alone here, and perf's unwinding would skip this function's caller.
__attribute__((noinline)) void spin(unsigned long iterations) {
  volatile unsigned long local = 0;
  for (unsigned long i = 0; i < iterations; ++i) local = local + i;
  sink = sink + local;
}

__attribute__((noinline)) void hot_three_quarters(unsigned long rounds) { spin(3 * rounds); }

__attribute__((noinline)) void warm_one_quarter(unsigned long rounds) { spin(rounds); }

}  // namespace busy

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    busy::hot_three_quarters(200'000);
    busy::warm_one_quarter(200'000);
  }
  return 0;
}
