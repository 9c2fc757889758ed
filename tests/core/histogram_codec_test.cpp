// Tests of the HdrHistogram V2 codec: round trips, strings written by other HdrHistogram
// implementations, and hostile input (which must be rejected with a reason, never crash).
#include "core/histogram_codec.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace perfgate {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// ---- helpers that build V2 streams by hand, so tests can forge every field ----

void put_be32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_be64(Bytes& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_zigzag(Bytes& out, std::int64_t value) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int i = 0; i < 8 && v >= 0x80; ++i, v >>= 7) out.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
  out.push_back(static_cast<std::uint8_t>(v));
}

const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string to_base64(const Bytes& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t group = std::uint32_t{in[i]} << 16;
    if (i + 1 < in.size()) group |= std::uint32_t{in[i + 1]} << 8;
    if (i + 2 < in.size()) group |= in[i + 2];
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(group >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[group & 63] : '=';
  }
  return out;
}

Bytes from_base64(const std::string& text) {
  Bytes out;
  std::uint32_t group = 0;
  int bits = 0;
  for (char c : text) {
    const char* at = std::char_traits<char>::find(kAlphabet, 64, c);
    if (at == nullptr) break;
    group = (group << 6) | static_cast<std::uint32_t>(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(group >> bits));
    }
  }
  return out;
}

struct Shape {
  std::uint32_t cookie = 0x1c849313;
  std::int32_t digits = 3;
  std::int64_t lowest = 1;
  std::int64_t highest = 3'600'000'000'000;
};

// The uncompressed payload; `declared_length` < 0 means: the true length of `counts`.
Bytes payload(const Bytes& counts, Shape shape = {}, std::int64_t declared_length = -1) {
  Bytes out;
  put_be32(out, shape.cookie);
  put_be32(out, static_cast<std::uint32_t>(declared_length < 0 ? static_cast<std::int64_t>(counts.size())
                                                               : declared_length));
  put_be32(out, 0);
  put_be32(out, static_cast<std::uint32_t>(shape.digits));
  put_be64(out, static_cast<std::uint64_t>(shape.lowest));
  put_be64(out, static_cast<std::uint64_t>(shape.highest));
  put_be64(out, 0x3ff0000000000000);  // 1.0
  out.insert(out.end(), counts.begin(), counts.end());
  return out;
}

Bytes deflate(const Bytes& data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  Bytes out(size);
  EXPECT_EQ(compress(out.data(), &size, data.data(), static_cast<uLong>(data.size())), Z_OK);
  out.resize(size);
  return out;
}

Bytes inflate_all(const Bytes& data) {
  Bytes out(1 << 20);
  uLongf size = out.size();
  EXPECT_EQ(uncompress(out.data(), &size, data.data(), static_cast<uLong>(data.size())), Z_OK);
  out.resize(size);
  return out;
}

std::string compressed(const Bytes& inner, std::uint32_t cookie = 0x1c849314, std::int64_t declared = -1) {
  const Bytes deflated = deflate(inner);
  Bytes out;
  put_be32(out, cookie);
  put_be32(out, static_cast<std::uint32_t>(declared < 0 ? static_cast<std::int64_t>(deflated.size()) : declared));
  out.insert(out.end(), deflated.begin(), deflated.end());
  return to_base64(out);
}

// The V2 payload inside an encoded string (what HdrHistogram deflated).
Bytes inner_payload(const std::string& base64) {
  const Bytes raw = from_base64(base64);
  return inflate_all(Bytes(raw.begin() + 8, raw.end()));
}

void expect_same_counts(const Histogram& a, const Histogram& b) {
  ASSERT_TRUE(a.same_shape(b));
  ASSERT_EQ(a.counts_len(), b.counts_len());
  for (std::int32_t i = 0; i < a.counts_len(); ++i) ASSERT_EQ(a.count_at_index(i), b.count_at_index(i)) << i;
  EXPECT_EQ(a.total_count(), b.total_count());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_DOUBLE_EQ(a.mean(), b.mean());
}

Histogram round_trip(const Histogram& h) {
  std::string error;
  auto decoded = decode_hdr_v2_base64(encode_hdr_v2_base64(h), &error);
  EXPECT_TRUE(decoded.has_value()) << error;
  return decoded.value_or(Histogram());
}

