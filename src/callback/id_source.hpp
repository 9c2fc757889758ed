// Where a callback carries the id of the request it answers: `json:FIELD` (a top-level field
// of its JSON body), `header:NAME` or `query:NAME` (percent-decoded). The id is the request's
// `${request_id}` ("8f3a2c1d-42": the run's nonce in hex, then the seq).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/request_reader.hpp"

namespace perfgate::callback {

struct IdSource {
  enum class Kind { kJson, kHeader, kQuery };
  Kind kind = Kind::kJson;
  std::string name = "id";

  std::string text() const;  // "json:id"
  bool needs_body() const { return kind == Kind::kJson; }
};

// "json:id" -> {kJson, "id"}; nullopt, and `error` says what was expected, for anything else.
std::optional<IdSource> parse_id_source(std::string_view text, std::string* error);

// The id of a callback: from its head (header, query) or its body (json); nullopt when it
// carries none. The head is needed only until the head's event, the body only at the end:
// callers that read incrementally call the first at kHead and the second at kComplete.
std::optional<std::string> id_from_head(const IdSource& source, const http::RequestHead& head);
std::optional<std::string> id_from_body(const IdSource& source, std::string_view body);

}  // namespace perfgate::callback
