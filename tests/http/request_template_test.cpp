// Requests built once (fixed) or written per request (templated), byte for byte the same shape.
#include "http/request_template.hpp"

#include <gtest/gtest.h>

namespace perfgate::http {
namespace {

Url url_of(const std::string& text) {
  std::string error;
  auto url = parse_url(text, &error);
  EXPECT_TRUE(url) << error;
  return *url;
}

std::string written(const TemplatedRequest& t, const TemplateValues& values) {
  std::string buffer(t.max_size(), '\0');
  buffer.resize(t.write(buffer.data(), values));
  return buffer;
}

TEST(PrepareRequest, NothingTemplatedIsBuiltOnce) {
  RequestSpec spec{.method = "POST", .headers = {{"X-A", "1"}}, .body = "{}"};
  PreparedRequest p = prepare_request(url_of("http://127.0.0.1:8080/x"), spec);
  EXPECT_FALSE(p.templated);
  EXPECT_EQ(p.fixed, build_request(url_of("http://127.0.0.1:8080/x"), spec));
  EXPECT_FALSE(p.head_request);
  EXPECT_TRUE(prepare_request(url_of("http://h/"), RequestSpec{.method = "HEAD", .headers = {}, .body = ""}).head_request);
}

TEST(PrepareRequest, TheEscapeIsUndoneInAFixedRequest) {
  RequestSpec spec{.method = "POST", .headers = {{"X-A", "$${a}"}}, .body = "$${b}"};
  PreparedRequest p = prepare_request(url_of("http://h/p?q=$${c}"), spec);
  ASSERT_FALSE(p.templated);
  EXPECT_EQ(p.fixed, "POST /p?q=${c} HTTP/1.1\r\nHost: h\r\nUser-Agent: perfgate/" PERFGATE_VERSION
                     "\r\nX-A: ${a}\r\nContent-Length: 4\r\n\r\n${b}");
}

TEST(TemplatedRequest, WritesWhatBuildRequestWouldWithTheValuesFilledIn) {
  RequestSpec spec{.method = "POST", .headers = {{"X-Seq", "${seq}"}}, .body = R"({"seq": ${seq}})"};
  auto t = TemplatedRequest::compile(url_of("http://127.0.0.1:8080/u/${seq}"), spec);
  EXPECT_TRUE(t.uses_seq());
  for (std::uint64_t seq : {0ULL, 7ULL, 12345ULL, 18446744073709551615ULL}) {
    TemplateValues v;
    v.seq = seq;
    std::string s = std::to_string(seq);
    RequestSpec filled{.method = "POST", .headers = {{"X-Seq", s}}, .body = R"({"seq": )" + s + "}"};
    EXPECT_EQ(written(t, v), build_request(url_of("http://127.0.0.1:8080/u/" + s), filled));
  }
}

TEST(TemplatedRequest, NoBodyNoContentLength) {
  auto t = TemplatedRequest::compile(url_of("http://h:81/u/${seq}"), RequestSpec{});
  TemplateValues v;
  v.seq = 3;
  EXPECT_EQ(written(t, v), "GET /u/3 HTTP/1.1\r\nHost: h:81\r\nUser-Agent: perfgate/" PERFGATE_VERSION "\r\n\r\n");
}

TEST(TemplatedRequest, ErrorsNameThePart) {
  auto message = [](const std::string& url, const RequestSpec& spec) -> std::string {
    try {
      TemplatedRequest::compile(url_of(url), spec);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message("http://h/${x}", {}),
            "the URL: unknown template variable \"${x}\" at byte 1 (known: seq, uuid, rand:MIN-MAX, now_ms, "
            "request_id, callback_url; \"$${\" is a literal \"${\")");
  EXPECT_EQ(message("http://h/", RequestSpec{.method = "GET", .headers = {{"X-A", "a ${b"}}, .body = ""}),
            "header 'X-A': unterminated \"${\" at byte 2 (write \"$${\" for a literal \"${\")");
  EXPECT_EQ(message("http://h/", RequestSpec{.method = "GET", .headers = {}, .body = "${rand:2-1}"}).substr(0, 40), "the body: bad range in \"${rand:2-1}\" at ");
  EXPECT_EQ(message("http://h/", RequestSpec{.method = "POST", .headers = {{"Content-Length", "3"}}, .body = "${seq}"}),
            "a templated body's Content-Length is computed per request: drop the Content-Length header");
}

}  // namespace
}  // namespace perfgate::http
