// libFuzzer target for the HdrHistogram V2 decoder: whatever bytes arrive (as base64 text
// or raw), decoding must never crash, and whatever decodes must re-encode to the same counts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/histogram_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto decoded = perfgate::decode_hdr_v2_base64(text, &error);
  if (!decoded) return 0;
  auto again = perfgate::decode_hdr_v2_base64(perfgate::encode_hdr_v2_base64(*decoded), &error);
  if (!again || again->total_count() != decoded->total_count() || again->counts_len() != decoded->counts_len()) {
    __builtin_trap();
  }
  for (std::int32_t i = 0; i < decoded->counts_len(); ++i) {
    if (again->count_at_index(i) != decoded->count_at_index(i)) __builtin_trap();
  }
  return 0;
}
