// Option tables: each option of `perfgate http` and `perfgate cmd` written once — its flags, its
// suite key, its value parser, its help and the field it fills — so the command line (CLI11,
// cli/option_values.hpp) and the suite loader (`http:` and `cmd:` keys) read the same options
// and cannot drift. The tables themselves are in http_options.cpp and cmd_options.cpp.
//
// How to add an option (one entry; nothing else to register):
//   1. add its field to HttpBenchmarkOptions (http_options.hpp) or CmdBenchmarkOptions
//      (cmd_options.hpp), with its default;
//   2. add one row to that file's table, for example
//        {.flags = "-c,--connections", .key = "connections", .value_name = "N",
//         .help = "Connections kept open (default 10)",
//         .apply = [](HttpBenchmarkOptions& o, const OptionValue& v) { o.connections = v.small_number(1, 100'000); }},
//      The parser methods of OptionValue (whole_number, duration, rate_per_s, size_bytes, flag,
//      path, ...) name the option in their errors, as "--connections: …" on the command line and
//      "suite.yaml:7:5: 'connections': …" in a suite, and say what was expected;
//   3. if it only makes sense together with other options, check that in the table's `finish`
//      function (it names options through an OptionNamer, for the same two kinds of message);
//   4. the engine field it ends up in is set by the builder in run/engine_options.cpp;
//   5. document the flag in README.md and the suite key in docs/suite.md (tests check that
//      every flag of `perfgate http --help`/`perfgate cmd --help` has a suite key, and that
//      docs/suite.md lists every key).
// A flag about the verb's own outputs rather than the benchmark (--json, --export-markdown,
// --quiet, a terminal style) is not a row: the verb adds it with CLI11 itself, and
// tests/integration/option_parity_test.cpp lists it, with where a suite says the same.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/units.hpp"

namespace perfgate::suite {

// How an option is written: on the command line, and as a suite value.
enum class OptionShape {
  kValue,  // --rate 100 / rate: 100
  kFlag,   // -i / ignore_failure: true
  kList,   // repeatable: --redact A --redact B / redact: [A, B] (or one scalar)
  kTuple,  // several words, repeatable: -P n 1 8 / parameter_scan: [n, 1, 8] (or a list of them)
  kPairs,  // repeatable NAME: VALUE: -H 'Accept: x' / headers: {Accept: x} (or a list of "Accept: x")
};

// One option's value as written, with where it was written; its methods parse and throw
// UsageError("WHERE: expected …, got '…'") where WHERE is "--rate" or "suite.yaml:7:5: 'rate'".
class OptionValue {
 public:
  // `texts`: one for kValue and kFlag ("true"/"false"), the words of one kTuple occurrence, every
  // value of a kList, "NAME: VALUE" per pair of kPairs. `base_dir`: where relative paths start
  // ("" on the command line, the suite's folder with its trailing / in a suite).
  OptionValue(std::string where, std::vector<std::string> texts, std::string base_dir = "");

  const std::string& where() const { return where_; }
  const std::string& text() const { return texts_.front(); }
  const std::vector<std::string>& texts() const { return texts_; }

  std::string non_empty_text(std::string_view expected) const;
  // A whole number in [minimum, maximum]: "-3", "0" (when minimum is 1), "1e3" and overflow fail.
  std::uint64_t whole_number(std::uint64_t minimum, std::uint64_t maximum) const;
  int small_number(int minimum, int maximum) const;
  Nanos duration() const;           // >= 0: "0s", "500ms", "1h30m"
  Nanos positive_duration() const;  // > 0
  double rate_per_s(double maximum) const;  // > 0: "1000", "1000/s", "600/m"
  std::uint64_t size_bytes() const;         // "64KB", "1GiB"
  bool flag() const;                        // true/false, yes/no, on/off
  std::string path() const { return path(text()); }  // relative to base_dir
  std::string path(const std::string& written) const;
  // "Name: value" pairs (HTTP headers): the name without blanks, the value without CR/LF.
  std::vector<std::pair<std::string, std::string>> header_pairs() const;

  [[noreturn]] void fail(std::string_view expected) const;     // "WHERE: expected X, got 'TEXT'"
  [[noreturn]] void fail_because(std::string_view why) const;  // "WHERE: WHY"

 private:
  std::string where_;
  std::vector<std::string> texts_;
  std::string base_dir_;
};

// Names an option by its suite key in a message that involves several options: "--min-runs" on
// the command line, "suite.yaml:9:7: 'min_runs'" in a suite.
using OptionNamer = std::function<std::string(std::string_view key)>;

template <typename Options>
struct OptionSpec {
  const char* flags;       // CLI11 names, "-c,--connections"; a name without '-' is a positional argument
  const char* key;         // the key under `http:` or `cmd:` in a suite
  const char* value_name;  // "N", "DURATION"; for kTuple its words ("NAME MIN MAX"); "" for a flag
  const char* help;        // one line for --help and the suite reference
  void (*apply)(Options& options, const OptionValue& value);  // parses and fills the field
  OptionShape shape = OptionShape::kValue;
  bool required = false;
  int arity = 1;  // words per occurrence of a kTuple
};

// The whole table of one engine: the rows, then the rules across options and the defaults that
// depend on other options, applied once all rows were read.
template <typename Options>
struct OptionTable {
  std::vector<OptionSpec<Options>> options;
  void (*finish)(Options& options, const OptionNamer& name);

  const OptionSpec<Options>* find_key(std::string_view key) const {
    for (const auto& o : options) {
      if (key == o.key) return &o;
    }
    return nullptr;
  }
};

// The long flag of "-c,--connections" ("--connections"), else the short one, else the name.
std::string primary_flag(std::string_view flags);

}  // namespace perfgate::suite
