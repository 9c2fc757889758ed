// Tests for URL parsing and request serialization.
#include "http/url.hpp"

#include <gtest/gtest.h>

#include "http/request_template.hpp"

namespace perfgate::http {
namespace {

TEST(ParseUrl, HostPortPathQuery) {
  std::string error;
  auto url = parse_url("http://127.0.0.1:8080/health?x=1", &error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/health?x=1");
  EXPECT_EQ(url->host_header(), "127.0.0.1:8080");
}

TEST(ParseUrl, DefaultsAndIpv6) {
  auto plain = parse_url("http://localhost", nullptr);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->host_header(), "localhost");
  auto v6 = parse_url("http://[::1]:9000/a", nullptr);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:9000");
}

TEST(ParseUrl, RejectsWithReasons) {
  std::string error;
  EXPECT_FALSE(parse_url("https://x/", &error));
  EXPECT_NE(error.find("https"), std::string::npos);
  EXPECT_FALSE(parse_url("x:80", &error));
  EXPECT_FALSE(parse_url("http://:80/", &error));
  EXPECT_FALSE(parse_url("http://h:0/", &error));
  EXPECT_FALSE(parse_url("http://h:70000/", &error));
  EXPECT_FALSE(parse_url("http://h/a b", &error));
}

TEST(BuildRequest, AddsHostUserAgentAndContentLength) {
  auto url = parse_url("http://127.0.0.1:8080/webhook", nullptr);
  RequestSpec spec;
  spec.method = "POST";
  spec.headers = {{"Content-Type", "application/json"}};
  spec.body = "{}";
  std::string request = build_request(*url, spec);
  EXPECT_EQ(request.rfind("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 0), 0u);
  EXPECT_NE(request.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(request.find("Content-Length: 2\r\n\r\n{}"), std::string::npos);
}

}  // namespace
}  // namespace perfgate::http
