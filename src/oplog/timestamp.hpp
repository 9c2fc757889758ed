// ISO-8601 timestamps of operation logs: parsed without allocating (once per record, on the
// hot path of `perfgate report`) and formatted back for reports. Times are nanoseconds since
// the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::oplog {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

// "YYYY-MM-DDTHH:MM:SS[.f]Z" or with an offset "+HH:MM" / "-HH:MM" instead of "Z"; the fraction
// has 1 to 9 digits. Anything else (a space for the T, a missing zone, day 31 of April, a leap
// second, a time before 1677-09-21T00:12:43.145224192Z or after 2262-04-11T23:47:16.854775807Z,
// which 64-bit nanoseconds cannot hold) is nullopt.
//   parse_timestamp_ns("2026-01-06T13:28:00.191Z")       // 1767706080191000000
//   parse_timestamp_ns("2026-01-06T14:28:00+01:00")      // 1767706080000000000
std::optional<std::int64_t> parse_timestamp_ns(std::string_view text) noexcept;

// "2026-01-06T13:28:00.191Z": millisecond precision (rounded down), also before 1970.
std::string format_timestamp_ms(std::int64_t ns);

// "2026-01-06" for the UTC day the time falls in.
std::string format_date(std::int64_t ns);

}  // namespace perfgate::oplog
