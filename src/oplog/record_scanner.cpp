// The fast path of reading a record (scan_common_record, see record_parser.hpp): one pass over
// the line that validates strict JSON as it goes, for the subset of JSON trackers write. Every
// "return nullptr" / "return false" here means "not sure" and sends the line to the strict
// parse, which has the last word and the reason; so this file may refuse anything, but must
// never accept a line the strict parse refuses nor read a field differently. What it accepts:
//
// - strings of ASCII or valid UTF-8 (overlong forms, surrogates and code points over U+10FFFF
//   refused, as RFC 3629) without control characters; in the record's own fields without any
//   escape (so the bytes are the string), elsewhere with the two-character escapes only (\u is
//   left to the strict parse: it checks surrogate pairs);
// - numbers without an exponent and with at most 18 digits (always a finite double or an
//   int64 for simdjson); duration_ms besides without a sign and with at most 15 digits, so
//   that it is read exactly: the digits as an integer below 2^53, divided by a power of ten
//   below 10^22, both exact, is one correctly rounded division — the double simdjson gives;
// - true, false, null, objects and arrays nested at most kMaxDepth deep (simdjson allows 1024);
// - JSON whitespace (space, tab, CR, LF) between tokens and around the object, nothing after it.
#include <cstdint>
#include <cstring>
#include <iterator>

#include "oplog/record_parser.hpp"
#include "oplog/timestamp.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace perfgate::oplog {
namespace {

constexpr int kMaxDepth = 32;
constexpr int kMaxNumberDigits = 18;
constexpr int kMaxDurationDigits = 15;
constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
static_assert(sizeof kPowersOfTen / sizeof kPowersOfTen[0] == kMaxDurationDigits + 1);

enum class Kind : std::uint8_t { kString, kNumber, kTrue, kFalse, kNull, kObject, kArray };

// What value_end found; only the members of its kind are set.
struct Value {
  Kind kind;
  bool escaped;          // a string with an escape: its bytes are not its text
  bool negative;         // a number with a minus sign
  int digit_count;       // a number's digits, before and after the point
  int fraction;          // of them after the point
  std::uint64_t digits;  // a number's digits as one integer (fits: at most 18 of them)
  const char* begin;     // a string's text (without the quotes)
  const char* end;
};

bool is_digit(char c) { return static_cast<unsigned char>(c) - unsigned{'0'} < 10; }

[[gnu::noinline]] const char* skip_some_whitespace(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
  return p;
}

// Whitespace is rare in tracker lines: one comparison says there is none. The byte at `end` is
// padding, readable, and the slow path does not take it.
[[gnu::always_inline]] inline const char* skip_whitespace(const char* p, const char* end) {
  return static_cast<unsigned char>(*p) <= ' ' ? skip_some_whitespace(p, end) : p;
}

bool continuation(const char* p, const char* end, unsigned char low = 0x80, unsigned char high = 0xBF) {
  if (p >= end) return false;
  auto c = static_cast<unsigned char>(*p);
  return c >= low && c <= high;
}

// The end of the UTF-8 sequence at `p` (its first byte is >= 0x80), or nullptr when it is not
// a valid one (Unicode's table 3-7 of well-formed byte sequences).
const char* utf8_sequence_end(const char* p, const char* end) {
  auto lead = static_cast<unsigned char>(*p);
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(p + 1, end) ? p + 2 : nullptr;
  if (lead >= 0xE0 && lead <= 0xEF) {
    unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;   // no overlong forms
    unsigned char high = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    return continuation(p + 1, end, low, high) && continuation(p + 2, end) ? p + 3 : nullptr;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    unsigned char low = lead == 0xF0 ? 0x90 : 0x80;   // no overlong forms
    unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;  // nothing over U+10FFFF
    return continuation(p + 1, end, low, high) && continuation(p + 2, end) && continuation(p + 3, end) ? p + 4
                                                                                                       : nullptr;
  }
  return nullptr;
}

// \" \\ \/ \b \f \n \r \t
bool two_character_escape(char c) {
  switch (c) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      return true;
    default:
      return false;
  }
}

