// Parsing and formatting of the units users type and read: durations (500ms, 1h30m),
// rates (1000/s, 60/m), sizes (64KB, powers of 1024) and percentages (0.1%).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate {

using Nanos = std::chrono::nanoseconds;

// "500ms", "10s", "2m", "1h30m", "24h", "250us", "1.5s". A bare number is seconds.
std::optional<Nanos> parse_duration(std::string_view text);
// "1000", "1000/s", "1000/m", "60/h" -> requests per second (> 0).
std::optional<double> parse_rate_per_s(std::string_view text);
// "512B", "64KB", "500MB", "1GB", "10KiB"; a bare number is bytes.
std::optional<std::uint64_t> parse_size_bytes(std::string_view text);
// A growth of memory over time: "2MB/s", "1MB/h", "512KB/m" -> bytes per second (>= 0; "0"
// alone is allowed). The time unit is required, so "1MB" is not a rate.
std::optional<double> parse_byte_rate_per_s(std::string_view text);
// "0.1%" -> 0.001; "5" -> 0.05 (a bare number is a percentage); at most `max_percent`.
std::optional<double> parse_percent_fraction(std::string_view text, double max_percent = 100);

// Human formatting for summaries: "1.23ms", "456us", "2.5s".
std::string format_duration(Nanos d);
std::string format_ms(double ms);
// "12.3 KiB", "4.00 MiB".
std::string format_bytes(double bytes);
// "12,345"
std::string format_count(std::uint64_t n);

}  // namespace perfgate
