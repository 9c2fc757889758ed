// The value parsers of the option tables: every number, duration and rate of `perfgate http`,
// `perfgate cmd` and a suite's `http:`/`cmd:` goes through them, so bad values are refused here
// with the option's name, before anything is sent.
#include "suite/option_table.hpp"

#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "suite/cmd_options.hpp"
#include "suite/http_options.hpp"

namespace perfgate::suite {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "no error";
}

TEST(OptionValue, WholeNumbersRefuseSignsZeroAndOverflow) {
  struct Case {
    const char* text;
    const char* error;  // "" when accepted
  };
  const Case cases[] = {
      {"3", ""},                                                              // in range
      {"-3", "--requests: expected a whole number from 1 to 1000, got '-3'"},  // not 2^64 - 3
      {"0", "--requests: expected a whole number from 1 to 1000, got '0'"},    // below the minimum
      {"1001", "--requests: expected a whole number from 1 to 1000, got '1001'"},
      {"99999999999999999999999", "--requests: expected a whole number from 1 to 1000"},  // overflow
      {"1e3", "--requests: expected a whole number"},                                     // no exponents
      {"", "--requests: expected a whole number"},
  };
  for (const Case& c : cases) {
    std::string error = error_of([&] { OptionValue("--requests", {c.text}).whole_number(1, 1000); });
    if (c.error[0] == '\0') {
      EXPECT_EQ(error, "no error") << c.text;
    } else {
      EXPECT_THAT(error, HasSubstr(c.error)) << c.text;
    }
  }
}

TEST(OptionValue, DurationsAndRates) {
  EXPECT_EQ(OptionValue("--warmup", {"0s"}).duration(), Nanos(0));  // a warm-up may be none
  EXPECT_EQ(error_of([] { OptionValue("-d", {"0s"}).positive_duration(); }),
            "-d: expected a positive duration like 500ms, 10s, 2m or 1h30m, got '0s'");
  EXPECT_THAT(error_of([] { OptionValue("--timeout", {"-1s"}).positive_duration(); }), HasSubstr("--timeout"));
  EXPECT_DOUBLE_EQ(OptionValue("--rate", {"600/m"}).rate_per_s(1e7), 10.0);
  EXPECT_THAT(error_of([] { OptionValue("--rate", {"0"}).rate_per_s(1e7); }),
              HasSubstr("--rate: expected a rate above 0"));
  EXPECT_THAT(error_of([] { OptionValue("--rate", {"fast"}).rate_per_s(1e7); }), HasSubstr("got 'fast'"));
}

TEST(OptionValue, PathsInASuiteStartAtItsFolder) {
  EXPECT_EQ(OptionValue("'input'", {"in.txt"}, "perf/").path(), "perf/in.txt");
  EXPECT_EQ(OptionValue("'input'", {"/abs/in.txt"}, "perf/").path(), "/abs/in.txt");
  EXPECT_EQ(OptionValue("--input", {"in.txt"}).path(), "in.txt");  // the command line: the working directory
}

TEST(OptionValue, HeaderPairs) {
  auto pairs = OptionValue("-H", {"Accept: text/plain", "X-Empty:"}).header_pairs();
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"Accept", "text/plain"}));
  EXPECT_EQ(pairs[1].second, "");
  EXPECT_EQ(error_of([] { OptionValue("--header", {"NoColon"}).header_pairs(); }),
            "--header: expected 'Name: value' (no ':' found)");
}

TEST(OptionTables, RulesAcrossOptionsNameBoth) {
  auto flag = [](std::string_view key) { return "<" + std::string(key) + ">"; };
  CmdBenchmarkOptions cmd;
  cmd.commands = {"true"};
  cmd.runs = 3;
  cmd.min_runs = 2;
  EXPECT_EQ(error_of([&] { cmd_option_table().finish(cmd, flag); }),
            "<runs>: cannot be combined with <min_runs> or <max_runs>");
  HttpBenchmarkOptions http;
  EXPECT_EQ(error_of([&] { http_option_table().finish(http, flag); }), "no target url: give <url> or <targets> FILE");
  http.url = "http://127.0.0.1:1/";
  http_option_table().finish(http, flag);
  EXPECT_EQ(http.duration, std::chrono::seconds(10));  // neither -d nor -n: 10 s
  http.targets_file = "t.jsonl";
  EXPECT_EQ(error_of([&] { http_option_table().finish(http, flag); }),
            "<targets>: the URLs come from the file; give no other URL");
  http.url.clear();
  http.body = "x";
  http.body_file = "b";
  EXPECT_EQ(error_of([&] { http_option_table().finish(http, flag); }),
            "<body_file>: give the body inline or as a file, not both");
}

TEST(OptionTables, EveryRowHasFlagsAKeyAndHelp) {
  for (const auto& row : http_option_table().options) {
    EXPECT_FALSE(primary_flag(row.flags).empty()) << row.key;
    EXPECT_NE(std::string(row.help), "") << row.key;
  }
  for (const auto& row : cmd_option_table().options) {
    EXPECT_FALSE(primary_flag(row.flags).empty()) << row.key;
    EXPECT_NE(std::string(row.help), "") << row.key;
  }
  EXPECT_EQ(primary_flag("-c,--connections"), "--connections");
  EXPECT_EQ(primary_flag("-N"), "-N");
}

}  // namespace
}  // namespace perfgate::suite
