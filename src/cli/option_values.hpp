// Typed option values shared by the verbs: each parse names the option in its error.
#pragma once

#include <cstdio>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "suite/option_table.hpp"

namespace CLI {
class App;
class Option;
class Validator;
}

namespace perfgate::cli {

// Parses a verb's arguments (args[0] is the verb) into `app`. Returns nullopt to go on, or
// the exit code to return at once: 0 after printing --help, 2 after a parse error (the
// message names the option and points to VERB --help).
std::optional<int> parse_verb_arguments(CLI::App& app, const std::vector<std::string>& args);

// A CLI11 check for a count option of any verb (--last, --slowest, --days): the same parser and
// message as the option tables', "--slowest: expected a whole number from 0 to 100000, got '-1'",
// so "-3", "0" (below `minimum`), "1e3" and overflow all exit 2 naming the option.
//   app.add_option("--last", o.last, "How many runs")->check(whole_number_check(1, 100'000));
CLI::Validator whole_number_check(std::uint64_t minimum, std::uint64_t maximum);
// The largest --days of the report verbs: a hundred years.
inline constexpr int kMaxDays = 36'500;

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

// The flags of a load verb (http, exec) that are about this invocation's outputs, not the
// benchmark: in a suite the benchmark's `name:` and `perfgate run`'s own outputs play their part.
struct LoadOutputFlags {
  std::string json_path;  // --json FILE|-
  std::string name;       // --name
  bool quiet = false;     // -q, --quiet
};
// Adds --json, --name (with `name_default` said in its help) and -q/--quiet.
void add_load_output_flags(CLI::App& app, LoadOutputFlags& flags, const std::string& name_default);

// The rows of an option table (suite/option_table.hpp) as CLI11 options of a verb: registered in
// the table's order, then read into the options struct after parsing. Explicitly instantiated
// for the http and cmd tables.
//
//   TableFlags<suite::HttpBenchmarkOptions> table_flags(app, suite::http_option_table());
//   if (auto code = parse_verb_arguments(app, args)) return *code;
//   suite::HttpBenchmarkOptions options = table_flags.read();  // UsageError naming the flag
template <typename Options>
class TableFlags {
 public:
  TableFlags(CLI::App& app, const suite::OptionTable<Options>& table);

  // The options given, parsed by their rows, then the table's cross-option rules.
  Options read() const;
  // How a message names the option of a suite key: "--min-runs", or "URL" for a positional one.
  std::string flag_for(std::string_view key) const;

 private:
  const suite::OptionTable<Options>& table_;
  std::vector<CLI::Option*> registered_;           // one per row
  std::deque<std::string> scalars_;                // CLI11 needs somewhere to put the values
  std::deque<std::vector<std::string>> lists_;
};

}  // namespace perfgate::cli
