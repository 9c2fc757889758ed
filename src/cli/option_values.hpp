// Typed option values shared by the verbs: each parse names the option in its error.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"

namespace CLI {
class App;
}

namespace perfgate::cli {

// Parses a verb's arguments (args[0] is the verb) into `app`. Returns nullopt to go on, or
// the exit code to return at once: 0 after printing --help, 2 after a parse error (the
// message names the option and points to VERB --help).
std::optional<int> parse_verb_arguments(CLI::App& app, const std::vector<std::string>& args);

// "500ms", "10s", ... or UsageError("--timeout: invalid duration 'x' (expected ...)").
Nanos duration_option(const std::string& option, const std::string& text, bool allow_zero = true);

// An allowed change, "10%" -> 0.10 (may exceed 100%), or UsageError naming the option.
double change_option(const std::string& option, const std::string& text);

// Repeated KEY=VALUE options (--tag pr=42) into a map; UsageError("--tag: expected KEY=VALUE,
// got 'x'") naming the option and the form (`what`, e.g. "METRIC=PCT") for a malformed one.
std::map<std::string, std::string> key_value_options(const std::string& option, const std::vector<std::string>& values,
                                                     const std::string& what = "KEY=VALUE");

// An output must be writable before anything is measured or stored, so a typo never costs a
// run (output_file_problem): UsageError("--json: directory 'x' does not exist"). "" and "-"
// (stdout) pass.
void check_output_path(const std::string& option, const std::string& path);

struct OutputOption {
  std::string option;  // "--json"
  std::string path;    // "" when not given
};

// A verb's outputs, checked together before any work: each as check_output_path, and at most
// one on stdout ("-", /dev/stdout), which then carries that format alone. Returns where what a
// person reads goes: stderr when an output is on stdout, else stdout.
std::FILE* check_output_paths(const std::vector<OutputOption>& outputs);

}  // namespace perfgate::cli