// `p` is just after a string's opening quote: the position of its closing quote, or nullptr.
// `escaped` is set when the string has a (two-character) escape.
[[gnu::always_inline]] inline const char* string_end(const char* p, const char* end, bool& escaped) {
  for (;;) {
#if defined(__SSE2__)
    // 16 bytes at a time to the first quote, backslash, control character or non-ASCII byte
    // (the signed comparison takes the bytes >= 0x80 as negative). The loads may read past
    // `end` into the padding; what they find there is ignored.
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask == 0) {
      p += 16;
      if (p >= end) return nullptr;
      continue;
    }
    p += __builtin_ctz(mask);
#else
    while (p < end) {
      auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p;
    }
#endif
    if (p >= end) return nullptr;
    auto c = static_cast<unsigned char>(*p);
    if (c == '"') return p;
    if (c >= 0x80) {
      p = utf8_sequence_end(p, end);
      if (p == nullptr) return nullptr;
    } else if (c == '\\' && p + 1 < end && two_character_escape(p[1])) {
      escaped = true;
      p += 2;
    } else {
      return nullptr;  // a control character, \u, or a backslash that escapes nothing
    }
  }
}

// A number at `p`: -?(0|[1-9][0-9]*)(\.[0-9]+)?, at most kMaxNumberDigits digits, no exponent.
[[gnu::always_inline]] inline const char* number_end(const char* p, const char* end, Value& value) {
  value.negative = p < end && *p == '-';
  if (value.negative) ++p;
  std::uint64_t digits = 0;
  const char* first = p;
  if (p < end && *p == '0') {
    ++p;
  } else {
    for (; p < end && is_digit(*p); ++p)
      digits = digits * 10 + static_cast<unsigned>(*p - '0');  // wraps past 19 digits: refused below
  }
  if (p == first) return nullptr;
  int count = static_cast<int>(p - first);
  value.fraction = 0;
  if (p < end && *p == '.') {
    const char* fraction = ++p;
    for (; p < end && is_digit(*p); ++p) digits = digits * 10 + static_cast<unsigned>(*p - '0');
    if (p == fraction) return nullptr;
    value.fraction = static_cast<int>(p - fraction);
    count += value.fraction;
  }
  if (count > kMaxNumberDigits) return nullptr;
  if (p < end && (*p == 'e' || *p == 'E')) return nullptr;
  value.digits = digits;
  value.digit_count = count;
  return p;  // what follows is checked by the caller: a digit after "0" is no JSON
}

[[gnu::always_inline]] inline const char* literal_end(const char* p, const char* end, const char* word,
                                                      std::size_t size) {
  return static_cast<std::size_t>(end - p) >= size && std::memcmp(p, word, size) == 0 ? p + size : nullptr;
}

const char* container_end(const char* p, const char* end, char close, int depth);

// The value at `p` (no whitespace before it), validated; what it is goes to `value`.
[[gnu::always_inline]] inline const char* value_end(const char* p, const char* end, Value& value, int depth) {
  if (p >= end) return nullptr;
  switch (*p) {
    case '"':
      value.kind = Kind::kString;
      value.escaped = false;
      value.begin = p + 1;
      value.end = string_end(p + 1, end, value.escaped);
      return value.end == nullptr ? nullptr : value.end + 1;
    case '{':
      value.kind = Kind::kObject;
      return container_end(p + 1, end, '}', depth + 1);
    case '[':
      value.kind = Kind::kArray;
      return container_end(p + 1, end, ']', depth + 1);
    case 't':
      value.kind = Kind::kTrue;
      return literal_end(p, end, "true", 4);
    case 'f':
      value.kind = Kind::kFalse;
      return literal_end(p, end, "false", 5);
    case 'n':
      value.kind = Kind::kNull;
      return literal_end(p, end, "null", 4);
    default:
      value.kind = Kind::kNumber;
      return number_end(p, end, value);
  }
}

// A container after its opening bracket; `close` is '}' or ']'.
const char* container_end(const char* p, const char* end, char close, int depth) {
  if (depth > kMaxDepth) return nullptr;
  p = skip_whitespace(p, end);
  if (p < end && *p == close) return p + 1;
  for (;;) {
    if (close == '}') {
      if (p >= end || *p != '"') return nullptr;
      bool escaped = false;
      p = string_end(p + 1, end, escaped);
      if (p == nullptr) return nullptr;
      p = skip_whitespace(p + 1, end);
      if (p >= end || *p != ':') return nullptr;
      p = skip_whitespace(p + 1, end);
    }
    Value inner;
    p = value_end(p, end, inner, depth);
    if (p == nullptr) return nullptr;
    p = skip_whitespace(p, end);
    if (p >= end) return nullptr;
    if (*p == close) return p + 1;
    if (*p != ',') return nullptr;
    p = skip_whitespace(p + 1, end);
  }
}

