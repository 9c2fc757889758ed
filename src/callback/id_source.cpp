// Where a callback's id is; see id_source.hpp.
#include "callback/id_source.hpp"

#include <fmt/format.h>

#include "http/message_fields.hpp"

namespace perfgate::callback {

std::string IdSource::text() const {
  const char* kind_text = kind == Kind::kJson ? "json" : kind == Kind::kHeader ? "header" : "query";
  return fmt::format("{}:{}", kind_text, name);
}

std::optional<IdSource> parse_id_source(std::string_view text, std::string* error) {
  auto colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  std::string_view name = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  IdSource source;
  if (kind == "json") {
    source.kind = IdSource::Kind::kJson;
  } else if (kind == "header") {
    source.kind = IdSource::Kind::kHeader;
  } else if (kind == "query") {
    source.kind = IdSource::Kind::kQuery;
  } else {
    if (error != nullptr) *error = "json:FIELD, header:NAME or query:NAME (e.g. json:id)";
    return std::nullopt;
  }
  bool blank = name.empty() || name.find_first_of(" \t\r\n:") != std::string_view::npos;
  if (blank) {
    if (error != nullptr) *error = fmt::format("a name after '{}:' (e.g. {}:id)", kind, kind);
    return std::nullopt;
  }
  source.name = std::string(name);
  return source;
}

std::optional<std::string> id_from_head(const IdSource& source, const http::RequestHead& head) {
  if (source.kind == IdSource::Kind::kHeader) {
    if (auto value = head.header(source.name)) return std::string(*value);
  } else if (source.kind == IdSource::Kind::kQuery) {
    if (auto value = http::query_parameter(head.query(), source.name)) return http::percent_decode(*value);
  }
  return std::nullopt;
}

std::optional<std::string> id_from_body(const IdSource& source, std::string_view body) {
  if (source.kind != IdSource::Kind::kJson) return std::nullopt;
  return http::json_field(body, source.name);
}

}  // namespace perfgate::callback
