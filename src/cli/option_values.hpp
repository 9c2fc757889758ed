// Typed option values shared by the verbs: each parse names the option in its error.
#pragma once

#include <string>

#include "core/units.hpp"

namespace perfgate::cli {

// "500ms", "10s", ... or UsageError("--timeout: invalid duration 'x' (expected ...)").
Nanos duration_option(const std::string& option, const std::string& text, bool allow_zero = true);

}  // namespace perfgate::cli
