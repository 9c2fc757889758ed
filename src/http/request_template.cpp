// Request serialization; see request_template.hpp.
#include "http/request_template.hpp"

#include <strings.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace perfgate::http {
namespace {

constexpr std::string_view kContentLength = "Content-Length: ";
constexpr std::size_t kContentLengthLineMax = kContentLength.size() + 20 + 4;  // digits, \r\n\r\n

bool has_header(const RequestSpec& spec, const char* name) {
  for (const auto& [key, value] : spec.headers) {
    if (strcasecmp(key.c_str(), name) == 0) return true;
  }
  return false;
}

// Text to be read as a template but meant literally: every "${" becomes the escape "$${".
std::string template_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') out += '$';
    out += text[i];
  }
  return out;
}

TextTemplate compile_part(std::string_view text, const std::string& part) {
  try {
    return TextTemplate::compile(text);
  } catch (const TemplateError& e) {
    throw TemplateError(e.name(), e.position(), fmt::format("{}: {}", part, e.what()));
  }
}

}  // namespace

std::string build_request(const Url& url, const RequestSpec& spec) {
  std::string request = spec.method + " " + url.target + " HTTP/1.1\r\n";
  if (!has_header(spec, "Host")) request += "Host: " + url.host_header() + "\r\n";
  if (!has_header(spec, "User-Agent")) request += "User-Agent: perfgate/" PERFGATE_VERSION "\r\n";
  for (const auto& [key, value] : spec.headers) request += key + ": " + value + "\r\n";
  if (!spec.body.empty() && !has_header(spec, "Content-Length")) {
    request += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n";
  }
  request += "\r\n";
  request += spec.body;
  return request;
}

TemplatedRequest TemplatedRequest::compile(const Url& url, const RequestSpec& spec) {
  // Each part is compiled alone first, so that an error's position is in the user's own text.
  compile_part(url.target, "the URL");
  for (const auto& [key, value] : spec.headers) compile_part(value, fmt::format("header '{}'", key));
  TemplatedRequest t;
  t.body_ = compile_part(spec.body, "the body");
  if (!t.body_.is_literal() && has_header(spec, "Content-Length")) {
    throw UsageError("a templated body's Content-Length is computed per request: drop the Content-Length header");
  }
  // The same text as build_request, the literal parts escaped.
  std::string head = template_literal(spec.method) + " " + url.target + " HTTP/1.1\r\n";
  if (!has_header(spec, "Host")) head += template_literal("Host: " + url.host_header()) + "\r\n";
  if (!has_header(spec, "User-Agent")) head += "User-Agent: perfgate/" PERFGATE_VERSION "\r\n";
  for (const auto& [key, value] : spec.headers) head += template_literal(key) + ": " + value + "\r\n";
  t.head_ = TextTemplate::compile(head);
  t.add_content_length_ = !spec.body.empty() && !has_header(spec, "Content-Length");
  return t;
}

std::size_t TemplatedRequest::max_size() const { return head_.max_size() + kContentLengthLineMax + body_.max_size(); }

std::size_t TemplatedRequest::write(char* out, const TemplateValues& values) const {
  char* p = head_.expand(out, values);
  // The body is expanded past the longest head and Content-Length line, then moved into place
  // once its length is known.
  char* body_at = out + head_.max_size() + kContentLengthLineMax;
  char* body_end = body_.expand(body_at, values);
  auto body_size = static_cast<std::size_t>(body_end - body_at);
  if (add_content_length_) {
    std::memcpy(p, kContentLength.data(), kContentLength.size());
    p += kContentLength.size();
    p = std::to_chars(p, p + 20, body_size).ptr;
    std::memcpy(p, "\r\n", 2);
    p += 2;
  }
  std::memcpy(p, "\r\n", 2);
  p += 2;
  std::memmove(p, body_at, body_size);
  return static_cast<std::size_t>(p + body_size - out);
}

PreparedRequest prepare_request(const Url& url, const RequestSpec& spec) {
  PreparedRequest prepared;
  prepared.head_request = spec.method == "HEAD";
  TemplatedRequest templated = TemplatedRequest::compile(url, spec);
  if (templated.is_literal()) {
    // "$${" was written for a literal "${": what goes out is the text after the escapes.
    Url literal_url = url;
    literal_url.target = TextTemplate::compile(url.target).literal();
    RequestSpec literal = spec;
    for (auto& [key, value] : literal.headers) value = TextTemplate::compile(value).literal();
    literal.body = TextTemplate::compile(spec.body).literal();
    prepared.fixed = build_request(literal_url, literal);
  } else {
    prepared.templated = std::move(templated);
  }
  return prepared;
}

}  // namespace perfgate::http
