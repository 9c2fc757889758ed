// The tracker's cheap clock (internal to the library): record() reads the cycle counter (x86
// RDTSC, about 15 ns less than clock_gettime) and the writer thread turns the count into wall
// time against a calibration it refreshes at every wake. Only on processors whose counter ticks
// at a constant rate through sleep states (constant_tsc and nonstop_tsc) and when the kernel
// itself keeps time with it (clocksource tsc, which it abandons when the counters of the CPUs
// disagree); elsewhere record() reads CLOCK_REALTIME as before.
#pragma once

#include <cstdint>
#include <functional>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace perfgate::tracker_detail {

// Whether this machine's cycle counter can stand in for the wall clock (see above). Checked
// once per process.
bool cycle_counter_usable();

inline std::uint64_t read_cycles() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  // Not ordered with the instructions around it (no LFENCE): the lines print milliseconds.
  return __rdtsc();
#else
  return 0;  // never called: cycle_counter_usable() is false
#endif
}

// The cycle counter, CLOCK_MONOTONIC and CLOCK_REALTIME read together: the counter is read
// before and after the two clocks and the middle kept, from the closest of a few tries.
struct ClockReading {
  std::uint64_t cycles = 0;
  std::int64_t monotonic_ns = 0;
  std::int64_t wall_ns = 0;
};
ClockReading read_clocks();

// The writer's conversion of cycle counts into wall time. Each refresh() takes a new reading;
// a record converts from the latest reading taken before it (older records from the oldest
// kept), so a wall-clock step (settimeofday, NTP) shows in the records taken after the next
// refresh. The rate comes from CLOCK_MONOTONIC, which NTP slews like the wall clock but never
// steps: first over a millisecond at start(), then over all the time since, measured again from a
// reading where the two clocks jumped apart (a suspend that one of them slept through).
class CycleCalibration {
 public:
  explicit CycleCalibration(std::function<ClockReading()> read = read_clocks) : read_(std::move(read)) {}

  // Takes the first reading, waits about a millisecond, takes the second: the first rate.
  void start();
  // Takes a new reading and refines the rate; the reading before it stays for older records.
  void refresh();
  // Nanoseconds since the epoch, UTC, for a count read by read_cycles().
  std::int64_t wall_ns(std::uint64_t cycles) const noexcept;
  double ns_per_cycle() const noexcept { return ns_per_cycle_; }

 private:
  std::function<ClockReading()> read_;
  ClockReading first_;
  ClockReading previous_;
  ClockReading current_;
  double ns_per_cycle_ = 1.0;
};

// For tests: how the Trackers constructed from now on take their timestamps. `allow` false
// forces CLOCK_REALTIME on the caller (as on a machine without a constant counter);
// `read_clocks`, when set, replaces the calibration's readings (to step its wall clock).
struct CycleClockSettings {
  bool allow = true;
  std::function<ClockReading()> read_clocks;
};
CycleClockSettings& cycle_clock_settings();

}  // namespace perfgate::tracker_detail
