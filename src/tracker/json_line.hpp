// The tracker's JSON lines (internal to the library): formatting straight into a buffer sized
// beforehand, so that record() formats a line into its queue slot without allocating.
#pragma once

#include <perfgate/tracker.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::tracker_detail {

// Writers take a pointer into a buffer the caller sized (line_bound(), entry_bound()) and
// return the end of what they wrote.

// A JSON string: quoted, with quotes, backslashes and control characters escaped and invalid
// UTF-8 replaced by U+FFFD.
char* put_string(char* out, std::string_view text);
// A context value as JSON: a string, a number (null for NaN and infinities) or a literal.
char* put_context_value(char* out, const ContextValue& value);
// Room enough for `,"key":value` (quick rather than tight: it sizes a stack buffer).
std::size_t entry_bound(std::string_view key, const ContextValue& value);

struct LineFields {
  std::chrono::system_clock::time_point timestamp;
  std::string_view operation;
  double duration_ms;
  bool success;
  std::string_view session_json;  // already quoted and escaped
  std::optional<std::string_view> error;
  std::string_view context_members;  // already JSON, without the braces
};

// An upper bound of the line's length.
std::size_t line_bound(const LineFields& f);
// The line, in the documented key order, with its newline.
char* put_line(char* out, const LineFields& f);
std::string format_line(const LineFields& fields);

// "ses_" and 12 hex digits from the entropy source, the clock and the pid.
std::string generate_session_id();

// Context::set() walks the members it already wrote, which this file escaped, to replace a key.
// Small and called per entry, so inline.

// Past the JSON string starting at `pos` (its opening quote), in text this file escaped.
inline std::size_t skip_string(std::string_view text, std::size_t pos) {
  ++pos;
  while (text[pos] != '"') pos += text[pos] == '\\' ? 2 : 1;
  return pos + 1;
}

// Keys are short: a loop beats a call to memcmp.
inline bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Past the context value starting at `pos`: a string, or a number or literal running to the
// next comma.
inline std::size_t skip_value(std::string_view members, std::size_t pos) {
  if (members[pos] == '"') return skip_string(members, pos);
  while (pos < members.size() && members[pos] != ',') ++pos;
  return pos;
}

}  // namespace perfgate::tracker_detail
