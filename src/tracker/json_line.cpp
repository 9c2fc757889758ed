// The tracker's JSON lines: see json_line.hpp. Hand-written rather than a JSON library's,
// because the writer thread formats millions of lines a second, Context::set() escapes on the
// caller's thread, and the library must depend on nothing users would have to install.
#include "json_line.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

namespace perfgate::tracker_detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";

char* put(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_integer(char* out, std::int64_t value) { return std::to_chars(out, out + 24, value).ptr; }
char* put_integer(char* out, std::uint64_t value) { return std::to_chars(out, out + 24, value).ptr; }

// Shortest form that reads back as the same double; JSON has no NaN or infinity.
char* put_double(char* out, double value) {
  return std::isfinite(value) ? std::to_chars(out, out + 32, value).ptr : put(out, "null");
}

char* put_padded(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// "2026-01-06T13:28:00" for a second since the epoch, UTC. gmtime_r would take glibc's timezone
// lock; this is H. Hinnant's days-to-civil arithmetic instead.
char* put_date_time(char* out, std::int64_t epoch_second) {
  constexpr std::int64_t kSecondsPerDay = 86'400;
  const std::int64_t days = epoch_second / kSecondsPerDay - (epoch_second % kSecondsPerDay < 0 ? 1 : 0);
  const auto second_of_day = static_cast<unsigned>(epoch_second - days * kSecondsPerDay);
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  out = year >= 0 && year <= 9999 ? put_padded(out, static_cast<unsigned>(year), 4) : put_integer(out, year);
  *out++ = '-';
  out = put_padded(out, month, 2);
  *out++ = '-';
  out = put_padded(out, day, 2);
  *out++ = 'T';
  out = put_padded(out, second_of_day / 3600, 2);
  *out++ = ':';
  out = put_padded(out, second_of_day / 60 % 60, 2);
  *out++ = ':';
  return put_padded(out, second_of_day % 60, 2);
}

// "2026-01-06T13:28:00.191Z": UTC, milliseconds. Each thread keeps the text of the last second it
// formatted, since records come many to a second.
char* put_timestamp(char* out, std::chrono::system_clock::time_point time) {
  struct Cache {
    std::int64_t second = std::numeric_limits<std::int64_t>::min();
    std::size_t length = 0;
    char text[32];
  };
  thread_local Cache cache;
  const std::int64_t ms = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::int64_t second = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  if (second != cache.second) {
    cache.length = static_cast<std::size_t>(put_date_time(cache.text, second) - cache.text);
    cache.second = second;
  }
  // A fixed-size copy (the line's bound leaves room for it) is cheaper than a memcpy call.
  std::memcpy(out, cache.text, sizeof cache.text);
  out += cache.length;
  *out++ = '.';
  out = put_padded(out, static_cast<unsigned>(ms - second * 1000), 3);
  *out++ = 'Z';
  return out;
}

// duration_ms: 45, 45.5, 0.123 (at most three decimals, no trailing zeros); null when not finite.
char* put_duration_ms(char* out, double value) {
  if (!std::isfinite(value)) return put(out, "null");
  const double thousandths = value * 1000.0;
  if (std::fabs(thousandths) >= 0x1p52) return std::to_chars(out, out + 32, value).ptr;  // past 142 years
  // std::round (half away from zero) without the library call: below 2^52 the fraction is exact.
  auto n = static_cast<std::int64_t>(thousandths);
  const double fraction_left = thousandths - static_cast<double>(n);
  if (fraction_left >= 0.5) ++n;
  if (fraction_left <= -0.5) --n;
  if (n < 0) {
    *out++ = '-';
    n = -n;
  }
  out = put_integer(out, n / 1000);
  auto fraction = static_cast<unsigned>(n % 1000);
  if (fraction != 0) {
    int digits = 3;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    *out++ = '.';
    out = put_padded(out, fraction, digits);
  }
  return out;
}

// The length of the UTF-8 sequence starting at p if it is well formed (Unicode table 3-7: no
// overlong forms, no surrogates, nothing past U+10FFFF); otherwise minus the length of its
// maximal ill-formed prefix, which becomes one U+FFFD as Unicode recommends.
int utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = *p;
  int length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return -1;
  }
  for (int i = 1; i < length; ++i) {
    if (p + i >= end || p[i] < low || p[i] > high) return -i;
    low = 0x80;
    high = 0xBF;
  }
  return length;
}

