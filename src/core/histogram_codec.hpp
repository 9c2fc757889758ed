// HdrHistogram's V2 compressed encoding (zig-zag LEB128 counts, deflate, base64), so
// histograms perfgate writes can be read by other HdrHistogram tools and vice versa.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/histogram.hpp"

namespace perfgate {

// The V2 "compressed" form (cookie 0x1c849304 around a deflated 0x1c849303 payload), base64.
std::string encode_hdr_v2_base64(const Histogram& histogram);

// Decodes what encode_hdr_v2_base64 (or HdrHistogram's own encoders) wrote.
// On failure returns nullopt and, if `error` is given, says why.
std::optional<Histogram> decode_hdr_v2_base64(std::string_view base64, std::string* error = nullptr);

}  // namespace perfgate
