// Unit parsing and formatting; see units.hpp.
#include "core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace perfgate {
namespace {

// Reads a non-negative decimal number at the front of text; advances text past it.
std::optional<double> take_number(std::string_view& text) {
  std::size_t i = 0;
  bool digits = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) { ++i; digits = true; }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) { ++i; digits = true; }
  }
  if (!digits) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i) return std::nullopt;
  text.remove_prefix(i);
  return value;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<Nanos> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ns = 0;
  bool first = true;
  while (!text.empty()) {
    auto number = take_number(text);
    if (!number) return std::nullopt;
    std::size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len]))) ++unit_len;
    std::string unit = lower(text.substr(0, unit_len));
    text.remove_prefix(unit_len);
    double scale;
    if (unit.empty()) {
      if (!first || !text.empty()) return std::nullopt;
      scale = 1e9;  // a bare number is seconds
    } else if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "µs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else if (unit == "d") scale = 86400e9;
    else return std::nullopt;
    total_ns += *number * scale;
    first = false;
  }
  if (!std::isfinite(total_ns) || total_ns > 1e18) return std::nullopt;
  return Nanos(static_cast<std::int64_t>(std::llround(total_ns)));
}

std::optional<double> parse_rate_per_s(std::string_view text) {
  auto number = take_number(text);
  if (!number || *number <= 0) return std::nullopt;
  double per = 1;
  if (!text.empty()) {
    if (text.front() != '/') return std::nullopt;
    text.remove_prefix(1);
    std::string unit = lower(text);
    if (unit == "s") per = 1;
    else if (unit == "m" || unit == "min") per = 60;
    else if (unit == "h") per = 3600;
    else return std::nullopt;
  }
  return *number / per;
}

std::optional<std::uint64_t> parse_size_bytes(std::string_view text) {
  auto number = take_number(text);
  if (!number) return std::nullopt;
  std::string unit = lower(text);
  double scale;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "kb" || unit == "kib" || unit == "k") scale = 1024.0;
  else if (unit == "mb" || unit == "mib" || unit == "m") scale = 1024.0 * 1024;
  else if (unit == "gb" || unit == "gib" || unit == "g") scale = 1024.0 * 1024 * 1024;
  else return std::nullopt;
  double bytes = *number * scale;
  if (bytes > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::optional<double> parse_byte_rate_per_s(std::string_view text) {
  if (text == "0") return 0.0;
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto bytes = parse_size_bytes(text.substr(0, slash));
  // The time unit alone ("MB/h"), as a rate of one per that unit.
  auto per_s = parse_rate_per_s("1" + std::string(text.substr(slash)));
  if (!bytes || !per_s) return std::nullopt;
  return static_cast<double>(*bytes) * *per_s;
}

std::optional<double> parse_percent_fraction(std::string_view text, double max_percent) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  auto number = take_number(text);
  if (!number || !text.empty() || *number > max_percent) return std::nullopt;
  return *number / 100.0;
}

std::string format_duration(Nanos d) {
  double ns = static_cast<double>(d.count());
  if (ns < 1e3) return fmt::format("{:.0f}ns", ns);
  if (ns < 1e6) return fmt::format("{:.2f}us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f}ms", ns / 1e6);
  return fmt::format("{:.2f}s", ns / 1e9);
}

std::string format_ms(double ms) { return format_duration(Nanos(static_cast<std::int64_t>(ms * 1e6))); }

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (bytes >= 1024 && i < 4) { bytes /= 1024; ++i; }
  return i == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[i]);
}

std::string format_count(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int since = static_cast<int>(digits.size() % 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (static_cast<int>(i) - since) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace perfgate
