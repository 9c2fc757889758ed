// Request templates; see text_template.hpp.
#include "core/text_template.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <random>

#include <fmt/format.h>

namespace perfgate {
namespace {

constexpr std::size_t kMaxDecimal = 20;                // digits of 2^64 - 1
constexpr std::size_t kUuidSize = 36;                  // 8-4-4-4-12
constexpr std::size_t kRequestIdSize = 8 + 1 + kMaxDecimal;
constexpr std::string_view kKnownNames = "seq, uuid, rand:MIN-MAX, now_ms, request_id, callback_url";

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// splitmix64: one multiply-xorshift step per 64 random bits, good enough for ids and ranges.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t& fallback_rng_state() {
  thread_local std::uint64_t state = random_seed();
  return state;
}

char* write_decimal(char* out, std::uint64_t value) {
  return std::to_chars(out, out + kMaxDecimal, value).ptr;
}

constexpr char kHex[] = "0123456789abcdef";

char* write_hex(char* out, std::uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xf];
    value >>= 4;
  }
  return out + digits;
}

// RFC 9562 version 4: 122 random bits, the version nibble 4 and the variant bits 10.
char* write_uuid(char* out, std::uint64_t& state) {
  std::uint64_t high = next_random(state);
  std::uint64_t low = next_random(state);
  high = (high & ~0xf000ULL) | 0x4000ULL;
  low = (low & ~(0xcULL << 60)) | (0x8ULL << 60);
  out = write_hex(out, high >> 32, 8);
  *out++ = '-';
  out = write_hex(out, (high >> 16) & 0xffff, 4);
  *out++ = '-';
  out = write_hex(out, high & 0xffff, 4);
  *out++ = '-';
  out = write_hex(out, low >> 48, 4);
  *out++ = '-';
  return write_hex(out, low & 0xffffffffffffULL, 12);
}

__extension__ typedef unsigned __int128 Uint128;  // NOLINT: GCC and clang both have it

// Uniform in [min, max] by the multiply-shift of Lemire (the bias is below 2^-40 for any range
// a user types).
std::uint64_t random_in(std::uint64_t min, std::uint64_t max, std::uint64_t& state) {
  std::uint64_t r = next_random(state);
  if (min == 0 && max == std::numeric_limits<std::uint64_t>::max()) return r;
  std::uint64_t span = max - min + 1;
  return min + static_cast<std::uint64_t>((static_cast<Uint128>(r) * span) >> 64);
}

}  // namespace

TextTemplate TextTemplate::compile(std::string_view text) {
  TextTemplate t;
  auto add_literal = [&t](std::string_view bytes) {
    if (bytes.empty()) return;
    if (!t.pieces_.empty() && t.pieces_.back().kind == Kind::kLiteral) {
      t.pieces_.back().length += static_cast<std::uint32_t>(bytes.size());
    } else {
      Piece piece;
      piece.offset = static_cast<std::uint32_t>(t.literals_.size());
      piece.length = static_cast<std::uint32_t>(bytes.size());
      t.pieces_.push_back(piece);
    }
    t.literals_.append(bytes);
    t.max_size_ += bytes.size();
  };
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw TemplateError("", 0, "template is larger than 4 GiB");
  }
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos) {
      add_literal(text.substr(i));
      break;
    }
    add_literal(text.substr(i, dollar - i));
    if (text.substr(dollar, 3) == "$${") {  // the escape: a literal "${"
      add_literal("${");
      i = dollar + 3;
      continue;
    }
    if (text.substr(dollar, 2) != "${") {
      add_literal("$");
      i = dollar + 1;
      continue;
    }
    std::size_t close = text.find('}', dollar + 2);
    if (close == std::string_view::npos) {
      std::string rest(text.substr(dollar + 2, 32));
      throw TemplateError(rest, dollar,
                          fmt::format("unterminated \"${{\" at byte {} (write \"$${{\" for a literal \"${{\")",
                                      dollar));
    }
    std::string_view name = text.substr(dollar + 2, close - dollar - 2);
    Piece slot;
    if (name == "seq") {
      slot.kind = Kind::kSeq;
      t.max_size_ += kMaxDecimal;
      t.uses_seq_ = true;
    } else if (name == "uuid") {
      slot.kind = Kind::kUuid;
      t.max_size_ += kUuidSize;
      t.uses_random_ = true;
    } else if (name == "now_ms") {
      slot.kind = Kind::kNowMs;
      t.max_size_ += kMaxDecimal;
      t.uses_now_ms_ = true;
    } else if (name == "request_id") {
      slot.kind = Kind::kRequestId;
      t.max_size_ += kRequestIdSize;
      t.uses_seq_ = true;
    } else if (name == "callback_url") {
      slot.kind = Kind::kCallbackUrl;
      t.max_size_ += kMaxCallbackUrlSize;
      t.uses_callback_url_ = true;
    } else if (name.starts_with("rand:")) {
      std::string_view range = name.substr(5);
      std::size_t dash = range.find('-');
      std::optional<std::uint64_t> min, max;
      if (dash != std::string_view::npos) {
        min = parse_decimal(range.substr(0, dash));
        max = parse_decimal(range.substr(dash + 1));
      }
      if (!min || !max || *min > *max) {
        throw TemplateError(std::string(name), dollar,
                            fmt::format("bad range in \"${{{}}}\" at byte {}: want ${{rand:MIN-MAX}} with "
                                        "whole numbers 0 <= MIN <= MAX, e.g. ${{rand:1-100}}",
                                        name, dollar));
      }
      slot.kind = Kind::kRand;
      slot.min = *min;
      slot.max = *max;
      t.max_size_ += kMaxDecimal;
      t.uses_random_ = true;
    } else {
      throw TemplateError(std::string(name), dollar,
                          fmt::format("unknown template variable \"${{{}}}\" at byte {} (known: {}; "
                                      "\"$${{\" is a literal \"${{\")",
                                      name, dollar, kKnownNames));
    }
    t.pieces_.push_back(slot);
    ++t.slots_;
    i = close + 1;
  }
  return t;
}

