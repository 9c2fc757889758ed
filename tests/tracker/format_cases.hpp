// Records whose lines must stay byte for byte what the tracker wrote when it formatted them on
// the caller's thread: tests/tracker/format_reference.jsonl holds those lines, one per case in
// this order, as the tracker of commit 4604050 wrote them (a Tracker with session id
// kFormatCaseSession and a clock giving each case's `when`, each case recorded with
// Context(context)). The cases cover what the writer thread now formats from raw fields:
// escaping in every string, invalid and valid non-ASCII UTF-8, keys repeated or equal once
// escaped, every kind of value, many fields, durations and timestamps at their limits, and
// records around and far past the size of a queue slot's inline bytes.
#pragma once

#include <perfgate/tracker.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::tracker_test {

// Quotes, a backslash, a control character and invalid UTF-8: every line carries it.
constexpr std::string_view kFormatCaseSession = "ses_\"q\\\x01\xff";

struct FormatCase {
  std::string_view operation;
  double duration_ms;
  bool success;
  std::initializer_list<Context::Entry> context;  // lives as long as the FormatCase temporary
  std::optional<std::string_view> error;
  std::chrono::system_clock::time_point when;
};

// Calls sink(FormatCase) once per case, always in the same order.
template <class Sink>
void for_each_format_case(Sink&& sink) {
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  using std::nullopt;
  const system_clock::time_point fixed(milliseconds(1'767'706'080'191));  // 2026-01-06T13:28:00.191Z
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  enum class Color { kBlue = 7 };

  // What call sites usually write.
  sink(FormatCase{"agent_register", 45.5, true, {{"agents", 5}, {"region", "eu"}}, nullopt, fixed});
  sink(FormatCase{"agent_register", 45, true, {}, nullopt, fixed});
  sink(FormatCase{"callback", 812.25, false,
                  {{"region", "eu"},
                   {"agents", -3},
                   {"bytes", std::uint64_t{18'446'744'073'709'551'615u}},
                   {"ratio", 0.5},
                   {"retry", true},
                   {"nan", kNan}},
                  "timeout after 800 ms", fixed});

  // Escaping in every string: operation, error, keys and values.
  const std::string with_nul("nul\0x", 5);
  sink(FormatCase{"say \"hi\" C:\\temp\n\t\r\b\f\x01\x1f\x7f/", 1, false,
                  {{"a,b", "x,\"y\\"}, {"k\"", "line\nbreak\ttab"}, {"\\", "\x1b[31m"}, {"nul", with_nul}},
                  "error: \"quoted\" \\ \r\n\x02", fixed});
  sink(FormatCase{with_nul, 1, true, {{with_nul, with_nul}}, with_nul, fixed});

  // Non-ASCII: valid UTF-8 passes through, invalid becomes U+FFFD, in every string.
  sink(FormatCase{"café 日本語 𝄞 10 €", 2.5, true, {{"é", "ü€"}, {"clef", "𝄞"}, {"max", "\xF4\x8F\xBF\xBF"}},
                  "échec: délai dépassé", fixed});
  sink(FormatCase{"\xff|a\xc3|\xe2\x82"
                  "A|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\x80ok|\xEF\xBF\xBD",
                  1, false, {{"bad\xff", "\xfe\xfe"}, {"trunc", "a\xc3"}}, "\xc3\x28 not utf-8", fixed});

  // Keys repeated, or equal once escaped (invalid UTF-8 becomes the same U+FFFD): the line has
  // each key once, where it first came, with its last value.
  sink(FormatCase{"repeat", 1, true, {{"a", 1}, {"b", 2}, {"a", 3}}, nullopt, fixed});
  sink(FormatCase{"repeat", 1, true, {{"a", "x"}, {"a", 2.5}, {"b", true}, {"a", false}, {"c", 'c'}, {"b", 0}},
                  nullopt, fixed});
  sink(FormatCase{"invalid_keys", 1, true, {{"\xff", 1}, {"\xfe", 2}}, nullopt, fixed});
  sink(FormatCase{"invalid_keys", 1, true, {{"\xEF\xBF\xBD", 1}, {"x", 0}, {"\xff", 2}}, nullopt, fixed});
  sink(FormatCase{"invalid_keys", 1, true, {{"\xc0\xaf", 1}, {"\xff\xff", 2}, {"\xff", 3}}, nullopt, fixed});
  sink(FormatCase{"invalid_keys", 1, true, {{"\xe2\x82", 1}, {"\xe2", 2}, {"\xe2\x82\xac", 3}}, nullopt, fixed});
  sink(FormatCase{"prefix_keys", 1, true, {{"ab", 1}, {"a", 2}, {"abc", 3}, {"", 4}, {"", 5}}, nullopt, fixed});

  // Every kind of value.
  const std::string text = "text";
  const char* const null_text = nullptr;
  sink(FormatCase{"values", 1, true,
                  {{"char", 'x'},
                   {"quote_char", '"'},
                   {"nul_char", '\0'},
                   {"enum", Color::kBlue},
                   {"float", 0.25f},
                   {"long", 5L},
                   {"short", short{-7}},
                   {"unsigned", 5u},
                   {"int64_min", std::numeric_limits<std::int64_t>::min()},
                   {"uint64_max", std::numeric_limits<std::uint64_t>::max()},
                   {"string", text},
                   {"view", std::string_view("sv")},
                   {"null_pointer", null_text},
                   {"empty", ""},
                   {"zero", 0},
                   {"true", true},
                   {"false", false}},
                  nullopt, fixed});
  sink(FormatCase{"doubles", 1, true,
                  {{"tenth", 0.1},
                   {"big", 1e21},
                   {"negative_zero", -0.0},
                   {"denormal", 5e-324},
                   {"max", std::numeric_limits<double>::max()},
                   {"third", 1.0 / 3.0},
                   {"infinity", kInfinity},
                   {"minus_infinity", -kInfinity},
                   {"nan", kNan}},
                  nullopt, fixed});

  // Many fields: past the slot's inline bytes, and within them.
  sink(FormatCase{"many", 3.25, true,
                  {{"f00", 0},      {"f01", "one"}, {"f02", 2.5},  {"f03", true},   {"f04", -4},    {"f05", "five"},
                   {"f06", 6u},     {"f07", 'q'},   {"f08", 0.08}, {"f09", false},  {"f10", 10},    {"f11", "eleven"},
                   {"f12", 12.75},  {"f13", true},  {"f14", -14},  {"f15", "15"},   {"f16", 16u},   {"f17", 'r'},
                   {"f18", 1e-18},  {"f19", false}, {"f20", 20},   {"f21", "\"21\""}, {"f22", 22.5}, {"f23", true}},
                  nullopt, fixed});
  sink(FormatCase{"few_small", 1, true,
                  {{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}, {"f", 6}, {"g", 7}, {"h", 8}, {"i", 9}, {"j", 10}},
                  nullopt, fixed});

  // Long strings: far past a slot's inline bytes in each field.
  const std::string long_operation(300, 'o');
  const std::string long_value = std::string(4000, 'v') + "\n\"\xff" + std::string(1000, 'w');
  const std::string long_key(200, 'k');
  const std::string long_error = std::string(1000, 'e') + "\t\x01";
  sink(FormatCase{long_operation, 1, false, {{long_key, long_value}, {"n", 1}}, long_error, fixed});
  sink(FormatCase{"long_context_only", 1, true, {{"payload", long_value}}, nullopt, fixed});
  // Around the size of the inline bytes (the JSON of a Context and the raw entries differ in
  // length, so both cross it somewhere in these).
  for (std::size_t size = 190; size <= 215; ++size) {
    const std::string operation(size, 'x');
    sink(FormatCase{operation, 1, true, {}, nullopt, fixed});
  }
  for (std::size_t size = 180; size <= 210; ++size) {
    const std::string value(size, 'v');
    sink(FormatCase{"op", 1, true, {{"k", value}}, nullopt, fixed});
    sink(FormatCase{"op", 1, false, {{"k", value}}, "e", fixed});
  }

  // Durations: rounding to three decimals, signs, and what JSON cannot hold.
  for (const double duration : {0.0, -0.0, 0.0005, 0.0004999, -0.0001, 2.0004, 1.10, -2.5, 123456789.987, 1e300,
                                -1.2345678901234567e+300, kNan, kInfinity, -kInfinity}) {
    sink(FormatCase{"duration", duration, true, {}, nullopt, fixed});
  }

  // Timestamps: the epoch, before it, leap days, and the clock's limits.
  for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{951'868'799'999},
                                std::int64_t{951'868'800'000}, std::int64_t{1'709'251'199'000},
                                std::int64_t{4'102'444'800'000}}) {
    sink(FormatCase{"timestamp", 1, true, {}, nullopt, system_clock::time_point(milliseconds(ms))});
  }
  sink(FormatCase{"timestamp", 1, true, {}, nullopt, system_clock::time_point::max()});
  sink(FormatCase{"timestamp", 1, true, {}, nullopt, system_clock::time_point::min()});

  // Empty strings, and an error given on success.
  sink(FormatCase{"", 1, true, {{"", ""}}, "", fixed});
  sink(FormatCase{"ok_with_error", 1, true, {}, "retried once", fixed});
  sink(FormatCase{"failed_without_error", 1, false, {}, nullopt, fixed});
}

}  // namespace perfgate::tracker_test
