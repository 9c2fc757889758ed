// The tracker's JSON lines (internal to the library): formatting straight into a buffer sized
// beforehand. The writer thread formats each record from the raw fields record() copied into
// its queue slot (record_queue.hpp); Context::set() escapes its entries with the same writers.
#pragma once

#include <perfgate/tracker.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// Copies text to out for record(): the short strings it mostly sees (names, keys) with at most
// two overlapping moves instead of a call to memcpy, which also must not see the null data of an
// empty string_view.
// n bytes, sizeof(Word) <= n <= 2 * sizeof(Word): the first and the last word, overlapping.
template <class Word>
void copy_two_words(char* out, const char* in, std::size_t n) noexcept {
  Word head{};
  Word tail{};
  std::memcpy(&head, in, sizeof head);
  std::memcpy(&tail, in + n - sizeof tail, sizeof tail);
  std::memcpy(out, &head, sizeof head);
  std::memcpy(out + n - sizeof tail, &tail, sizeof tail);
}

inline char* copy_bytes(char* out, std::string_view text) noexcept {
  const std::size_t n = text.size();
  const char* in = text.data();
  if (n > 16) {
    std::memcpy(out, in, n);
  } else if (n >= 8) {
    copy_two_words<std::uint64_t>(out, in, n);
  } else if (n >= 4) {
    copy_two_words<std::uint32_t>(out, in, n);
  } else if (n > 0) {
    out[0] = in[0];
    out[n / 2] = in[n / 2];
    out[n - 1] = in[n - 1];
  }
  return out + n;
}

// Context entries as record() copies them from a braced list, unescaped, for the writer to
// format: per entry a kind byte (ContextValue::Kind), the key's size (4 bytes) and bytes, then
// for a string or a char its size (4 bytes) and bytes, for the others the 8 bytes of the value.
// A key may repeat: the line has it once, where it first came, with its last value (as
// Context::set() would have done).
inline std::size_t raw_entry_size(const Context::Entry& entry) noexcept {
  const bool text = entry.value.kind() == ContextValue::Kind::kString || entry.value.kind() == ContextValue::Kind::kChar;
  return 5 + entry.key.size() + (text ? 4 + entry.value.text().size() : 8);
}

inline char* put_raw_entry(char* out, const Context::Entry& entry) noexcept {
  const auto put_size = [&out](std::size_t size) {
    const auto size32 = static_cast<std::uint32_t>(size);
    std::memcpy(out, &size32, 4);
    out += 4;
  };
  *out++ = static_cast<char>(entry.value.kind());
  put_size(entry.key.size());
  out = copy_bytes(out, entry.key);
  std::uint64_t bits = 0;
  switch (entry.value.kind()) {
    case ContextValue::Kind::kString:
    case ContextValue::Kind::kChar: {
      put_size(entry.value.text().size());
      return copy_bytes(out, entry.value.text());
    }
    case ContextValue::Kind::kSigned: {
      const std::int64_t value = entry.value.signed_value();
      std::memcpy(&bits, &value, 8);
      break;
    }
    case ContextValue::Kind::kUnsigned: bits = entry.value.unsigned_value(); break;
    case ContextValue::Kind::kDouble: {
      const double value = entry.value.double_value();
      std::memcpy(&bits, &value, 8);
      break;
    }
    case ContextValue::Kind::kBool: bits = entry.value.bool_value() ? 1 : 0; break;
  }
  std::memcpy(out, &bits, 8);
  return out + 8;
}

struct LineFields {
  std::chrono::system_clock::time_point timestamp;
  std::string_view operation;
  double duration_ms;
  bool success;
  std::string_view session_json;  // already quoted and escaped
  std::optional<std::string_view> error;
  std::string_view context_members;  // already JSON, without the braces; or raw entries (above)
  bool raw_context = false;
};

// An upper bound of the line's length.
std::size_t line_bound(const LineFields& f);
// The line, in the documented key order, with its newline.
char* put_line(char* out, const LineFields& f);

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