char* TextTemplate::expand(char* out, const TemplateValues& values) const {
  for (const Piece& piece : pieces_) {
    switch (piece.kind) {
      case Kind::kLiteral:
        std::memcpy(out, literals_.data() + piece.offset, piece.length);
        out += piece.length;
        break;
      case Kind::kSeq:
        out = write_decimal(out, values.seq);
        break;
      case Kind::kUuid:
        out = write_uuid(out, values.rng_state != nullptr ? *values.rng_state : fallback_rng_state());
        break;
      case Kind::kRand:
        out = write_decimal(out, random_in(piece.min, piece.max,
                                           values.rng_state != nullptr ? *values.rng_state : fallback_rng_state()));
        break;
      case Kind::kNowMs:
        out = write_decimal(out, values.now_ms);
        break;
      case Kind::kRequestId:
        out = write_hex(out, values.run_nonce, 8);
        *out++ = '-';
        out = write_decimal(out, values.seq);
        break;
      case Kind::kCallbackUrl: {
        std::size_t size = std::min(values.callback_url.size(), kMaxCallbackUrlSize);
        std::memcpy(out, values.callback_url.data(), size);
        out += size;
        break;
      }
    }
  }
  return out;
}

std::string TextTemplate::expand_to_string(const TemplateValues& values) const {
  std::string text(max_size_, '\0');
  char* end = expand(text.data(), values);
  text.resize(static_cast<std::size_t>(end - text.data()));
  return text;
}

bool is_template_variable(std::string_view name) {
  return name == "seq" || name == "uuid" || name == "now_ms" || name == "request_id" || name == "callback_url" ||
         name.starts_with("rand:");
}

std::string format_request_id(std::uint32_t run_nonce, std::uint64_t seq) {
  char buffer[kRequestIdSize];
  char* out = write_hex(buffer, run_nonce, 8);
  *out++ = '-';
  out = write_decimal(out, seq);
  return std::string(buffer, out);
}

std::optional<std::uint64_t> parse_request_id(std::string_view id, std::uint32_t run_nonce) {
  char prefix[9];
  write_hex(prefix, run_nonce, 8);
  prefix[8] = '-';
  if (id.size() <= 9 || id.substr(0, 9) != std::string_view(prefix, 9)) return std::nullopt;
  std::string_view digits = id.substr(9);
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;  // we never write "007"
  return parse_decimal(digits);
}

std::uint32_t random_run_nonce() {
  std::random_device device;
  return static_cast<std::uint32_t>(device());
}

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace perfgate
