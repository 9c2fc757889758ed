// Tests for `${VAR}` / `${VAR:-default}` / `$$` interpolation.
#include "suite/interpolation.hpp"

#include <gtest/gtest.h>

namespace perfgate::suite {
namespace {

const Environment kEnv = environment_from({{"HOST", "db.local"}, {"PORT", "5432"}, {"EMPTY", ""}});

TEST(Interpolate, ReplacesVariables) {
  EXPECT_EQ(interpolate("http://${HOST}:${PORT}/x", kEnv), "http://db.local:5432/x");
  EXPECT_EQ(interpolate("${HOST}", kEnv), "db.local");
  EXPECT_EQ(interpolate("no variables", kEnv), "no variables");
  EXPECT_EQ(interpolate("", kEnv), "");
  EXPECT_EQ(interpolate("[${EMPTY}]", kEnv), "[]");
}

TEST(Interpolate, DefaultsApplyWhenUnsetOrEmpty) {
  EXPECT_EQ(interpolate("${MISSING:-8080}", kEnv), "8080");
  EXPECT_EQ(interpolate("${PORT:-8080}", kEnv), "5432");
  EXPECT_EQ(interpolate("${EMPTY:-fallback}", kEnv), "fallback");
  EXPECT_EQ(interpolate("${MISSING:-}", kEnv), "");
  EXPECT_EQ(interpolate("${MISSING:-a b:c}", kEnv), "a b:c");
}

TEST(Interpolate, DoubleDollarEscapes) {
  EXPECT_EQ(interpolate("$${HOST}", kEnv), "${HOST}");
  EXPECT_EQ(interpolate("cost: $$5", kEnv), "cost: $5");
  EXPECT_EQ(interpolate("$$$${HOST}", kEnv), "$${HOST}");
  EXPECT_EQ(interpolate("$$${HOST}", kEnv), "$db.local");
}

TEST(Interpolate, OtherDollarsStayAsWritten) {
  EXPECT_EQ(interpolate("echo $HOME $", kEnv), "echo $HOME $");
  EXPECT_EQ(interpolate("$1", kEnv), "$1");
}

TEST(Interpolate, ErrorsSayWhereInTheString) {
  struct Case {
    const char* text;
    std::size_t offset;
    const char* message;
  };
  const Case cases[] = {
      {"x ${NOPE} y", 2, "environment variable 'NOPE' is not set (write '${NOPE:-default}' to give a default)"},
      {"ab${HOST", 2, "unterminated '${': expected '${NAME}' or '${NAME:-default}'"},
      {"${}", 0, "bad variable reference '${}': expected '${NAME}' or '${NAME:-default}'"},
      {"${1X}", 0, "bad variable reference '${1X}': expected '${NAME}' or '${NAME:-default}'"},
      {"${HOST-x}", 0, "bad variable reference '${HOST-x}': expected '${NAME}' or '${NAME:-default}'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      interpolate(c.text, kEnv);
      ADD_FAILURE() << "no error";
    } catch (const InterpolationError& error) {
      EXPECT_EQ(error.offset(), c.offset);
      EXPECT_EQ(std::string(error.what()), c.message);
    }
  }
}

TEST(Interpolate, ProcessEnvironmentReadsGetenv) {
  ::setenv("PERFGATE_SUITE_TEST_VAR", "42", 1);
  EXPECT_EQ(interpolate("${PERFGATE_SUITE_TEST_VAR}", process_environment()), "42");
  ::unsetenv("PERFGATE_SUITE_TEST_VAR");
  EXPECT_EQ(interpolate("${PERFGATE_SUITE_TEST_VAR:-none}", process_environment()), "none");
}

TEST(Interpolate, RequestTemplateNamesAreLeftForTheTemplate) {
  // Even when the environment has a variable of that name: in a suite, ${seq} is the request's.
  auto env = environment_from({{"seq", "env"}, {"HOST", "127.0.0.1"}});
  EXPECT_EQ(interpolate(R"({"id": ${seq}, "u": "${uuid}", "n": ${rand:1-9}, "t": ${now_ms}})", env),
            R"({"id": ${seq}, "u": "${uuid}", "n": ${rand:1-9}, "t": ${now_ms}})");
  EXPECT_EQ(interpolate("http://${HOST}/cb?to=${callback_url}&id=${request_id}", env),
            "http://127.0.0.1/cb?to=${callback_url}&id=${request_id}");
}

}  // namespace
}  // namespace perfgate::suite
