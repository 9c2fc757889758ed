// `${VAR}` interpolation; see interpolation.hpp.
#include "suite/interpolation.hpp"

#include "core/text_template.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace perfgate::suite {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Environment environment_from(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

std::string interpolate(std::string_view text, const Environment& env) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    if (next != '{') {
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t start = i;
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw InterpolationError("unterminated '${': expected '${NAME}' or '${NAME:-default}'", start);
    }
    std::string_view inside = text.substr(i + 2, close - i - 2);
    if (is_template_variable(inside)) {  // ${seq}, ${uuid}...: the request template's, per request
      out.append(text.substr(i, close + 1 - i));
      i = close + 1;
      continue;
    }
    std::size_t name_end = 0;
    while (name_end < inside.size() && is_name_char(inside[name_end])) ++name_end;
    std::string name(inside.substr(0, name_end));
    std::string_view rest = inside.substr(name_end);
    bool has_default = rest.substr(0, 2) == ":-";
    if (name.empty() || !is_name_start(name[0]) || (!rest.empty() && !has_default)) {
      throw InterpolationError(
          fmt::format("bad variable reference '${{{}}}': expected '${{NAME}}' or '${{NAME:-default}}'", inside), start);
    }
    auto value = env(name);
    if (has_default && (!value || value->empty())) {
      out += rest.substr(2);
    } else if (value) {
      out += *value;
    } else {
      throw InterpolationError(
          fmt::format("environment variable '{}' is not set (write '${{{}:-default}}' to give a default)", name, name),
          start);
    }
    i = close + 1;
  }
  return out;
}

}  // namespace perfgate::suite