// Whether any of the eight bytes is a control character, a quote, a backslash or not ASCII
// (the classic SWAR tests for a zero byte and for a byte below n).
bool needs_escape_or_check(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const std::uint64_t quote = word ^ (kOnes * '"');
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  const std::uint64_t special = (word - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes) | word;
  return (special & kHighs) != 0;
}

// A JSON string body: quotes, backslash and control characters escaped (short forms where JSON
// has them), valid UTF-8 passed through, invalid UTF-8 replaced by U+FFFD. At most 6 bytes out
// per byte in.
char* put_escaped(char* out, std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = p + text.size();
  while (p < end) {
    // Eight bytes at a time while none needs a second look, then byte by byte.
    for (std::uint64_t word = 0; end - p >= 8; p += 8, out += 8) {
      std::memcpy(&word, p, 8);
      if (needs_escape_or_check(word)) break;
      std::memcpy(out, &word, 8);
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') *out++ = static_cast<char>(*p++);
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      *out++ = '\\';
      switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
          out = put(out, "u00");
          *out++ = kHex[c >> 4];
          *out++ = kHex[c & 0xF];
      }
      ++p;
      continue;
    }
    const int length = utf8_sequence(p, end);
    if (length > 0) {
      std::memcpy(out, p, static_cast<std::size_t>(length));
      out += length;
      p += length;
    } else {
      out = put(out, "\xEF\xBF\xBD");
      p += -length;
    }
  }
  return out;
}

// The next character of `text` as it will be written (before JSON escaping): a byte, a valid
// UTF-8 sequence, or U+FFFD for an ill-formed one.
std::string_view next_written_char(std::string_view text, std::size_t& pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  int length = 1;
  if (*p >= 0x80) length = utf8_sequence(p, reinterpret_cast<const unsigned char*>(text.data() + text.size()));
  if (length < 0) {
    pos += static_cast<std::size_t>(-length);
    return "\xEF\xBF\xBD";
  }
  const std::string_view written = text.substr(pos, static_cast<std::size_t>(length));
  pos += static_cast<std::size_t>(length);
  return written;
}

// Whether two keys are written alike: different bytes can be, since invalid UTF-8 becomes U+FFFD.
bool same_written_key(std::string_view a, std::string_view b) {
  if (same_bytes(a, b)) return true;
  std::size_t pa = 0;
  std::size_t pb = 0;
  while (pa < a.size() && pb < b.size()) {
    if (!same_bytes(next_written_char(a, pa), next_written_char(b, pb))) return false;
  }
  return pa == a.size() && pb == b.size();
}

// One raw context entry (json_line.hpp), read back: where its value's bytes are, not yet decoded.
struct RawEntry {
  std::string_view key;
  ContextValue::Kind kind;
  const char* value;  // a string's 4-byte size and bytes, or 8 bytes
  std::size_t end;    // where the next entry starts
};

std::uint32_t read_size(const char* in) {
  std::uint32_t size = 0;
  std::memcpy(&size, in, 4);
  return size;
}

bool is_text(ContextValue::Kind kind) { return kind == ContextValue::Kind::kString || kind == ContextValue::Kind::kChar; }

RawEntry read_raw_entry(std::string_view raw, std::size_t pos) {
  const char* const in = raw.data() + pos;
  const auto kind = static_cast<ContextValue::Kind>(*in);
  const std::uint32_t key_size = read_size(in + 1);
  const char* const value = in + 5 + key_size;
  const std::size_t value_size = is_text(kind) ? 4 + std::size_t{read_size(value)} : 8;
  return {std::string_view(in + 5, key_size), kind, value, pos + 5 + key_size + value_size};
}

// The value as put_context_value() writes it.
char* put_raw_value(char* out, ContextValue::Kind kind, const char* value) {
  if (is_text(kind)) return put_string(out, std::string_view(value + 4, read_size(value)));
  std::uint64_t bits = 0;
  std::memcpy(&bits, value, 8);
  switch (kind) {
    case ContextValue::Kind::kSigned: {
      std::int64_t number = 0;
      std::memcpy(&number, &bits, 8);
      return put_integer(out, number);
    }
    case ContextValue::Kind::kDouble: {
      double number = 0;
      std::memcpy(&number, &bits, 8);
      return put_double(out, number);
    }
    case ContextValue::Kind::kBool: return put(out, bits != 0 ? "true" : "false");
    default: return put_integer(out, bits);
  }
}

