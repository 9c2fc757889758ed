// Redaction of secrets and the one header check; see redaction.hpp.
#include "core/redaction.hpp"

#include <strings.h>

#include <algorithm>
#include <cstring>

namespace perfgate {
namespace {

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);  // strchr finds the terminator
}

// "%5Fkey" and "_key" name the same parameter.
std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

}  // namespace

Redaction::Redaction(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    std::string_view t = trimmed(name);
    if (!t.empty()) names_.emplace_back(t);
  }
}

Redaction Redaction::with(const std::vector<std::string>& names) const {
  Redaction more(names);
  more.names_.insert(more.names_.begin(), names_.begin(), names_.end());
  return more;
}

bool Redaction::named(std::string_view name) const {
  std::string_view t = trimmed(name);
  return std::any_of(names_.begin(), names_.end(), [&](const std::string& n) { return equal_ignoring_case(t, n); });
}

bool Redaction::secret_header(std::string_view name) const {
  std::string_view t = trimmed(name);
  for (const char* always : {"Authorization", "Cookie", "Proxy-Authorization"}) {
    if (equal_ignoring_case(t, always)) return true;
  }
  return named(t);
}

std::vector<std::pair<std::string, std::string>> Redaction::headers(
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  std::vector<std::pair<std::string, std::string>> shown;
  shown.reserve(headers.size());
  for (const auto& [name, value] : headers) shown.emplace_back(name, secret_header(name) ? kRedacted : value);
  return shown;
}

std::string Redaction::url(std::string_view url) const {
  std::string out;
  std::string_view rest = url;
  // scheme://[userinfo@]authority: the userinfo is a password more often than not.
  if (auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    out.append(rest.substr(0, scheme_end + 3));
    rest.remove_prefix(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      out.append(kRedacted).append(1, '@');
      rest.remove_prefix(at + 1);
    }
  }
  const auto query_start = rest.find('?');
  if (query_start == std::string_view::npos) return out.append(rest);
  out.append(rest.substr(0, query_start + 1));
  rest.remove_prefix(query_start + 1);
  std::string_view fragment;
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash);
    rest = rest.substr(0, hash);
  }
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && named(percent_decoded(pair.substr(0, eq)))) {
      out.append(pair.substr(0, eq + 1)).append(kRedacted);
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out.append(fragment);
}

std::optional<HeaderField> check_header(std::string_view name, std::string_view value, std::string* problem) {
  auto fail = [&](const char* why) -> std::optional<HeaderField> {
    if (problem != nullptr) *problem = why;
    return std::nullopt;
  };
  std::string_view n = trimmed(name);
  if (n.empty()) return fail("the header name is empty; expected 'Name: value'");
  if (!std::all_of(n.begin(), n.end(), is_token_char)) {
    return fail(n.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos
                    ? "the header name contains a line break or NUL"
                    : "the header name must be letters, digits and !#$%&'*+-.^_`|~ (no spaces or ':')");
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return fail("the header value contains a line break (CR or LF) or NUL, which would start another header");
  }
  return HeaderField{std::string(n), std::string(trimmed(value))};
}

std::optional<HeaderField> parse_header_line(std::string_view text, std::string* problem) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    if (problem != nullptr) *problem = "expected 'Name: value' (no ':' found)";
    return std::nullopt;
  }
  return check_header(text.substr(0, colon), text.substr(colon + 1), problem);
}

}  // namespace perfgate