// The fields of a record; kOther for any other key.
enum Field : std::uint8_t { kTimestamp, kOperation, kDuration, kSuccess, kSession, kError, kContext, kOther, kFields };

Field field_named(std::string_view name) {
  switch (name.size()) {
    case 5:
      return name == "error" ? kError : kOther;
    case 7:
      return name == "success" ? kSuccess : name == "context" ? kContext : kOther;
    case 9:
      return name == "timestamp" ? kTimestamp : kOther;
    case 10:
      return name == "session_id" ? kSession : kOther;
    case 11:
      return name == "duration_ms" ? kDuration : kOther;
    case 14:
      return name == "operation_type" ? kOperation : kOther;
    default:
      return kOther;
  }
}

// The bytes before each value as trackers write them, in their order: the opening brace or the
// comma, the key and the colon. A line written so finds each key with one or two 16-byte
// comparisons and no whitespace to skip.
struct KeyInTrackerOrder {
  char text[32];
  unsigned size;  // at most 31
  Field field;
};
constexpr KeyInTrackerOrder kTrackerOrder[] = {
    {"{\"timestamp\":", 13, kTimestamp}, {",\"operation_type\":", 18, kOperation}, {",\"duration_ms\":", 15, kDuration},
    {",\"success\":", 11, kSuccess},     {",\"session_id\":", 14, kSession},       {",\"error\":", 9, kError},
    {",\"context\":", 11, kContext},
};

[[gnu::always_inline]] inline bool written_at(const char* p, const char* end, const KeyInTrackerOrder& key) {
  if (static_cast<std::size_t>(end - p) < key.size) return false;
#if defined(__SSE2__)
  auto equal = [](const char* a, const char* b) {
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(a)), _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)))));
  };
  unsigned same = equal(p, key.text);
  if (key.size > 16) same |= equal(p + 16, key.text + 16) << 16;
  const unsigned wanted = (1u << key.size) - 1;
  return (same & wanted) == wanted;
#else
  return std::memcmp(p, key.text, key.size) == 0;
#endif
}

// A string without escapes at `p` into `text`; the position after it, or nullptr.
[[gnu::always_inline]] inline const char* plain_string_end(const char* p, const char* end, std::string_view& text) {
  if (*p != '"') return nullptr;  // the byte at `end` is padding: readable
  bool escaped = false;
  const char* close = string_end(p + 1, end, escaped);
  if (close == nullptr || escaped) return nullptr;
  text = std::string_view(p + 1, static_cast<std::size_t>(close - p - 1));
  return close + 1;
}

// An optional string without escapes, or null.
[[gnu::always_inline]] inline const char* optional_string_end(const char* p, const char* end,
                                                              std::optional<std::string_view>& text) {
  text.reset();
  if (*p == 'n') return literal_end(p, end, "null", 4);
  std::string_view plain;
  p = plain_string_end(p, end, plain);
  if (p != nullptr) text = plain;
  return p;
}

// The shape the tracker writes (src/tracker/json_line.cpp), straight through: its keys in its
// order without whitespace, each value of the kind it writes (session_id, error and context may
// be left out at the end). Each key is then one comparison with a constant and no value needs
// a dispatch: a third of the work of the general loop below, which reads the line again from
// its start when anything differs. `p` is at the opening brace.
const char* tracker_shape_end(const char* p, const char* end, OperationRecord& record, Value& duration) {
  if (!written_at(p, end, kTrackerOrder[0])) return nullptr;
  p = plain_string_end(p + kTrackerOrder[0].size, end, record.timestamp);
  if (p == nullptr || !written_at(p, end, kTrackerOrder[1])) return nullptr;
  p = plain_string_end(p + kTrackerOrder[1].size, end, record.operation);
  if (p == nullptr || !written_at(p, end, kTrackerOrder[2])) return nullptr;
  duration.kind = Kind::kNumber;
  p = number_end(p + kTrackerOrder[2].size, end, duration);
  if (p == nullptr || !written_at(p, end, kTrackerOrder[3])) return nullptr;
  p += kTrackerOrder[3].size;
  record.success = *p == 't';
  p = record.success ? literal_end(p, end, "true", 4) : literal_end(p, end, "false", 5);
  record.session_id.reset();
  record.error.reset();
  if (p == nullptr || (*p == '}' && p < end)) return p;
  if (!written_at(p, end, kTrackerOrder[4])) return nullptr;
  p = optional_string_end(p + kTrackerOrder[4].size, end, record.session_id);
  if (p == nullptr || (*p == '}' && p < end)) return p;
  if (!written_at(p, end, kTrackerOrder[5])) return nullptr;
  p = optional_string_end(p + kTrackerOrder[5].size, end, record.error);
  if (p == nullptr || (*p == '}' && p < end)) return p;
  if (!written_at(p, end, kTrackerOrder[6])) return nullptr;
  p += kTrackerOrder[6].size;
  if (*p == 'n') return literal_end(p, end, "null", 4);
  return *p == '{' ? container_end(p + 1, end, '}', 1) : nullptr;
}

