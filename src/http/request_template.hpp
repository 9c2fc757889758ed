// The requests a run sends. A fixed request is serialized once before the load starts: the hot
// path only copies a pointer and a length. A templated one (${seq} and friends in the URL's path
// and query, a header value or the body; core/text_template.hpp) is compiled once and written
// into the connection's buffer per request, its Content-Length computed each time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/text_template.hpp"
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

// A request with templates in url.target, header values or the body, as build_request would
// write it after expansion.
class TemplatedRequest {
 public:
  // Throws TemplateError (its message names the part: "the URL", "header 'X-Id'", "the body")
  // or UsageError for a Content-Length given with a templated body (perfgate computes it).
  static TemplatedRequest compile(const Url& url, const RequestSpec& spec);
  bool is_literal() const { return head_.is_literal() && body_.is_literal(); }
  bool uses_seq() const { return head_.uses_seq() || body_.uses_seq(); }
  bool uses_now_ms() const { return head_.uses_now_ms() || body_.uses_now_ms(); }
  bool uses_callback_url() const { return head_.uses_callback_url() || body_.uses_callback_url(); }
  // The bytes one request may take at most: the size of the buffer write() needs.
  std::size_t max_size() const;
  // Writes the request at `out` and returns its size. No allocation.
  std::size_t write(char* out, const TemplateValues& values) const;

 private:
  TextTemplate head_;  // the request line and headers, without Content-Length and the blank line
  TextTemplate body_;
  bool add_content_length_ = false;
};

// One request of a run: its bytes when nothing in it varies, else its template.
struct PreparedRequest {
  std::string fixed;
  std::optional<TemplatedRequest> templated;
  bool head_request = false;  // responses to HEAD have no body
};

// Fixed when nothing is templated (then `fixed` is build_request's), else templated.
PreparedRequest prepare_request(const Url& url, const RequestSpec& spec);

}  // namespace perfgate::http
