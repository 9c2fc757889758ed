// Nesting depth of JSON text; see json_depth.hpp.
#include "core/json_depth.hpp"

namespace perfgate {

std::optional<TooDeep> json_too_deep(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  TooDeep at;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return at;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    if (c == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return std::nullopt;
}

}  // namespace perfgate
