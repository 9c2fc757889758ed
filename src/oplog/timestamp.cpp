// ISO-8601 timestamps; see timestamp.hpp. The calendar arithmetic is Howard Hinnant's
// days_from_civil / civil_from_days, exact for every proleptic Gregorian date.
#include "oplog/timestamp.hpp"

#include <fmt/format.h>

#include <cstring>

namespace perfgate::oplog {
namespace {

struct CivilDate {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t yoe = y - era * 400;
  std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool leap_year(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap_year(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[at...]; -1 when one of them is not a digit.
int digits(std::string_view text, std::size_t at, std::size_t n) {
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
    if (digit > 9) return -1;
    value = value * 10 + static_cast<int>(digit);
  }
  return value;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

}  // namespace

std::optional<std::int64_t> parse_timestamp_ns(std::string_view text) noexcept {
  // The fixed part: "YYYY-MM-DDTHH:MM:SS" (19 characters), then fraction and zone.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  // Logs are in time order, so the date, hour and minute are nearly always the previous
  // record's: remembered per thread (what the first 16 characters stand for), they save the
  // calendar work on the hot path of reading. The separators are checked above, so text that
  // matches the initial zeros never gets here.
  thread_local char cached_minute[16] = {};
  thread_local std::int64_t cached_minute_s = 0;
  std::int64_t minute_s;
  if (std::memcmp(text.data(), cached_minute, sizeof cached_minute) == 0) {
    minute_s = cached_minute_s;
  } else {
    int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    int hour = digits(text, 11, 2), minute = digits(text, 14, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
    minute_s = days_from_civil(year, month, day) * 86'400 + hour * 3600 + minute * 60;
    std::memcpy(cached_minute, text.data(), sizeof cached_minute);
    cached_minute_s = minute_s;
  }
  int second = digits(text, 17, 2);
  if (second < 0 || second > 59) return std::nullopt;
  std::size_t at = 19;
  std::int64_t fraction_ns = 0;
  if (text[at] == '.') {
    static constexpr std::int64_t kNanosPerDigit[] = {0,      100'000'000, 10'000'000, 1'000'000, 100'000,
                                                      10'000, 1'000,       100,        10,        1};
    std::size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (at - start == 9) return std::nullopt;
      fraction_ns = fraction_ns * 10 + (text[at] - '0');
      ++at;
    }
    if (at == start) return std::nullopt;
    fraction_ns *= kNanosPerDigit[at - start];
  }
  std::int64_t offset_s = 0;
  std::string_view zone = text.substr(at);
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
    int offset_h = digits(zone, 1, 2), offset_m = digits(zone, 4, 2);
    if (offset_h < 0 || offset_h > 23 || offset_m < 0 || offset_m > 59) return std::nullopt;
    offset_s = (offset_h * 3600 + offset_m * 60) * (zone[0] == '-' ? -1 : 1);
  }
  std::int64_t seconds = minute_s + second - offset_s;
  // Nanoseconds since 1970 fit 64 bits from 1677-09-21 to 2262-04-11; a time outside is no
  // time a report can hold (it would wrap around). Before 1970 the fraction counts up from the
  // second after, so that the earliest time that fits is not refused on the way.
  std::int64_t ns = 0;
  bool outside = seconds >= 0 ? __builtin_mul_overflow(seconds, kNanosPerSecond, &ns) ||
                                    __builtin_add_overflow(ns, fraction_ns, &ns)
                              : __builtin_mul_overflow(seconds + 1, kNanosPerSecond, &ns) ||
                                    __builtin_add_overflow(ns, fraction_ns - kNanosPerSecond, &ns);
  if (outside) return std::nullopt;
  return ns;
}

std::string format_timestamp_ms(std::int64_t ns) {
  std::int64_t ms = floor_div(ns, 1'000'000);
  std::int64_t days = floor_div(ms, 86'400'000);
  std::int64_t ms_of_day = ms - days * 86'400'000;
  CivilDate date = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year, date.month, date.day,
                     ms_of_day / 3'600'000, ms_of_day / 60'000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
}

std::string format_date(std::int64_t ns) {
  CivilDate date = civil_from_days(floor_div(ns, kNanosPerDay));
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

}  // namespace perfgate::oplog
