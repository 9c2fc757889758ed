// Target URLs: parsing `http://host[:port]/path?query` and resolving the address once,
// before any load starts.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::http {

struct Url {
  std::string scheme;   // "http"
  std::string host;     // without brackets for IPv6
  std::uint16_t port = 80;
  std::string target;   // path + query, at least "/"
  // "host:port" as the Host header wants it (brackets for IPv6, port omitted when 80).
  std::string host_header() const;
  std::string to_string() const;
};

// nullopt with `error` set when the text is not an http URL.
std::optional<Url> parse_url(std::string_view text, std::string* error);

struct ResolvedAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// Resolves host:port (numeric addresses without DNS). Throws RunError when it cannot.
ResolvedAddress resolve(const Url& url);

}  // namespace perfgate::http