// At most the length of the JSON members the raw entries become, without reading them: an
// entry of k key and t text bytes takes 9 + k + t raw bytes (13 + k for a number or a literal)
// and becomes at most 6 + 6k + 6t bytes (6k + 30).
std::size_t raw_members_bound(std::string_view raw) { return 6 * raw.size(); }

// The raw entries as JSON members: each key once, where it first came, with its last value.
// Quadratic in the entries, as Context::set() is; contexts are short.
char* put_raw_members(char* out, std::string_view raw) {
  const char* const start = out;
  for (std::size_t pos = 0; pos < raw.size();) {
    const RawEntry entry = read_raw_entry(raw, pos);
    bool seen = false;
    for (std::size_t before = 0; !seen && before < pos;) {
      const RawEntry earlier = read_raw_entry(raw, before);
      seen = same_written_key(earlier.key, entry.key);
      before = earlier.end;
    }
    pos = entry.end;
    if (seen) continue;
    ContextValue::Kind kind = entry.kind;
    const char* value = entry.value;
    for (std::size_t after = pos; after < raw.size();) {
      const RawEntry later = read_raw_entry(raw, after);
      if (same_written_key(later.key, entry.key)) {
        kind = later.kind;
        value = later.value;
      }
      after = later.end;
    }
    if (out != start) *out++ = ',';
    out = put_string(out, entry.key);
    *out++ = ':';
    out = put_raw_value(out, kind, value);
  }
  return out;
}

}  // namespace

char* put_string(char* out, std::string_view text) {
  *out++ = '"';
  out = put_escaped(out, text);
  *out++ = '"';
  return out;
}

char* put_context_value(char* out, const ContextValue& value) {
  switch (value.kind()) {
    case ContextValue::Kind::kString:
    case ContextValue::Kind::kChar:
      return put_string(out, value.text());
    case ContextValue::Kind::kSigned:
      return put_integer(out, value.signed_value());
    case ContextValue::Kind::kUnsigned:
      return put_integer(out, value.unsigned_value());
    case ContextValue::Kind::kDouble:
      return put_double(out, value.double_value());
    case ContextValue::Kind::kBool:
      return put(out, value.bool_value() ? "true" : "false");
  }
  return out;
}

std::size_t entry_bound(std::string_view key, const ContextValue& value) {
  return 36 + 6 * key.size() + 6 * value.text().size();
}

// An upper bound of the line's length: 104 bytes of keys and punctuation, at most 40 of
// timestamp and 32 of duration, and the strings.
std::size_t line_bound(const LineFields& f) {
  std::size_t bound = 176 + f.session_json.size() + 6 * f.operation.size() +
                      (f.raw_context ? raw_members_bound(f.context_members) : f.context_members.size());
  bound += f.error ? 6 * f.error->size() + 2 : 4;
  return bound;
}

// {"timestamp":"…","operation_type":"…","duration_ms":45,"success":true,"session_id":"…",
//  "error":null,"context":{…}} and a newline: this key order is the documented format.
char* put_line(char* out, const LineFields& f) {
  out = put(out, R"({"timestamp":")");
  out = put_timestamp(out, f.timestamp);
  out = put(out, R"(","operation_type":")");
  out = put_escaped(out, f.operation);
  out = put(out, R"(","duration_ms":)");
  out = put_duration_ms(out, f.duration_ms);
  out = put(out, f.success ? R"(,"success":true,"session_id":)" : R"(,"success":false,"session_id":)");
  out = put(out, f.session_json);
  out = put(out, R"(,"error":)");
  out = f.error ? put_string(out, *f.error) : put(out, "null");
  out = put(out, R"(,"context":{)");
  out = f.raw_context ? put_raw_members(out, f.context_members) : put(out, f.context_members);
  return put(out, "}}\n");
}

std::string generate_session_id() {
  std::uint64_t bits = 0;
  try {
    std::random_device device;
    bits = (std::uint64_t{device()} << 32) ^ device();
  } catch (...) {
    // No entropy source: the clock, pid and an address below still make ids differ.
  }
  bits ^= static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  bits ^= static_cast<std::uint64_t>(getpid()) << 40;
  bits ^= reinterpret_cast<std::uintptr_t>(&bits);
  bits = (bits ^ (bits >> 30)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64's finaliser spreads them
  bits = (bits ^ (bits >> 27)) * 0x94d049bb133111ebULL;
  bits ^= bits >> 31;
  std::string id = "ses_";
  for (int i = 0; i < 12; ++i) id += kHex[(bits >> (4 * i)) & 0xF];
  return id;
}

}  // namespace perfgate::tracker_detail
