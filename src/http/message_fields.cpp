// Named values of a request; see message_fields.hpp.
#include "http/message_fields.hpp"

#include <nlohmann/json.hpp>

namespace perfgate::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
  }
  return std::nullopt;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> json_field(std::string_view json_text, std::string_view name) {
  nlohmann::json document = nlohmann::json::parse(json_text, nullptr, false);
  if (!document.is_object()) return std::nullopt;
  auto field = document.find(std::string(name));
  if (field == document.end()) return std::nullopt;
  if (field->is_string()) return field->get<std::string>();
  if (field->is_number_unsigned()) return std::to_string(field->get<std::uint64_t>());
  return std::nullopt;
}

}  // namespace perfgate::http