// ---- round trips ----

TEST(HistogramCodec, RoundTripKeepsEveryCountOfTheDefaultShape) {
  Histogram h;
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> value(std::log(1e6), 2.5);
  for (int i = 0; i < 20'000; ++i) h.record(static_cast<std::int64_t>(value(rng)));
  const std::string text = encode_hdr_v2_base64(h);
  EXPECT_EQ(text.rfind("HISTFAAA", 0), 0u) << "V2 compressed cookie 0x1c849314, as HdrHistogram writes";
  Histogram decoded = round_trip(h);
  expect_same_counts(h, decoded);
  EXPECT_EQ(decoded.value_at_percentile(99.9), h.value_at_percentile(99.9));
  // The default shape gets the default 1 µs clamp back.
  decoded.record(5);
  EXPECT_EQ(decoded.clamped_count(), 1);
  EXPECT_EQ(decoded.min(), 1'000);
}

TEST(HistogramCodec, RoundTripOtherShapes) {
  for (Histogram h : {Histogram(1000, 60'000'000'000, 2), Histogram(1, 1'000'000, 5), Histogram(1, kInt64Max, 3),
                      Histogram(7, 100, 1)}) {
    for (std::int64_t v = 1; v < h.highest_trackable_value() / 3 && v > 0; v = v * 3 + 1) h.record_n(v, v % 7 + 1);
    h.record(h.highest_trackable_value());
    expect_same_counts(h, round_trip(h));
  }
}

TEST(HistogramCodec, RoundTripEmptyHistogram) {
  const Histogram empty(1000, 1'000'000, 3);
  Histogram decoded = round_trip(empty);
  expect_same_counts(empty, decoded);
  EXPECT_EQ(decoded.total_count(), 0);
}

TEST(HistogramCodec, RoundTripHugeCountsNeedingNineBytes) {
  Histogram h;
  h.record_n(5'000, kInt64Max - 1);
  h.record(4'000);
  expect_same_counts(h, round_trip(h));
}

TEST(HistogramCodec, WritesRunsOfEmptySlotsAsNegativeCounts) {
  Histogram h(1, 1'000'000, 3);
  h.record_n(3, 2);  // slot 3
  h.record(5);       // slot 5: one empty slot between, then a run of 3
  const Bytes inner = inner_payload(encode_hdr_v2_base64(h));
  ASSERT_GE(inner.size(), 40u);
  const Bytes expected_counts = {0x05, 0x04, 0x00, 0x02};  // -3, 2, 0, 1 zig-zagged
  EXPECT_EQ(Bytes(inner.begin() + 40, inner.end()), expected_counts);
  EXPECT_EQ(Bytes(inner.begin(), inner.begin() + 4), (Bytes{0x1c, 0x84, 0x93, 0x13}));
  EXPECT_EQ(Bytes(inner.begin() + 4, inner.begin() + 8), (Bytes{0, 0, 0, 4}));  // payload length
}

// ---- strings written by other HdrHistogram implementations ----

TEST(HistogramCodec, DecodesAndReproducesHdrHistogramCOutput) {
  // From solarwinds/joboe metrics/src/test/java/com/tracelytics/metrics/histogram/
  // HdrHistrogramAdapterTest.java: "extracted from encode call of above values from c-lib"
  // (HdrHistogram_c, shape 1..3600000000, 3 digits, values 3335 3108 2638 2567 2470).
  const std::string from_c = "HISTFAAAAC14nJNpmSzMwMDAywABzFCaEURcm7yEwf4DRGCpMlMskyvTZWam+4xMAKW6B74=";
  std::string error;
  auto decoded = decode_hdr_v2_base64(from_c, &error);
  ASSERT_TRUE(decoded.has_value()) << error;
  Histogram expected(1, 3'600'000'000, 3);
  for (std::int64_t v : {3335, 3108, 2638, 2567, 2470}) expected.record(v);
  expect_same_counts(expected, *decoded);
  EXPECT_EQ(decoded->total_count(), 5);
  EXPECT_EQ(decoded->min(), 2470);
  EXPECT_EQ(decoded->max(), 3335);
  // Our uncompressed payload is byte-identical to HdrHistogram_c's (the deflated bytes may
  // differ between zlib builds, so compare what was deflated).
  EXPECT_EQ(inner_payload(encode_hdr_v2_base64(expected)), inner_payload(from_c));
}

TEST(HistogramCodec, DecodesHdrHistogramJsOutput) {
  // From HdrHistogram/HdrHistogramJS src/encoding.spec.ts ("should decode and decompress
  // reading a base64 string"): one value 42, mean 42, total count 1. HdrHistogramJS
  // auto-resized, so the declared highest (2) is below the value.
  auto decoded = decode_hdr_v2_base64("HISTFAAAAB542pNpmSzMwMDAxAABzFCaEUoz2X+AMIKZAEARAtM=");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->lowest_discernible_value(), 1);
  EXPECT_EQ(decoded->highest_trackable_value(), 2);
  EXPECT_EQ(decoded->significant_digits(), 3);
  EXPECT_EQ(decoded->total_count(), 1);
  EXPECT_DOUBLE_EQ(decoded->mean(), 42.0);
  EXPECT_EQ(decoded->value_at_percentile(50), 42);
}

TEST(HistogramCodec, DecodesMultiBucketHdrHistogramJsOutput) {
  // Written by hdr-histogram-js 3.0.1 (npm) with build({lowestDiscernibleValue: 1,
  // highestTrackableValue: 3600000000000, numberOfSignificantValueDigits: 3,
  // bitBucketSize: 64}) and recordValue(1000 + i * i * 37) for i in 1..10000. That encoder
  // writes a normalizing index offset of 1 and a conversion ratio of int64 1: both ignored.
  // The expected statistics are the ones hdr-histogram-js reported for it.
  const std::string from_js =
      "HISTFAAAA4x4nLWVT0hVQRTGZ757n3+Qx0tERCweEhEhUhISISIiJSEtIkRCJFq4iIgWLiIiIsxFFLhwIS2EWokL"
      "aRW1jZbRqkWLiGgVrSJatgnvu/e+OTPnzMx92D1zvu/3fXOvCxE8+nhrQKnRZ0oprZRKVOvRSiUXz7x9oYr8/Ai+"
      "aPwC1lNs17CZ4muCvRS/U2wmeJRgN8GHBN8TPAF2gH3gHfAJ+AGsA+81Pmp81vim8VPjj8ZfjQ1gX+OpxqbGlsa2"
      "xo7GS41djT2NVxqvNd5k8TpuYBWruIlbuI07WMMa7uIe7uMBHmJdY0NjEXOYwzwu4BLmsYAFXM7mSjZXsYhFLGEJ"
      "17CMZaxgBacxjtOYyHYCZ7OdzHYS5/I5n88UpjCd7TRm8pnFLGbQRBOjZI6TOWHMyWyLOZVta8bKHcN4rsWMYAiD"
      "GMx0qNTWDJfa2kKHMWJ4a+05Vm6hrWmW2iy1mAYaqGfa9vb0E+8nW2jbixmwaKBcqvwMWjpoKaWD310/eo3pI95W"
      "Sn0OcR6aOut1Yw+0TjqqlELTYLxByNxudKOGmqOU+LWJU9dNclN4eoXUyzqvlPi1iVPXTeKzNDUk2XJj9zUhueT3"
      "WKXkJqnl3rFbm+I07CbJzOXYu2K6K9x1C8klu6F9AgWVazFJRZIb6uEkd22NayUKJX8btzGtlGzis68tNNzxSfZO"
      "iLI/8Q3fxd52NlDI/gbYEygY9FRR7gah8b8Q+iK6qFQJFlnHQaCLQF8IxZhCLL0XUdeH+JE8yX/5RnqD77nW7exG"
      "+t/m5vwpwQ4qHt0fJoNUREWPMUGsBPUVNrI54qZCXxn8gS2CF56Nv5JjLLJGm8AHniJI8YHJfCW2nbwUOmydFieK"
      "XJOx8vJBAG/VklDpLYgGg9eE6LgLZcG8Y1AYRaYhFJ3MV2znv4i6PrRv/I+KeKeDr+QXhBu2dkunCRVmTJFmDwwl"
      "wVAPliIkAlJh3yOA4As7MNl7fEWU+5pcpIKtxMyBP7BF1JUwVa7kGEAbIuporiDh4PEYdFKorna4Nu1Ku1onJIIZ"
      "4ISKwwcbTHOYCBscFIr28eaQCZFdPljCVEIOKBcKC3obAkSZBitxhVhGX3fwoKN7t4UvQgghRAWwnIs9XT0HJzdC"
      "3GHdFMocdHkqX2EDz0ygGD4OMejdttBkiIO5csGJDBhEmQa2iLiRn7TCVSqn1EcOWM6ZqfgH63qwAw==";
  std::string error;
  auto decoded = decode_hdr_v2_base64(from_js, &error);
  ASSERT_TRUE(decoded.has_value()) << error;
  Histogram expected;
  for (std::int64_t i = 1; i <= 10'000; ++i) expected.record(1000 + i * i * 37);
  expect_same_counts(expected, *decoded);
  EXPECT_EQ(decoded->total_count(), 10'000);
  EXPECT_EQ(decoded->min(), 1037);
  EXPECT_EQ(decoded->value_at_percentile(50), 925'368'319);
  EXPECT_EQ(decoded->value_at_percentile(99), 3'628'072'959);
  EXPECT_EQ(decoded->value_at_percentile(99.9), 3'693'084'671);
  EXPECT_NEAR(decoded->mean(), 1233515691.5235, 1e-3);
  EXPECT_NEAR(decoded->stddev(), 1103226244.6883307, 1e-3);
}

TEST(HistogramCodec, AcceptsCookiesWithoutWordSizeAndSurroundingWhitespace) {
  Bytes counts;
  put_zigzag(counts, -1000);
  put_zigzag(counts, 4);
  auto decoded = decode_hdr_v2_base64("  " + compressed(payload(counts, {.cookie = 0x1c849303}), 0x1c849304) + "\n");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->total_count(), 4);
  EXPECT_EQ(decoded->min(), 1000);
}

// ---- hostile input ----

void expect_rejected(const std::string& text, const std::string& reason_part) {
  std::string error;
  auto decoded = decode_hdr_v2_base64(text, &error);
  EXPECT_FALSE(decoded.has_value()) << "accepted: " << text.substr(0, 80);
  EXPECT_NE(error.find(reason_part), std::string::npos) << "error was: " << error;
}

TEST(HistogramCodec, RejectsBadBase64AndBadFraming) {
  expect_rejected("", "too short");
  expect_rejected("HISTFAAAAC14nJNpmSz!MwMD", "base64");
  expect_rejected("HISTF", "base64");
  expect_rejected("HIST FAAA", "base64");
  expect_rejected("HISTFA==", "too short");
  Bytes v1_cookie;
  put_be32(v1_cookie, 0x1c849302);
  put_be32(v1_cookie, 0);
  expect_rejected(to_base64(v1_cookie), "cookie");
  Bytes counts;
  put_zigzag(counts, 1);
  const std::string good = compressed(payload(counts));
  ASSERT_TRUE(decode_hdr_v2_base64(good).has_value());
  expect_rejected(good.substr(0, good.size() / 2), "");
  expect_rejected(compressed(payload(counts), 0x1c849314, 100'000), "exceeds");
  expect_rejected(compressed(payload(counts), 0x1c849314, 0xffffffff), "exceeds");
  Bytes not_zlib;
  put_be32(not_zlib, 0x1c849314);
  put_be32(not_zlib, 16);
  for (int i = 0; i < 16; ++i) not_zlib.push_back(static_cast<std::uint8_t>(i * 37));
  expect_rejected(to_base64(not_zlib), "zlib");
}

TEST(HistogramCodec, RejectsBadPayloadHeaders) {
  Bytes counts;
  put_zigzag(counts, 1);
  expect_rejected(compressed(payload(counts, {.cookie = 0x1c849301})), "cookie");
  expect_rejected(compressed(Bytes(20, 0x1c)), "shorter than its header");
  for (std::int32_t digits : {0, 6, -1}) expect_rejected(compressed(payload(counts, {.digits = digits})), "digits");
  expect_rejected(compressed(payload(counts, {.lowest = 0})), "lowest");
  expect_rejected(compressed(payload(counts, {.lowest = 100, .highest = 150})), "highest");
  expect_rejected(compressed(payload(counts, {.highest = -5})), "highest");
  // Valid on its face, but unit magnitude 60 leaves no room for 2048 sub-buckets.
  expect_rejected(compressed(payload(counts, {.lowest = std::int64_t{1} << 60, .highest = kInt64Max})), "shape");
}

TEST(HistogramCodec, RejectsPayloadLengthsThatDoNotMatch) {
  Bytes counts;
  put_zigzag(counts, 3);
  put_zigzag(counts, -10);
  put_zigzag(counts, 2);
  expect_rejected(compressed(payload(counts, {}, 2)), "longer than its declared");
  expect_rejected(compressed(payload(counts, {}, 4)), "shorter than its declared");
  // A forged huge length is refused before anything that size is allocated.
  expect_rejected(compressed(payload(counts, {}, 0x7fffffff)), "larger than");
  expect_rejected(compressed(payload(counts, {}, 0xffffffff)), "larger than");
}

TEST(HistogramCodec, RejectsCountsBeyondTheHistogram) {
  const std::int32_t counts_len = Histogram().counts_len();
  Bytes past_end;
  put_zigzag(past_end, -counts_len);
  put_zigzag(past_end, 5);
  expect_rejected(compressed(payload(past_end)), "beyond");
  Bytes long_run;
  put_zigzag(long_run, -(counts_len + 1));
  expect_rejected(compressed(payload(long_run)), "beyond");
  Bytes min_run;
  put_zigzag(min_run, std::numeric_limits<std::int64_t>::min());
  expect_rejected(compressed(payload(min_run)), "beyond");
  Bytes exactly_full;
  put_zigzag(exactly_full, -(counts_len - 1));
  put_zigzag(exactly_full, 5);
  auto decoded = decode_hdr_v2_base64(compressed(payload(exactly_full)));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->count_at_index(counts_len - 1), 5);
}

TEST(HistogramCodec, RejectsTruncatedValuesAndOverflowingTotals) {
  Bytes truncated;
  put_zigzag(truncated, 7);
  truncated.push_back(0x80);
  truncated.push_back(0x81);
  expect_rejected(compressed(payload(truncated)), "truncated");
  Bytes overflowing;
  put_zigzag(overflowing, kInt64Max);
  put_zigzag(overflowing, kInt64Max);
  expect_rejected(compressed(payload(overflowing)), "overflows");
}

TEST(HistogramCodec, SurvivesRandomCorruption) {
  Histogram h(1, 10'000'000, 2);
  for (std::int64_t v = 1; v < 10'000'000; v = v * 5 / 4 + 1) h.record_n(v, v % 300 + 1);
  const std::string good = encode_hdr_v2_base64(h);
  const Bytes raw = from_base64(good);
  const Bytes inner = inner_payload(good);
  std::mt19937_64 rng(99);
  int accepted = 0;
  for (int i = 0; i < 3'000; ++i) {
    std::string text;
    if (i % 3 == 0) {  // flip bytes of the framed, deflated data
      Bytes mutated = raw;
      for (int k = 0; k < 1 + i % 4; ++k) mutated[rng() % mutated.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      text = to_base64(mutated);
    } else if (i % 3 == 1) {  // flip bytes of the counts, then deflate properly
      Bytes mutated = inner;
      for (int k = 0; k < 1 + i % 4; ++k) {
        mutated[40 + rng() % (mutated.size() - 40)] = static_cast<std::uint8_t>(rng());
      }
      text = compressed(mutated);
    } else {  // cut the string anywhere
      text = good.substr(0, rng() % good.size());
    }
    std::string error;
    auto decoded = decode_hdr_v2_base64(text, &error);
    if (!decoded) {
      EXPECT_FALSE(error.empty());
      continue;
    }
    ++accepted;
    std::int64_t sum = 0;
    decoded->for_each_bucket([&](std::int64_t, std::int64_t, std::int64_t count) { sum += count; });
    EXPECT_EQ(sum, decoded->total_count());
  }
  EXPECT_LT(accepted, 3'000);
}

}  // namespace
}  // namespace perfgate
