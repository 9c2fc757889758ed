// HdrHistogram's interval log; see hdr_interval_log.hpp.
#include "core/hdr_interval_log.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "core/histogram_codec.hpp"

namespace perfgate {
namespace {

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The seconds that follow `prefix` at the start of a header line ("#[StartTime: 1764979200.000 (…").
std::optional<double> header_seconds(std::string_view line, std::string_view prefix) {
  if (!line.starts_with(prefix)) return std::nullopt;
  line.remove_prefix(prefix.size());
  return parse_number(line.substr(0, line.find_first_of(" ]")));
}

}  // namespace

std::string hdr_log_header(std::int64_t base_wall_ns) {
  double seconds = static_cast<double>(base_wall_ns) / 1e9;
  std::time_t whole = static_cast<std::time_t>(base_wall_ns / 1'000'000'000);
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char date[64];
  std::strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &utc);
  return fmt::format(
      "#[Histogram log format version 1.3]\n"
      "#[StartTime: {:.3f} (seconds since epoch), {}]\n"
      "#[BaseTime: {:.3f} (seconds since epoch)]\n"
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
      seconds, date, seconds);
}

std::string hdr_log_interval_line(double start_s, double length_s, const Histogram& interval) {
  return fmt::format("{:.3f},{:.3f},{:.3f},{}\n", start_s, length_s, static_cast<double>(interval.max()) / 1e6,
                     encode_hdr_v2_base64(interval));
}

std::optional<HdrLog> read_hdr_log(std::string_view text, std::string* error) {
  HdrLog log;
  bool base_seen = false;
  std::size_t line_number = 0;
  auto failed = [&](const std::string& why) -> std::optional<HdrLog> {
    if (error != nullptr) *error = fmt::format("line {}: {}", line_number, why);
    return std::nullopt;
  };
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (auto start = header_seconds(line, "#[StartTime: ")) log.start_time_s = *start;
      if (auto base = header_seconds(line, "#[BaseTime: ")) {
        log.base_time_s = *base;
        base_seen = true;
      }
      continue;
    }
    if (line.front() == '"') continue;  // the legend
    if (line.starts_with("Tag=")) line.remove_prefix(std::min(line.size(), line.find(',') + 1));
    std::string_view fields[4];
    for (int i = 0; i < 3; ++i) {
      std::size_t comma = line.find(',');
      if (comma == std::string_view::npos) return failed("expected 4 comma-separated columns");
      fields[i] = line.substr(0, comma);
      line.remove_prefix(comma + 1);
    }
    fields[3] = line;
    auto start = parse_number(fields[0]);
    auto length = parse_number(fields[1]);
    auto max = parse_number(fields[2]);
    if (!start || !length || !max) return failed("expected numbers in the first three columns");
    std::string why;
    auto histogram = decode_hdr_v2_base64(fields[3], &why);
    if (!histogram) return failed("the histogram cannot be decoded: " + why);
    log.intervals.push_back({*start, *length, *max, std::move(*histogram)});
  }
  if (!base_seen) log.base_time_s = log.start_time_s;
  return log;
}

}  // namespace perfgate
