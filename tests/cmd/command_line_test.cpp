// Tests for command-line splitting (--shell=none), the shell argv, {NAME} substitution and
// the values of parameter scans (-P/-D) and lists (-L) with their combinations.
#include "cmd/command_line.hpp"

#include <gtest/gtest.h>

namespace perfgate::cmd {
namespace {

using Words = std::vector<std::string>;

Words split(const std::string& text) {
  std::string error;
  const std::optional<Words> words = split_command_line(text, &error);
  EXPECT_TRUE(words.has_value()) << text << ": " << error;
  return words.value_or(Words{});
}

std::string split_error(const std::string& text) {
  std::string error;
  EXPECT_FALSE(split_command_line(text, &error).has_value()) << text;
  return error;
}

TEST(SplitCommandLine, WhitespaceSeparates) {
  EXPECT_EQ(split("grep -i todo"), (Words{"grep", "-i", "todo"}));
  EXPECT_EQ(split("  a \t b\n c  "), (Words{"a", "b", "c"}));
  EXPECT_EQ(split(""), Words{});
  EXPECT_EQ(split("   "), Words{});
}

TEST(SplitCommandLine, TheHeaderExample) {
  EXPECT_EQ(split(R"(a "b c" 'd e' f\ g)"), (Words{"a", "b c", "d e", "f g"}));
}

TEST(SplitCommandLine, SingleQuotesAreLiteral) {
  EXPECT_EQ(split(R"('a\b "c" $d')"), (Words{R"(a\b "c" $d)"}));
  EXPECT_EQ(split("'  spaced  '"), (Words{"  spaced  "}));
}

TEST(SplitCommandLine, DoubleQuotesEscapeOnlyFourCharacters) {
  EXPECT_EQ(split(R"("a \" b")"), (Words{R"(a " b)"}));
  EXPECT_EQ(split(R"("back\\slash")"), (Words{R"(back\slash)"}));
  EXPECT_EQ(split(R"("\$HOME \`x\`")"), (Words{"$HOME `x`"}));
  // Any other backslash stays.
  EXPECT_EQ(split(R"("a\b\n")"), (Words{R"(a\b\n)"}));
  EXPECT_EQ(split(R"("it's")"), (Words{"it's"}));
}

TEST(SplitCommandLine, BackslashOutsideQuotesEscapesTheNextCharacter) {
  EXPECT_EQ(split(R"(a\ b c\"d \'e\\)"), (Words{"a b", "c\"d", "'e\\"}));
  EXPECT_EQ(split(R"(\a)"), (Words{"a"}));
}

TEST(SplitCommandLine, BackslashNewlineContinuesTheLine) {
  EXPECT_EQ(split("long\\\ncommand"), (Words{"longcommand"}));
  EXPECT_EQ(split("a \\\n b"), (Words{"a", "b"}));
  EXPECT_EQ(split("\"x\\\ny\""), (Words{"xy"}));
}

TEST(SplitCommandLine, EmptyQuotesAreAnEmptyArgument) {
  EXPECT_EQ(split(R"(prog "" '')"), (Words{"prog", "", ""}));
  EXPECT_EQ(split(R"("")"), (Words{""}));
}

TEST(SplitCommandLine, AdjacentPiecesFormOneWord) {
  EXPECT_EQ(split(R"(--name="a b"'c d'e)"), (Words{"--name=a bc de"}));
  EXPECT_EQ(split(R"(x""y)"), (Words{"xy"}));
}

TEST(SplitCommandLine, Errors) {
  EXPECT_NE(split_error("echo 'open").find("unterminated single quote"), std::string::npos);
  EXPECT_NE(split_error("echo \"open").find("unterminated double quote"), std::string::npos);
  EXPECT_NE(split_error(R"(echo "a\")").find("unterminated double quote"), std::string::npos);
  EXPECT_NE(split_error("echo trailing\\").find("trailing backslash"), std::string::npos);
  // The position points at the opening quote (1-based).
  EXPECT_NE(split_error("ab 'c").find("position 4"), std::string::npos);
  // A null error pointer is allowed.
  EXPECT_FALSE(split_command_line("'", nullptr).has_value());
}

TEST(ShellArgv, WrapsTheCommandInShellDashC) {
  EXPECT_EQ(shell_argv("sh", "sleep 0.1 && echo hi"), (Words{"sh", "-c", "sleep 0.1 && echo hi"}));
  EXPECT_EQ(shell_argv("bash --norc", "echo $0"), (Words{"bash", "--norc", "-c", "echo $0"}));
  EXPECT_EQ(shell_argv("'/opt/my shell/zsh' -f", "x"), (Words{"/opt/my shell/zsh", "-f", "-c", "x"}));
  // An unsplittable shell is kept whole rather than lost.
  EXPECT_EQ(shell_argv("weird'sh", "x"), (Words{"weird'sh", "-c", "x"}));
}

TEST(SubstituteParameters, ReplacesKnownNames) {
  const std::map<std::string, std::string> values{{"threads", "4"}, {"size", "1k"}};
  EXPECT_EQ(substitute_parameters("make -j{threads}", values), "make -j4");
  EXPECT_EQ(substitute_parameters("{size}/{threads}/{size}", values), "1k/4/1k");
  EXPECT_EQ(substitute_parameters("no parameters", values), "no parameters");
  EXPECT_EQ(substitute_parameters("", values), "");
}

TEST(SubstituteParameters, LeavesOtherBracesAlone) {
  const std::map<std::string, std::string> values{{"n", "7"}};
  EXPECT_EQ(substitute_parameters("awk '{print $1}' {n}", values), "awk '{print $1}' 7");
  EXPECT_EQ(substitute_parameters("{{n}}", values), "{7}");
  EXPECT_EQ(substitute_parameters("{}", values), "{}");
  EXPECT_EQ(substitute_parameters("{n", values), "{n");
  EXPECT_EQ(substitute_parameters("n}", values), "n}");
  EXPECT_EQ(substitute_parameters("{ n }", values), "{ n }");
}

TEST(SubstituteParameters, ValuesAreNotSubstitutedAgain) {
  const std::map<std::string, std::string> values{{"a", "{b}"}, {"b", "x"}};
  EXPECT_EQ(substitute_parameters("{a}{b}", values), "{b}x");
}

Words scan(const std::string& min, const std::string& max, std::optional<std::string> step = std::nullopt) {
  std::string error;
  const std::optional<Parameter> parameter = parameter_scan("x", min, max, step, &error);
  EXPECT_TRUE(parameter.has_value()) << error;
  if (!parameter) return {};
  EXPECT_EQ(parameter->name, "x");
  return parameter->values;
}

std::string scan_error(const std::string& min, const std::string& max, std::optional<std::string> step = std::nullopt) {
  std::string error;
  EXPECT_FALSE(parameter_scan("x", min, max, step, &error).has_value()) << min << " " << max;
  return error;
}

TEST(ParameterScan, IntegersByDefault) {
  EXPECT_EQ(scan("1", "5"), (Words{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(scan("-2", "1"), (Words{"-2", "-1", "0", "1"}));
  EXPECT_EQ(scan("3", "3"), (Words{"3"}));
  EXPECT_EQ(scan("007", "8"), (Words{"7", "8"}));
}

TEST(ParameterScan, WithAStep) {
  EXPECT_EQ(scan("0", "10", "5"), (Words{"0", "5", "10"}));
  EXPECT_EQ(scan("0", "10", "4"), (Words{"0", "4", "8"}));  // MAX need not be on the grid
  EXPECT_EQ(scan("1", "3", "1"), (Words{"1", "2", "3"}));
}

TEST(ParameterScan, DecimalsWithoutTrailingZeros) {
  EXPECT_EQ(scan("0", "1", "0.5"), (Words{"0", "0.5", "1"}));
  EXPECT_EQ(scan("0", "0.3", "0.1"), (Words{"0", "0.1", "0.2", "0.3"}));  // no float drift
  EXPECT_EQ(scan("-0.5", "0.5", "0.25"), (Words{"-0.5", "-0.25", "0", "0.25", "0.5"}));
  EXPECT_EQ(scan("1.50", "2", "0.25"), (Words{"1.5", "1.75", "2"}));
  EXPECT_EQ(scan(".5", "1.", "0.5"), (Words{"0.5", "1"}));
}

TEST(ParameterScan, FractionalBoundsStepByOne) {
  EXPECT_EQ(scan("0.5", "2.5"), (Words{"0.5", "1.5", "2.5"}));
  EXPECT_EQ(scan("0.5", "2"), (Words{"0.5", "1.5"}));
}

TEST(ParameterScan, ManySmallStepsStayExact) {
  const Words values = scan("0", "1", "0.001");
  ASSERT_EQ(values.size(), 1001u);
  EXPECT_EQ(values[1], "0.001");
  EXPECT_EQ(values[300], "0.3");
  EXPECT_EQ(values[999], "0.999");
  EXPECT_EQ(values.back(), "1");
}

TEST(ParameterScan, BadRanges) {
  EXPECT_NE(scan_error("5", "1").find("greater than the maximum"), std::string::npos);
  EXPECT_NE(scan_error("0", "1", "0").find("greater than zero"), std::string::npos);
  EXPECT_NE(scan_error("0", "1", "-0.5").find("greater than zero"), std::string::npos);
  EXPECT_NE(scan_error("0", "100000").find("100001 values"), std::string::npos);
  EXPECT_NE(scan_error("0", "1", "0.000001").find("at most 100000"), std::string::npos);
  EXPECT_EQ(scan("1", "100000").size(), 100'000u);
}

TEST(ParameterScan, NotNumbers) {
  for (const char* bad : {"", "abc", "1e3", "1.2.3", "-", ".", " 1", "1 ", "0x10", "--1"}) {
    EXPECT_NE(scan_error(bad, "10").find("is not a number"), std::string::npos) << bad;
    EXPECT_NE(scan_error("0", bad).find("the maximum"), std::string::npos) << bad;
    EXPECT_NE(scan_error("0", "10", std::string(bad)).find("the step"), std::string::npos) << bad;
  }
  EXPECT_FALSE(scan_error("12345678901234567890", "1").empty());
  // Each within range, but together too many digits once scaled to the finest step.
  EXPECT_NE(scan_error("0", "100000000000000000", "0.05").find("too many digits"), std::string::npos);
}

TEST(ParameterScan, NamesTheParameterInErrors) {
  std::string error;
  EXPECT_FALSE(parameter_scan("threads", "4", "1", std::nullopt, &error).has_value());
  EXPECT_NE(error.find("threads"), std::string::npos) << error;
  EXPECT_FALSE(parameter_scan("", "1", "4", std::nullopt, &error).has_value());
  EXPECT_NE(error.find("name is empty"), std::string::npos) << error;
  EXPECT_FALSE(parameter_scan("x", "4", "1", std::nullopt, nullptr).has_value());
}

TEST(ParameterList, SplitsOnCommas) {
  const Parameter compilers = parameter_list("compiler", "gcc,clang,icx");
  EXPECT_EQ(compilers.name, "compiler");
  EXPECT_EQ(compilers.values, (Words{"gcc", "clang", "icx"}));
  EXPECT_EQ(parameter_list("x", "one").values, Words{"one"});
  EXPECT_EQ(parameter_list("x", "a,,b").values, (Words{"a", "", "b"}));
  EXPECT_EQ(parameter_list("x", "a,").values, (Words{"a", ""}));
  EXPECT_EQ(parameter_list("x", "").values, Words{""});
  EXPECT_EQ(parameter_list("x", "with space, b").values, (Words{"with space", " b"}));
}

using Combination = std::map<std::string, std::string>;

TEST(ParameterCombinations, CrossProductWithTheFirstParameterSlowest) {
  const std::vector<Combination> combinations =
      parameter_combinations({parameter_list("a", "1,2"), parameter_list("b", "x,y,z")});
  const std::vector<Combination> expected{{{"a", "1"}, {"b", "x"}}, {{"a", "1"}, {"b", "y"}}, {{"a", "1"}, {"b", "z"}},
                                          {{"a", "2"}, {"b", "x"}}, {{"a", "2"}, {"b", "y"}}, {{"a", "2"}, {"b", "z"}}};
  EXPECT_EQ(combinations, expected);
}

TEST(ParameterCombinations, OneParameter) {
  EXPECT_EQ(parameter_combinations({parameter_list("n", "1,2")}),
            (std::vector<Combination>{{{"n", "1"}}, {{"n", "2"}}}));
}

TEST(ParameterCombinations, NoParametersIsOneEmptyCombination) {
  EXPECT_EQ(parameter_combinations({}), std::vector<Combination>{Combination{}});
}

TEST(ParameterCombinations, AParameterWithoutValuesLeavesNothing) {
  EXPECT_TRUE(parameter_combinations({parameter_list("a", "1,2"), Parameter{"b", {}}}).empty());
}

TEST(ParameterCombinations, ThreeParametersMultiply) {
  std::string error;
  const auto combinations = parameter_combinations(
      {parameter_list("a", "1,2"), *parameter_scan("b", "1", "3", std::nullopt, &error), parameter_list("c", "p,q")});
  ASSERT_EQ(combinations.size(), 12u);
  EXPECT_EQ(combinations.front(), (Combination{{"a", "1"}, {"b", "1"}, {"c", "p"}}));
  EXPECT_EQ(combinations[1], (Combination{{"a", "1"}, {"b", "1"}, {"c", "q"}}));
  EXPECT_EQ(combinations.back(), (Combination{{"a", "2"}, {"b", "3"}, {"c", "q"}}));
}

}  // namespace
}  // namespace perfgate::cmd
