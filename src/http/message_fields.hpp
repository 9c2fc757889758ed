// Reading one named value out of a request: a query parameter, or a top-level field of a JSON
// body. Shared by the callback listener (the id a callback carries) and serve's callback
// requests (where to call back, with which id).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace perfgate::http {

// The value of query parameter `name` in "a=1&b=2" (raw, not decoded; "" for "a" or "a=");
// nullopt when absent.
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name);

// "a%2Fb+c" -> "a/b c"; a malformed escape stays as written.
std::string percent_decode(std::string_view text);

// A top-level field of a JSON object: a string as is, a whole number as its digits; nullopt
// when the text is not a JSON object, or the field is missing or of another type.
std::optional<std::string> json_field(std::string_view json_text, std::string_view name);

}  // namespace perfgate::http
