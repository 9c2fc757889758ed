// Redaction of secrets in shown URLs and headers, and the one header check of -H and suites.
#include "core/redaction.hpp"

#include <gtest/gtest.h>

#include <string>

namespace perfgate {
namespace {

TEST(Redaction, AlwaysSecretHeadersAndNamedOnesIgnoringCaseAndSpaces) {
  Redaction redaction({" X-Api-Key "});
  EXPECT_TRUE(redaction.secret_header("Authorization"));
  EXPECT_TRUE(redaction.secret_header("authorization "));  // a trailing space does not escape
  EXPECT_TRUE(redaction.secret_header("COOKIE"));
  EXPECT_TRUE(redaction.secret_header("Proxy-Authorization"));
  EXPECT_TRUE(redaction.secret_header("x-api-key"));
  EXPECT_FALSE(redaction.secret_header("X-Trace"));
  EXPECT_FALSE(Redaction().secret_header("X-Api-Key"));
  EXPECT_TRUE(Redaction().with({"X-Api-Key"}).secret_header("X-API-KEY"));
}

TEST(Redaction, QueryParametersNamedAndUserinfo) {
  Redaction redaction({"api_key", "token"});
  struct Case {
    const char* url;
    const char* shown;
  };
  const Case cases[] = {
      {"http://h:8080/x?api_key=s3cret&page=2", "http://h:8080/x?api_key=***&page=2"},  // only the named one
      {"http://h/x?page=2&API_KEY=s3cret", "http://h/x?page=2&API_KEY=***"},            // any case
      {"http://h/x?api%5Fkey=s3cret", "http://h/x?api%5Fkey=***"},                      // percent-encoded name
      {"http://h/x?token=a&token=b#frag", "http://h/x?token=***&token=***#frag"},       // every occurrence
      {"http://u:pw@h/x", "http://***@h/x"},                                            // user:password@
      {"http://h/path/api_key=1", "http://h/path/api_key=1"},                           // a path is no secret
      {"/x?api_key=s3cret", "/x?api_key=***"},                                          // a request target
      {"http://h/x?flag&api_key=", "http://h/x?flag&api_key=***"},                      // no value, empty value
  };
  for (const Case& c : cases) EXPECT_EQ(redaction.url(c.url), c.shown) << c.url;
}

TEST(Redaction, HeadersShownWithSecretValuesStarred) {
  auto shown = Redaction({"X-Api-Key"}).headers({{"Authorization", "Bearer t"}, {"X-Api-Key", "k"}, {"X-A", "v"}});
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[0].second, "***");
  EXPECT_EQ(shown[1].second, "***");
  EXPECT_EQ(shown[2].second, "v");
}

TEST(HeaderCheck, TrimsAndRejectsLineBreaksWithoutQuotingTheValue) {
  std::string problem;
  auto ok = parse_header_line("  X-A :  b c ", &problem);
  ASSERT_TRUE(ok) << problem;
  EXPECT_EQ(ok->name, "X-A");
  EXPECT_EQ(ok->value, "b c");

  struct Case {
    std::string name;
    std::string value;
    const char* problem;
  };
  const Case cases[] = {
      {"X-Trace", "t1\r\nAuthorization: Bearer SECRET", "line break"},  // a second header smuggled in
      {"X-Trace", "t1\nSECRET", "line break"},                         // LF alone
      {"X-Trace", std::string("a\0SECRET", 8), "NUL"},                 // NUL
      {"X-Trace\r\nAuthorization", "SECRET", "line break"},            // in the name
      {std::string("X-Trace\0A", 9), "SECRET", "NUL"},                  // NUL in the name
      {"Bad Name", "SECRET", "no spaces"},                             // not a token
      {" ", "SECRET", "empty"},                                        // no name
  };
  for (const Case& c : cases) {
    problem.clear();
    EXPECT_FALSE(check_header(c.name, c.value, &problem)) << c.name;
    EXPECT_NE(problem.find(c.problem), std::string::npos) << problem;
    EXPECT_EQ(problem.find("SECRET"), std::string::npos) << problem;
  }
  problem.clear();
  EXPECT_FALSE(parse_header_line("Authorization Bearer SECRET", &problem));
  EXPECT_EQ(problem.find("SECRET"), std::string::npos) << problem;
}

}  // namespace
}  // namespace perfgate
