// HdrHistogram's V2 compressed encoding, byte for byte as HdrHistogram (Java, C) writes it:
//
//   base64( compressed cookie | int32 deflated length | zlib( payload ) )
//   payload = encoding cookie | int32 payload length | int32 normalizing index offset |
//             int32 significant digits | int64 lowest | int64 highest | double ratio |
//             counts as zig-zag LEB128, a run of N empty slots written as -N
//
// All integers are big-endian. Decoding treats its input as hostile: every length is
// checked before it is used and nothing larger than kMaxPayloadBytes is allocated.
#include "core/histogram_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace perfgate {
namespace {

using Bytes = std::vector<std::uint8_t>;

// HdrHistogram writes the V2 cookie bases with word size 1 (0x10) or-ed in, and readers
// compare only the base (cookie & ~0xf0), so we write 0x1c849313 / 0x1c849314 and accept both.
constexpr std::uint32_t kV2EncodingCookieBase = 0x1c849303;
constexpr std::uint32_t kV2CompressedCookieBase = 0x1c849304;
constexpr std::uint32_t kWordSizeBits = 0xf0;
constexpr std::uint32_t kLeb128WordSize = 0x10;

constexpr std::size_t kCompressedHeaderBytes = 8;  // cookie, deflated length
constexpr std::size_t kPayloadHeaderBytes = 40;    // cookie .. conversion ratio
constexpr std::size_t kMaxLeb128Bytes = 9;
// No honest histogram comes near this; it bounds what a forged length can make us allocate.
constexpr std::size_t kMaxPayloadBytes = std::size_t{64} << 20;

std::uint32_t cookie_base(std::uint32_t cookie) { return cookie & ~kWordSizeBits; }

// ---- big-endian fields ----

void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void put_be64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t get_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::uint64_t get_be64(const std::uint8_t* p) { return (std::uint64_t{get_be32(p)} << 32) | get_be32(p + 4); }

// ---- zig-zag LEB128, at most 9 bytes: 8 groups of 7 bits, then the last 8 bits whole ----

void put_zigzag(Bytes& out, std::int64_t signed_value) {
  auto v = (static_cast<std::uint64_t>(signed_value) << 1) ^ static_cast<std::uint64_t>(signed_value >> 63);
  for (std::size_t i = 0; i < kMaxLeb128Bytes - 1; ++i) {
    if (v < 0x80) {
      out.push_back(static_cast<std::uint8_t>(v));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Reads one value at data[pos], advancing pos; false if the value runs past the end.
bool get_zigzag(const Bytes& data, std::size_t& pos, std::int64_t& value) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kMaxLeb128Bytes; ++i) {
    if (pos >= data.size()) return false;
    const std::uint8_t byte = data[pos++];
    if (i == kMaxLeb128Bytes - 1) {
      v |= std::uint64_t{byte} << 56;
      break;
    }
    v |= std::uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) break;
  }
  value = static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

// ---- base64, standard alphabet, with padding ----

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const Bytes& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Alphabet[(group >> shift) & 0x3f]);
  }
  const std::size_t rest = in.size() - i;
  if (rest > 0) {
    std::uint32_t group = std::uint32_t{in[i]} << 16;
    if (rest == 2) group |= std::uint32_t{in[i + 1]} << 8;
    out.push_back(kBase64Alphabet[(group >> 18) & 0x3f]);
    out.push_back(kBase64Alphabet[(group >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kBase64Alphabet[(group >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Accepts padded or unpadded input; rejects any other character, padding in the middle,
// and a dangling single character (which cannot encode a whole byte).
std::optional<Bytes> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  Bytes out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t group = 0;
  int bits = 0;
  for (char c : text) {
    const int digit = base64_digit(c);
    if (digit < 0) return std::nullopt;
    group = (group << 6) | static_cast<std::uint32_t>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(group >> bits));
      group &= (1u << bits) - 1;
    }
  }
  return out;
}

std::string_view trim_ascii_space(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---- encoding ----

// The uncompressed V2 payload. Only slots up to the one holding max() are written, as
// HdrHistogram does; a run of empty slots becomes -N, a lone empty slot a plain 0 (Java's
// choice; readers accept either).
Bytes encode_payload(const Histogram& h) {
  const std::int32_t counts_limit = h.total_count() == 0 ? 1 : h.index_of(h.max()) + 1;
  Bytes counts;
  counts.reserve(static_cast<std::size_t>(counts_limit) * 2);
  for (std::int32_t i = 0; i < counts_limit;) {
    const std::int64_t count = h.count_at_index(i++);
    std::int64_t zeros = 0;
    if (count == 0) {
      zeros = 1;
      while (i < counts_limit && h.count_at_index(i) == 0) {
        ++zeros;
        ++i;
      }
    }
    put_zigzag(counts, zeros > 1 ? -zeros : count);
  }

  Bytes payload;
  payload.reserve(kPayloadHeaderBytes + counts.size());
  put_be32(payload, kV2EncodingCookieBase | kLeb128WordSize);
  put_be32(payload, static_cast<std::uint32_t>(counts.size()));
  put_be32(payload, 0);  // normalizing index offset: perfgate never shifts histograms
  put_be32(payload, static_cast<std::uint32_t>(h.significant_digits()));
  put_be64(payload, static_cast<std::uint64_t>(h.lowest_discernible_value()));
  put_be64(payload, static_cast<std::uint64_t>(h.highest_trackable_value()));
  put_be64(payload, std::bit_cast<std::uint64_t>(1.0));  // integer-to-double conversion ratio
  payload.insert(payload.end(), counts.begin(), counts.end());
  return payload;
}

// ---- decoding ----

std::optional<Histogram> fail(std::string* error, const char* why) {
  if (error != nullptr) *error = std::string("HdrHistogram V2: ") + why;
  return std::nullopt;
}

// Inflates into out[0, size) from where the stream stands. Returns Z_OK when the buffer is
// full and the stream not yet ended, Z_STREAM_END when it ended (possibly short: check
// avail_out), or a zlib error (including Z_BUF_ERROR for truncated input).
int inflate_into(z_stream& stream, std::uint8_t* out, std::size_t size) {
  stream.next_out = out;
  stream.avail_out = static_cast<uInt>(size);
  while (true) {
    const int rc = inflate(&stream, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) return rc;
    if (rc != Z_OK) return rc;
    if (stream.avail_out == 0) return Z_OK;
  }
}

struct Inflater {
  z_stream stream{};
  bool ready = false;
  Inflater(const std::uint8_t* data, std::size_t size) {
    stream.next_in = const_cast<Bytef*>(data);  // zlib's API is not const-correct; it only reads
    stream.avail_in = static_cast<uInt>(size);
    ready = inflateInit(&stream) == Z_OK;
  }
  ~Inflater() {
    if (ready) inflateEnd(&stream);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

}  // namespace

std::string encode_hdr_v2_base64(const Histogram& histogram) {
  const Bytes payload = encode_payload(histogram);
  uLongf deflated_size = compressBound(static_cast<uLong>(payload.size()));
  Bytes out(kCompressedHeaderBytes + deflated_size);
  // Default level, like HdrHistogram_c's compress(); zlib only fails here on a bad buffer.
  if (compress(out.data() + kCompressedHeaderBytes, &deflated_size, payload.data(),
               static_cast<uLong>(payload.size())) != Z_OK) {
    throw std::runtime_error("HdrHistogram V2: deflate failed");
  }
  out.resize(kCompressedHeaderBytes + deflated_size);
  Bytes header;
  put_be32(header, kV2CompressedCookieBase | kLeb128WordSize);
  put_be32(header, static_cast<std::uint32_t>(deflated_size));
  std::copy(header.begin(), header.end(), out.begin());
  return base64_encode(out);
}

std::optional<Histogram> decode_hdr_v2_base64(std::string_view base64, std::string* error) {
  base64 = trim_ascii_space(base64);
  if (base64.size() / 4 * 3 > kMaxPayloadBytes) return fail(error, "input too large");
  const std::optional<Bytes> raw = base64_decode(base64);
  if (!raw) return fail(error, "not valid base64");
  if (raw->size() < kCompressedHeaderBytes) return fail(error, "too short for a compressed header");
  if (cookie_base(get_be32(raw->data())) != kV2CompressedCookieBase) {
    return fail(error, "not a V2 compressed histogram (cookie mismatch)");
  }
  const std::uint32_t deflated_size = get_be32(raw->data() + 4);
  if (deflated_size > raw->size() - kCompressedHeaderBytes) {
    return fail(error, "deflated length exceeds the data (truncated?)");
  }

  Inflater inflater(raw->data() + kCompressedHeaderBytes, deflated_size);
  if (!inflater.ready) return fail(error, "cannot initialise zlib");
  std::array<std::uint8_t, kPayloadHeaderBytes> header{};
  int rc = inflate_into(inflater.stream, header.data(), header.size());
  if (rc != Z_OK && rc != Z_STREAM_END) return fail(error, "corrupt or truncated zlib data");
  if (inflater.stream.avail_out != 0) return fail(error, "payload shorter than its header");

  if (cookie_base(get_be32(header.data())) != kV2EncodingCookieBase) {
    return fail(error, "payload is not V2 encoded (cookie mismatch)");
  }
  const std::uint32_t payload_size = get_be32(header.data() + 4);
  // The normalizing index offset (header bytes 8..11) is ignored: HdrHistogram writes the
  // counts in logical order whatever the offset, so they read the same without it.
  const auto digits = static_cast<std::int32_t>(get_be32(header.data() + 12));
  const auto lowest = static_cast<std::int64_t>(get_be64(header.data() + 16));
  const auto highest = static_cast<std::int64_t>(get_be64(header.data() + 24));
  if (payload_size > kMaxPayloadBytes) return fail(error, "payload length larger than the histogram can need");
  if (digits < 1 || digits > 5) return fail(error, "significant digits not in [1, 5]");
  if (lowest < 1) return fail(error, "lowest discernible value below 1");
  if (lowest > std::numeric_limits<std::int64_t>::max() / 2 || highest < 2 * lowest) {
    return fail(error, "highest trackable value below twice the lowest");
  }

  // Perfgate's default shape gets perfgate's default clamp back (the format cannot carry
  // it), so a decoded histogram records exactly like a fresh Histogram().
  const bool default_shape = lowest == Histogram::kDefaultLowestDiscernibleNs &&
                             highest == Histogram::kDefaultHighestNs && digits == Histogram::kDefaultSignificantDigits;
  std::optional<Histogram> histogram;
  try {
    histogram.emplace(lowest, highest, digits, default_shape ? Histogram::kDefaultClampLowNs : 0);
  } catch (const std::invalid_argument&) {
    return fail(error, "unsupported histogram shape");
  }
  const std::int32_t counts_len = histogram->counts_len();
  if (payload_size > kMaxLeb128Bytes * static_cast<std::size_t>(counts_len)) {
    return fail(error, "payload length larger than the histogram can need");
  }

  // One spare byte tells a payload longer than its declared length from one that ends there.
  Bytes counts(std::size_t{payload_size} + 1);
  rc = inflate_into(inflater.stream, counts.data(), counts.size());
  if (rc != Z_OK && rc != Z_STREAM_END) return fail(error, "corrupt or truncated zlib data");
  if (inflater.stream.avail_out == 0) return fail(error, "payload longer than its declared length");
  if (inflater.stream.avail_out != 1) return fail(error, "payload shorter than its declared length");
  counts.pop_back();

  std::int32_t index = 0;
  std::int64_t total = 0;
  for (std::size_t pos = 0; pos < counts.size();) {
    std::int64_t value = 0;
    if (!get_zigzag(counts, pos, value)) return fail(error, "truncated count");
    if (value < 0) {
      if (value < -static_cast<std::int64_t>(counts_len - index)) {
        return fail(error, "run of empty slots beyond the histogram's end");
      }
      index += static_cast<std::int32_t>(-value);
      continue;
    }
    if (index >= counts_len) return fail(error, "count beyond the histogram's end");
    if (value > std::numeric_limits<std::int64_t>::max() - total) return fail(error, "total count overflows");
    total += value;
    histogram->add_at_index(index++, value);
  }
  return histogram;
}

}  // namespace perfgate
