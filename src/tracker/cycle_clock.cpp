// The tracker's cycle-counter clock: see cycle_clock.hpp.
#include "cycle_clock.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <string_view>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace perfgate::tracker_detail {
namespace {

// The start of a small file such as /proc/cpuinfo or a sysfs attribute ("" if unreadable).
std::string file_head(const char* path, std::size_t limit) {
  std::string text(limit, '\0');
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::size_t size = 0;
  while (size < limit) {
    const ssize_t n = ::read(fd, text.data() + size, limit - size);
    if (n <= 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(size);
  return text;
}

bool has_flag(std::string_view flags, std::string_view flag) {
  for (std::size_t pos = flags.find(flag); pos != std::string_view::npos; pos = flags.find(flag, pos + 1)) {
    const bool starts = pos == 0 || flags[pos - 1] == ' ' || flags[pos - 1] == '\t';
    const std::size_t end = pos + flag.size();
    if (starts && (end == flags.size() || flags[end] == ' ' || flags[end] == '\n')) return true;
  }
  return false;
}

// CPUID's "invariant TSC" (leaf 0x80000007, EDX bit 8), or the kernel's flags for it when a
// hypervisor hides the leaf.
bool counter_is_invariant() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  if (__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) != 0 && (edx & (1U << 8)) != 0) return true;
  const std::string cpuinfo = file_head("/proc/cpuinfo", 16384);
  const std::size_t flags = cpuinfo.find("\nflags");
  if (flags == std::string::npos) return false;
  const std::string_view line =
      std::string_view(cpuinfo).substr(flags + 1, cpuinfo.find('\n', flags + 1) - (flags + 1));
  return has_flag(line, "constant_tsc") && has_flag(line, "nonstop_tsc");
#else
  return false;
#endif
}

std::int64_t read_ns(clockid_t clock) noexcept {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

bool cycle_counter_usable() {
  static const bool usable = [] {
    if (!counter_is_invariant()) return false;
    const std::string source = file_head("/sys/devices/system/clocksource/clocksource0/current_clocksource", 64);
    return source == "tsc\n" || source == "tsc";
  }();
  return usable;
}

ClockReading read_clocks() {
  ClockReading best;
  std::uint64_t best_window = ~std::uint64_t{0};
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::uint64_t before = read_cycles();
    const std::int64_t monotonic = read_ns(CLOCK_MONOTONIC);
    const std::int64_t wall = read_ns(CLOCK_REALTIME);
    const std::uint64_t after = read_cycles();
    if (after - before < best_window) {
      best_window = after - before;
      best = {before + (after - before) / 2, monotonic, wall};
    }
  }
  return best;
}

void CycleCalibration::start() {
  first_ = read_();
  // A millisecond is enough for a rate good to a few parts in 100,000 (about ten microseconds
  // over a 200 ms flush interval); refresh() refines it.
  ClockReading second = read_();
  for (int naps = 0; second.monotonic_ns - first_.monotonic_ns < 1'000'000 && naps < 100; ++naps) {
    const timespec nap{0, 200'000};
    nanosleep(&nap, nullptr);
    second = read_();
  }
  previous_ = first_;
  if (second.cycles > first_.cycles && second.monotonic_ns > first_.monotonic_ns) {
    ns_per_cycle_ = static_cast<double>(second.monotonic_ns - first_.monotonic_ns) /
                    static_cast<double>(second.cycles - first_.cycles);
  }
  current_ = second;
}

void CycleCalibration::refresh() {
  const ClockReading next = read_();
  if (next.cycles <= current_.cycles) {
    // The counter went back (reset across a suspend): start again from here, at the same rate.
    if (next.cycles < current_.cycles) first_ = previous_ = current_ = next;
    return;
  }
  // One clock jumped against the other since the last reading (a suspend that the counter ran
  // through and CLOCK_MONOTONIC did not, or the reverse): measure the rate again from here.
  const auto elapsed_ns = static_cast<double>(next.monotonic_ns - current_.monotonic_ns);
  const double predicted_ns = static_cast<double>(next.cycles - current_.cycles) * ns_per_cycle_;
  if (std::fabs(predicted_ns - elapsed_ns) > 1e6 + std::fabs(elapsed_ns) / 100) first_ = next;
  previous_ = current_;
  current_ = next;
  if (next.monotonic_ns > first_.monotonic_ns) {
    ns_per_cycle_ = static_cast<double>(next.monotonic_ns - first_.monotonic_ns) /
                    static_cast<double>(next.cycles - first_.cycles);
  }
}

std::int64_t CycleCalibration::wall_ns(std::uint64_t cycles) const noexcept {
  const ClockReading& from = cycles >= current_.cycles ? current_ : previous_;
  // Signed: a record taken before the reading converts backwards from it.
  const auto ticks = static_cast<std::int64_t>(cycles - from.cycles);
  return from.wall_ns + std::llround(static_cast<double>(ticks) * ns_per_cycle_);
}

CycleClockSettings& cycle_clock_settings() {
  static CycleClockSettings settings;
  return settings;
}

}  // namespace perfgate::tracker_detail
