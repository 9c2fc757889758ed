// The flags a verb's real `--help` lists, for the tests that keep the docs and the suite keys in
// step with the command line (option_parity_test, cli_reference_test).
#pragma once

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace perfgate::testing {

// "-c,--connections" -> {"-c", "--connections"}
inline void add_flag_names(const std::string& names, std::set<std::string>& into) {
  for (std::size_t start = 0; start < names.size();) {
    std::size_t comma = names.find(',', start);
    into.insert(names.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? names.size() : comma + 1;
  }
}

// Every "-x" and "--long" at the start of an option line of `perfgate ARGS… --help`, and the
// positional names.
inline std::set<std::string> help_flags(std::vector<std::string> args) {
  args.push_back("--help");
  ProcessOutput help = run_perfgate(args);
  EXPECT_EQ(help.exit_code, 0) << help.err;
  std::set<std::string> flags;
  std::istringstream lines(help.out);
  bool positionals = false;
  const std::regex flag(R"(^\s+((?:--?[A-Za-z][\w-]*,?)+))");
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("Positionals:")) positionals = true;
    if (line.starts_with("Options:") || line.starts_with("Subcommands:")) positionals = false;
    if (line.starts_with("Subcommands:")) break;  // their names are not flags
    std::smatch match;
    if (positionals && line.starts_with("  ") && !line.starts_with("   ")) {
      flags.insert(line.substr(2, line.find(' ', 2) - 2));
    } else if (std::regex_search(line, match, flag)) {
      add_flag_names(match[1], flags);
    }
  }
  return flags;
}

}  // namespace perfgate::testing
