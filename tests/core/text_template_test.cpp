// Request templates: compiled once, expanded per request into a buffer.
#include "core/text_template.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace perfgate {
namespace {

std::string expand(const std::string& text, const TemplateValues& values) {
  return TextTemplate::compile(text).expand_to_string(values);
}

TEST(TextTemplate, PlainTextIsLiteral) {
  auto t = TextTemplate::compile(R"({"a": 1, "cost": "$5", "x": "$$"})");
  EXPECT_TRUE(t.is_literal());
  EXPECT_EQ(t.literal(), R"({"a": 1, "cost": "$5", "x": "$$"})");
  EXPECT_FALSE(t.uses_seq());
  EXPECT_EQ(t.max_size(), t.literal().size());
  EXPECT_TRUE(TextTemplate::compile("").is_literal());
}

TEST(TextTemplate, DoubleDollarBraceIsALiteralDollarBrace) {
  // "$$${seq}" reads left to right: a lone "$", then the escape "$${".
  auto t = TextTemplate::compile("a $${seq} b $$${seq}");
  EXPECT_TRUE(t.is_literal());
  EXPECT_EQ(t.literal(), "a ${seq} b $${seq}");
  auto mixed = TextTemplate::compile("$${x}=${seq}");
  EXPECT_FALSE(mixed.is_literal());
  TemplateValues v;
  v.seq = 7;
  EXPECT_EQ(mixed.expand_to_string(v), "${x}=7");
}

TEST(TextTemplate, SeqNowAndRequestId) {
  TemplateValues v;
  v.seq = 42;
  v.now_ms = 1764000000123;
  v.run_nonce = 0x8f3a2c1d;
  auto t = TextTemplate::compile("/u/${seq}?t=${now_ms}&id=${request_id}&again=${seq}");
  EXPECT_TRUE(t.uses_seq());
  EXPECT_TRUE(t.uses_now_ms());
  EXPECT_FALSE(t.uses_random());
  EXPECT_EQ(t.expand_to_string(v), "/u/42?t=1764000000123&id=8f3a2c1d-42&again=42");
  v.seq = 18446744073709551615ULL;
  v.now_ms = 18446744073709551615ULL;
  v.run_nonce = 0;
  std::string longest = t.expand_to_string(v);
  EXPECT_EQ(longest, "/u/18446744073709551615?t=18446744073709551615&id=00000000-18446744073709551615"
                     "&again=18446744073709551615");
  EXPECT_LE(longest.size(), t.max_size());
}

TEST(TextTemplate, RequestIdRoundTrips) {
  EXPECT_EQ(format_request_id(0x8f3a2c1d, 42), "8f3a2c1d-42");
  EXPECT_EQ(format_request_id(1, 0), "00000001-0");
  EXPECT_EQ(parse_request_id("8f3a2c1d-42", 0x8f3a2c1d), 42u);
  EXPECT_EQ(parse_request_id("00000001-0", 1), 0u);
  EXPECT_EQ(parse_request_id("8f3a2c1d-42", 0x8f3a2c1e), std::nullopt);  // another run's
  EXPECT_EQ(parse_request_id("8f3a2c1d-", 0x8f3a2c1d), std::nullopt);
  EXPECT_EQ(parse_request_id("8f3a2c1d-4x", 0x8f3a2c1d), std::nullopt);
  EXPECT_EQ(parse_request_id("8f3a2c1d-042", 0x8f3a2c1d), std::nullopt);
  EXPECT_EQ(parse_request_id("8F3A2C1D-42", 0x8f3a2c1d), std::nullopt);
  EXPECT_EQ(parse_request_id("", 0), std::nullopt);
  EXPECT_EQ(parse_request_id("8f3a2c1d-99999999999999999999", 0x8f3a2c1d), std::nullopt);
}

TEST(TextTemplate, UuidIsVersion4AndDiffersEachTime) {
  std::uint64_t rng = 12345;
  TemplateValues v;
  v.rng_state = &rng;
  auto t = TextTemplate::compile("${uuid}");
  EXPECT_TRUE(t.uses_random());
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = t.expand_to_string(v);
    ASSERT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(t.max_size(), 36u);
}

TEST(TextTemplate, RandStaysInItsRangeAndCoversIt) {
  std::uint64_t rng = 99;
  TemplateValues v;
  v.rng_state = &rng;
  auto t = TextTemplate::compile("${rand:3-7}");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(t.expand_to_string(v));
  EXPECT_EQ(seen, (std::set<std::string>{"3", "4", "5", "6", "7"}));
  EXPECT_EQ(expand("${rand:5-5}", v), "5");
  std::string wide = expand("${rand:0-18446744073709551615}", v);
  EXPECT_FALSE(wide.empty());
  // Without a caller's state a per-thread one is used.
  EXPECT_EQ(expand("${rand:9-9}", TemplateValues{}), "9");
}

TEST(TextTemplate, CallbackUrl) {
  TemplateValues v;
  v.callback_url = "http://127.0.0.1:41234/callback";
  auto t = TextTemplate::compile(R"({"reply_to": "${callback_url}"})");
  EXPECT_TRUE(t.uses_callback_url());
  EXPECT_FALSE(t.uses_seq());
  EXPECT_EQ(t.expand_to_string(v), R"({"reply_to": "http://127.0.0.1:41234/callback"})");
  std::string huge(1000, 'u');
  v.callback_url = huge;
  EXPECT_LE(t.expand_to_string(v).size(), t.max_size());
}

TEST(TextTemplate, ExpandWritesOnlyWithinMaxSize) {
  auto t = TextTemplate::compile("a${seq}b${uuid}c${rand:1-1000}d");
  std::string buffer(t.max_size() + 8, '#');
  std::uint64_t rng = 1;
  TemplateValues v;
  v.seq = 3;
  v.rng_state = &rng;
  char* end = t.expand(buffer.data(), v);
  EXPECT_LE(static_cast<std::size_t>(end - buffer.data()), t.max_size());
  EXPECT_EQ(buffer.substr(t.max_size()), "########");
}

void expect_error(const std::string& text, const std::string& name, std::size_t position,
                  const std::string& in_message) {
  try {
    TextTemplate::compile(text);
    ADD_FAILURE() << "no error for " << text;
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.name(), name) << text;
    EXPECT_EQ(e.position(), position) << text;
    EXPECT_NE(std::string(e.what()).find(in_message), std::string::npos) << e.what();
  }
}

TEST(TextTemplate, ErrorsNameTheVariableAndItsPosition) {
  expect_error("abc ${sequence}", "sequence", 4, "unknown template variable \"${sequence}\" at byte 4");
  expect_error("${}", "", 0, "unknown template variable \"${}\" at byte 0");
  expect_error("x ${seq", "seq", 2, "unterminated \"${\" at byte 2");
  expect_error("${rand:9-1}", "rand:9-1", 0, "bad range in \"${rand:9-1}\" at byte 0");
  expect_error("${rand:1}", "rand:1", 0, "bad range");
  expect_error("${rand:-1-5}", "rand:-1-5", 0, "bad range");
  expect_error("${rand:a-5}", "rand:a-5", 0, "bad range");
  expect_error("${rand:1-99999999999999999999}", "rand:1-99999999999999999999", 0, "bad range");
  // A TemplateError is a UsageError: exit 2.
  EXPECT_THROW(TextTemplate::compile("${nope}"), UsageError);
}

}  // namespace
}  // namespace perfgate
