// --targets files: every line checked before the run, FILE:LINE in every message.
#include "http/targets.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace perfgate::http {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_targets(text, "t.jsonl", RequestSpec{});
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Targets, LinesWithDefaults) {
  RequestSpec defaults{.method = "POST", .headers = {{"X-A", "a"}, {"X-B", "b"}}, .body = "default"};
  auto targets = parse_targets("{\"url\": \"http://127.0.0.1:9/x\"}\r\n\n"
                               "{\"url\": \"http://127.0.0.1:9/y?s=${seq}\", \"method\": \"GET\", \"body\": \"\", "
                               "\"headers\": {\"x-b\": \"own\", \"X-C\": \"${uuid}\"}}\n",
                               "t.jsonl", defaults);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].line, 1u);
  EXPECT_EQ(targets[0].spec.method, "POST");
  EXPECT_EQ(targets[0].spec.body, "default");
  EXPECT_EQ(targets[0].spec.headers, defaults.headers);
  EXPECT_EQ(targets[1].line, 3u);
  EXPECT_EQ(targets[1].url.target, "/y?s=${seq}");
  EXPECT_EQ(targets[1].spec.method, "GET");
  EXPECT_EQ(targets[1].spec.body, "");
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(targets[1].spec.headers, (Headers{{"X-A", "a"}, {"x-b", "own"}, {"X-C", "${uuid}"}}));
}

TEST(Targets, EveryProblemNamesItsLine) {
  const std::string first = "{\"url\": \"http://127.0.0.1:9/\"}\n";
  EXPECT_EQ(error_of(first + "{\"url\": \"http://127.0.0.1:10/\"}"),
            "t.jsonl:2: 'url' is on http://127.0.0.1:10, but the first target's on http://127.0.0.1:9: all targets "
            "share one scheme://host:port (the connections are reused)");
  EXPECT_EQ(error_of(first + "{\"url\": \"ftp://h/\"}"), "t.jsonl:2: 'url': unsupported scheme 'ftp' (expected http)");
  EXPECT_EQ(error_of(first + "{\"url\": \"http://h:${seq}/\"}"),
            "t.jsonl:2: 'url': templates (${...}) go in the path and query, not in scheme://host:port");
  EXPECT_EQ(error_of("{\"url\": 5}"), "t.jsonl:1: 'url': expected a string, got number");
  EXPECT_EQ(error_of("{\"url\": \"http://h/\", \"headers\": {\"A B\": \"x\"}}").substr(0, 47), "t.jsonl:1: 'headers': the header name must be l");
  EXPECT_EQ(error_of("{\"url\": \"http://h/\", \"headers\": [\"A: b\"]}"),
            "t.jsonl:1: 'headers': expected an object {\"NAME\": \"VALUE\"}, got array");
  EXPECT_EQ(error_of("{\"url\": \"http://h/\"\n"), "t.jsonl:1:20: not JSON (expected an object with method, url, headers, body)");
  EXPECT_EQ(error_of(first + "{\"url\": \"http://127.0.0.1:9/\", \"body\": \"${x}\"}").substr(0, 63),
            "t.jsonl:2: the body: unknown template variable \"${x}\" at byte 0");
  EXPECT_EQ(error_of(""), "t.jsonl: no targets (one JSON object per line)");
}

}  // namespace
}  // namespace perfgate::http
