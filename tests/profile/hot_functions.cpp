// A CPU-busy program with known hot spots, for the profile tests: it spends three quarters of its
// CPU in busy::hot_three_quarters and a quarter in busy::warm_one_quarter (both through
// busy::spin), for the seconds given (default 2). The shares are of work done, not of time, so
// they hold on a loaded machine too; each round's length is drawn at random, so that the rounds
// cannot beat in step with perf's sampling timer (with fixed rounds a CI machine once filed 66% of
// the samples, not 75%, in the three-quarter function: a round length in step with the timer
// samples the same few phases of the round again and again). Built with frame pointers and without inlining or tail
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
  unsigned long state = 0x9E3779B97F4A7C15ul;
  while (std::chrono::steady_clock::now() < end) {
    state = state * 6364136223846793005ul + 1442695040888963407ul;  // Knuth's MMIX LCG
    const unsigned long rounds = 20'000 + (state >> 33) % 360'000;
    busy::hot_three_quarters(rounds);
    busy::warm_one_quarter(rounds);
  }
  return 0;
}
