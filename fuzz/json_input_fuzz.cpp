// libFuzzer target for JSON input (ingested files; compare's and run --baseline's documents go
// through the same depth check): whatever bytes arrive, reading must end in a value or a
// UsageError, never a crash, and a value that was accepted nests no deeper than the limit, so
// copying it (which recurses) stays within the stack.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "ingest/input_reader.hpp"

namespace {

std::size_t depth_of(const nlohmann::json& value) {
  std::size_t deepest = 0;
  if (value.is_array() || value.is_object()) {
    for (const auto& item : value) deepest = std::max(deepest, depth_of(item));
    return deepest + 1;
  }
  return 0;
}

void read(const perfgate::ingest::InputReader& in, std::string_view text, bool as_line) {
  try {
    nlohmann::json value = as_line ? in.parse_json_line(text, 1) : in.parse_json(text, "anything");
    if (depth_of(value) > perfgate::kMaxJsonDepth) __builtin_trap();
    nlohmann::json copy = value;  // the copy that overflowed the stack 200,000 levels deep
    if (copy != value) __builtin_trap();
  } catch (const perfgate::UsageError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  perfgate::ingest::InputReader in("fuzz.json", "fuzz");
  read(in, text, false);
  read(in, text.substr(0, text.find('\n')), true);
  return 0;
}
