// Typed option values; see option_values.hpp.
#include "cli/option_values.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::cli {

Nanos duration_option(const std::string& option, const std::string& text, bool allow_zero) {
  auto d = parse_duration(text);
  if (!d || d->count() < 0 || (!allow_zero && d->count() == 0)) {
    throw UsageError(fmt::format("{}: invalid duration '{}' (expected e.g. 500ms, 10s, 2m, 1h30m)", option, text));
  }
  return *d;
}

}  // namespace perfgate::cli
