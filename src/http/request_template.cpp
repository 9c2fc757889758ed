// Request serialization; see request_template.hpp.
#include "http/request_template.hpp"

#include <strings.h>

namespace perfgate::http {
namespace {

bool has_header(const RequestSpec& spec, const char* name) {
  for (const auto& [key, value] : spec.headers) {
    if (strcasecmp(key.c_str(), name) == 0) return true;
  }
  return false;
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

}  // namespace perfgate::http
