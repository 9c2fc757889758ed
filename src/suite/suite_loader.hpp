// Reads a suite file (DESIGN.md, `perfgate run SUITE.yaml`) into the typed Suite model.
#pragma once

#include <string>

#include "suite/interpolation.hpp"
#include "suite/suite.hpp"

namespace perfgate::suite {

// load_suite("perf/suite.yaml", process_environment())
//
// `${VAR}` / `${VAR:-default}` are expanded in every scalar value (not in keys) before it
// is converted, so `connections: ${CONNS:-8}` works.
// Every problem throws UsageError whose message starts with "FILE:LINE:COLUMN: " (1-based)
// and says what was expected: malformed YAML, unknown keys ("did you mean …?"), wrong types,
// missing required keys, duplicate names, a benchmark with no or two kinds, bad thresholds,
// unset variables. The top-level `resources:` key is rejected — it arrives with a later
// version — rather than silently ignored; an `ingest:` format is checked when the run prepares it. A file that cannot be
// read at all is reported as "FILE: cannot read the suite file: REASON".
Suite load_suite(const std::string& path, const Environment& env);

// The same from text already in memory; `path` is used for messages and to resolve
// `body: "@file"` relative to the suite's folder.
Suite load_suite_from_text(const std::string& path, const std::string& text, const Environment& env);

}  // namespace perfgate::suite
