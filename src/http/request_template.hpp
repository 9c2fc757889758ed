// The request every connection sends, serialized once before the load starts: the hot
// path only copies a pointer and a length.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "http/url.hpp"

namespace perfgate::http {

struct RequestSpec {
  std::string method = "GET";
  // In the order given, each checked by check_header (core/redaction.hpp): no line breaks.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// "GET /path HTTP/1.1\r\nHost: ...\r\n...\r\n\r\nbody". Adds Host, User-Agent and
// Content-Length unless the user gave them.
std::string build_request(const Url& url, const RequestSpec& spec);

}  // namespace perfgate::http
