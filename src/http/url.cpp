// URL parsing and resolution; see url.hpp.
#include "http/url.hpp"

#include <netdb.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::http {

std::string Url::host_header() const {
  std::string h;
  if (host.find(':') != std::string::npos) {
    h.reserve(host.size() + 2);
    h.append(1, '[').append(host).append(1, ']');  // IPv6 literal
  } else {
    h = host;
  }
  if (port != 80) h.append(1, ':').append(std::to_string(port));
  return h;
}

std::string Url::to_string() const { return scheme + "://" + host_header() + target; }

std::optional<Url> parse_url(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Url> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  Url url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fail("expected a URL like http://127.0.0.1:8080/path");
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme == "https") return fail("https is not supported yet (planned); use http://");
  if (url.scheme != "http") return fail("unsupported scheme '" + url.scheme + "' (expected http)");
  std::string_view rest = text.substr(scheme_end + 3);
  auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!url.target.empty() && url.target[0] == '?') url.target = "/" + url.target;
  if (url.target.find_first_of(" \r\n") != std::string::npos) return fail("the path must not contain spaces");
  if (auto at = authority.find('@'); at != std::string_view::npos) return fail("user:password@ in URLs is not supported; use -H 'Authorization: ...'");
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("expected ':port' after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return fail("the URL has no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return fail("invalid port '" + std::string(port_text) + "'");
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

ResolvedAddress resolve(const Url& url) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  std::string port = std::to_string(url.port);
  int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    throw RunError(fmt::format("cannot resolve '{}': {}", url.host, gai_strerror(rc)));
  }
  ResolvedAddress address;
  std::memcpy(&address.storage, result->ai_addr, result->ai_addrlen);
  address.length = result->ai_addrlen;
  freeaddrinfo(result);
  return address;
}

}  // namespace perfgate::http
