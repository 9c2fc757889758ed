// The options of `perfgate http`/`perfgate cmd` and the keys of a suite's `http:`/`cmd:` come from
// one table each (suite/option_table.hpp); these tests read the real --help and check that every
// flag has a suite key and every suite key a flag, so a flag added beside the table fails here.
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "suite/cmd_options.hpp"
#include "suite/exec_options.hpp"
#include "suite/http_options.hpp"
#include "suite/sse_options.hpp"
#include "support/help_flags.hpp"
#include "support/process.hpp"

namespace perfgate::testing {
namespace {

template <typename Options>
std::set<std::string> table_flags(const suite::OptionTable<Options>& table) {
  std::set<std::string> flags;
  for (const auto& row : table.options) add_flag_names(row.flags, flags);
  return flags;
}

template <typename Options>
void expect_table_and_help_agree(const std::string& verb, const suite::OptionTable<Options>& table,
                                 const std::set<std::string>& not_benchmark_options) {
  std::set<std::string> help = help_flags({verb});
  std::set<std::string> rows = table_flags(table);
  for (const auto& flag : help) {
    if (not_benchmark_options.count(flag) != 0) continue;
    EXPECT_EQ(rows.count(flag), 1u) << "perfgate " << verb << " " << flag
                                    << " is not in the option table, so a suite cannot set it";
  }
  for (const auto& flag : rows) {
    EXPECT_EQ(help.count(flag), 1u) << "the option table's " << flag << " is not in perfgate " << verb << " --help";
  }
  std::set<std::string> keys;
  for (const auto& row : table.options) {
    EXPECT_NE(std::string(row.key), "") << row.flags;
    EXPECT_TRUE(keys.insert(row.key).second) << "suite key '" << row.key << "' twice";
    EXPECT_NE(std::string(row.help), "") << row.flags;
  }
}

// The suite reference lists every key of both tables, so the documentation cannot drift either.
TEST(OptionParity, TheSuiteReferenceListsEveryKey) {
  std::ifstream in(std::string(PERFGATE_SOURCE_DIR) + "/docs/suite.md");
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& row : suite::http_option_table().options) {
    EXPECT_THAT(text.str(), ::testing::HasSubstr("| `" + std::string(row.key) + "` |")) << "http: " << row.key;
  }
  for (const auto& row : suite::cmd_option_table().options) {
    EXPECT_THAT(text.str(), ::testing::HasSubstr("| `" + std::string(row.key) + "` |")) << "cmd: " << row.key;
  }
  for (const auto& row : suite::sse_option_table().options) {
    EXPECT_THAT(text.str(), ::testing::HasSubstr("| `" + std::string(row.key) + "` |")) << "sse: " << row.key;
  }
  for (const auto& row : suite::exec_option_table().options) {
    EXPECT_THAT(text.str(), ::testing::HasSubstr("| `" + std::string(row.key) + "` |")) << "exec: " << row.key;
  }
}

TEST(OptionParity, EveryHttpFlagHasASuiteKeyAndEveryKeyAFlag) {
  expect_table_and_help_agree("http", suite::http_option_table(),
                              {
                                  "-h", "--help",   // CLI11's own
                                  "--json",         // a suite: perfgate run --json
                                  "--bmf",          // a suite: perfgate run --bmf
                                  "--hlog",         // a suite: a soak writes runs/RUN/BENCH.hlog
                                  "--name",         // a suite: the benchmark's name:
                                  "-q", "--quiet",  // a suite: perfgate run's terminal
                              });
}

TEST(OptionParity, EveryExecFlagHasASuiteKeyAndEveryKeyAFlag) {
  expect_table_and_help_agree("exec", suite::exec_option_table(),
                              {
                                  "-h", "--help",   // CLI11's own
                                  "--json",         // a suite: perfgate run --json
                                  "--hlog",         // a suite: a soak writes runs/RUN/BENCH.hlog
                                  "--name",         // a suite: the benchmark's name:
                                  "-q", "--quiet",  // a suite: perfgate run's terminal
                              });
}

TEST(OptionParity, EveryCmdFlagHasASuiteKeyAndEveryKeyAFlag) {
  expect_table_and_help_agree("cmd", suite::cmd_option_table(),
                              {
                                  "-h", "--help",                          // CLI11's own
                                  "--json", "--export-json",               // a suite: perfgate run --json
                                  "--bmf",                                 // a suite: perfgate run --bmf
                                  "--export-markdown", "--export-csv",     // a suite: perfgate run --markdown
                                  "--export-asciidoc", "--export-orgmode", // hyperfine's other tables
                                  "-u", "--time-unit", "--style", "--sort", // how the terminal shows them
                                  "-q", "--quiet",                         // a suite: perfgate run's terminal
                              });
}

TEST(OptionParity, EverySseFlagHasASuiteKeyAndEveryKeyAFlag) {
  expect_table_and_help_agree("sse", suite::sse_option_table(),
                              {
                                  "-h", "--help",   // CLI11's own
                                  "--json",         // a suite: perfgate run --json
                                  "--hlog",         // a suite: a soak writes runs/RUN/BENCH.hlog
                                  "--name",         // a suite: the benchmark's name:
                                  "-q", "--quiet",  // a suite: perfgate run's terminal
                              });
}

}  // namespace
}  // namespace perfgate::testing
