// How deep JSON input may nest. A parsed tree is copied and destroyed recursively, so a document
// nested 200,000 deep (a few hundred KB of '[') would overflow the stack: every JSON input
// (compare's and run --baseline's documents, ingested files) is checked before it is parsed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace perfgate {

// Deeper than any result document or harness output (they nest under ten levels).
inline constexpr std::size_t kMaxJsonDepth = 256;

struct TooDeep {
  std::size_t line = 1;    // of the bracket that went one level too deep
  std::size_t column = 1;
};

// Where `text` first nests more than `limit` arrays and objects deep (brackets inside strings do
// not count), or nullopt. Syntax is the parser's business: this only counts.
std::optional<TooDeep> json_too_deep(std::string_view text, std::size_t limit = kMaxJsonDepth);

}  // namespace perfgate