bool plain_string(const Value& value, std::string_view& text) {
  if (value.kind != Kind::kString || value.escaped) return false;
  text = std::string_view(value.begin, static_cast<std::size_t>(value.end - value.begin));
  return true;
}

// The checks of a record both ways share: a name, a duration read exactly (see the top of the
// file) and at most a year, a timestamp of the accepted forms.
bool record_checks_out(OperationRecord& record, const Value& duration) {
  if (record.operation.empty()) return false;
  if (duration.kind != Kind::kNumber || duration.negative || duration.digit_count > kMaxDurationDigits) return false;
  record.duration_ms = static_cast<double>(duration.digits);
  if (duration.fraction > 0) record.duration_ms /= kPowersOfTen[duration.fraction];
  if (!(record.duration_ms <= kMaxDurationMs)) return false;
  std::optional<std::int64_t> ns = parse_timestamp_ns(record.timestamp);
  if (!ns) return false;
  record.timestamp_ns = *ns;
  return true;
}

}  // namespace

bool scan_common_record(std::string_view line, OperationRecord& record) noexcept {
  const char* p = line.data();
  const char* const end = p + line.size();
  p = skip_whitespace(p, end);
  if (p >= end || *p != '{') return false;
  Value duration;
  if (const char* close = tracker_shape_end(p, end, record, duration);
      close != nullptr && close < end && *close == '}' && skip_whitespace(close + 1, end) == end) {
    return record_checks_out(record, duration);
  }
  // The last occurrence of a key wins, as in the strict parse.
  Value values[kFields];
  unsigned present = 0;      // a bit per field
  std::size_t expected = 0;  // the next key in tracker order
  for (;;) {                 // at the brace or a comma
    Field field;
    if (expected < std::size(kTrackerOrder) && written_at(p, end, kTrackerOrder[expected])) {
      field = kTrackerOrder[expected].field;
      p += kTrackerOrder[expected].size;
      ++expected;
    } else {
      p = skip_whitespace(p + 1, end);
      if (p >= end || *p != '"') return false;  // also "{}": no record
      const char* key = p + 1;
      bool escaped = false;
      const char* key_end = string_end(key, end, escaped);
      if (key_end == nullptr || escaped) return false;  // an escaped key may spell one of ours
      field = field_named(std::string_view(key, static_cast<std::size_t>(key_end - key)));
      p = skip_whitespace(key_end + 1, end);
      if (p >= end || *p != ':') return false;
      ++p;
    }
    p = skip_whitespace(p, end);
    p = value_end(p, end, values[field], 0);
    if (p == nullptr) return false;
    present |= 1u << field;
    p = skip_whitespace(p, end);
    if (p >= end) return false;
    if (*p == '}') break;
    if (*p != ',') return false;
  }
  if (skip_whitespace(p + 1, end) != end) return false;

  constexpr unsigned kRequired = 1u << kTimestamp | 1u << kOperation | 1u << kDuration | 1u << kSuccess;
  if ((present & kRequired) != kRequired) return false;
  if (!plain_string(values[kOperation], record.operation)) return false;
  if (values[kSuccess].kind != Kind::kTrue && values[kSuccess].kind != Kind::kFalse) return false;
  record.success = values[kSuccess].kind == Kind::kTrue;
  if (!plain_string(values[kTimestamp], record.timestamp)) return false;
  // The optional fields: absent, null, or (session_id, error) a string without escapes.
  for (auto [field, text] : {std::pair{kSession, &record.session_id}, std::pair{kError, &record.error}}) {
    text->reset();
    if ((present >> field & 1) == 0 || values[field].kind == Kind::kNull) continue;
    std::string_view plain;
    if (!plain_string(values[field], plain)) return false;
    *text = plain;
  }
  if ((present >> kContext & 1) != 0 && values[kContext].kind != Kind::kNull &&
      values[kContext].kind != Kind::kObject) {
    return false;
  }
  return record_checks_out(record, values[kDuration]);
}

}  // namespace perfgate::oplog
