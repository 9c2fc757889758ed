// Clocks: a cheap monotonic nanosecond clock for measuring, and wall-clock timestamps
// in the ISO 8601 form the result document uses.
#pragma once

#include <cstdint>
#include <string>

namespace perfgate {

// CLOCK_MONOTONIC in nanoseconds (vDSO: a few ns per call, fine per request).
std::int64_t monotonic_ns() noexcept;
// Wall-clock time now, as nanoseconds since the Unix epoch.
std::int64_t wall_ns() noexcept;
// "2026-11-23T22:50:00.000Z" for a wall time in ns since the epoch.
std::string iso8601_utc(std::int64_t wall_time_ns);

}  // namespace perfgate
