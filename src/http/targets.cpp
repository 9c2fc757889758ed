// --targets files; see targets.hpp.
#include "http/targets.hpp"

#include <strings.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/redaction.hpp"

namespace perfgate::http {
namespace {

constexpr const char* kKeys = "method, url, headers, body";

bool is_method(const std::string& m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

std::string origin(const Url& url) { return url.scheme + "://" + url.host_header(); }

std::string text_of(const nlohmann::ordered_json& value, const std::string& key, const std::string& at) {
  if (!value.is_string()) throw UsageError(fmt::format("{}: '{}': expected a string, got {}", at, key, value.type_name()));
  return value.get<std::string>();
}

Target parse_line(std::string_view line, const std::string& at, const RequestSpec& defaults) {
  nlohmann::ordered_json json;  // headers in the order written
  try {
    json = nlohmann::ordered_json::parse(line);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw UsageError(fmt::format("{}:{}: not JSON (expected an object with {})", at, e.byte, kKeys));
  }
  if (!json.is_object()) throw UsageError(fmt::format("{}: expected a JSON object with {}, got {}", at, kKeys, json.type_name()));
  Target target;
  target.spec.method = defaults.method;
  target.spec.body = defaults.body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string url_text;
  for (const auto& [key, value] : json.items()) {
    if (key == "url") {
      url_text = text_of(value, key, at);
    } else if (key == "method") {
      target.spec.method = text_of(value, key, at);
      if (!is_method(target.spec.method)) {
        throw UsageError(fmt::format("{}: 'method': expected an HTTP method like GET or POST, got '{}'", at,
                                     target.spec.method));
      }
    } else if (key == "body") {
      target.spec.body = text_of(value, key, at);
    } else if (key == "headers") {
      if (!value.is_object()) {
        throw UsageError(fmt::format("{}: 'headers': expected an object {{\"NAME\": \"VALUE\"}}, got {}", at, value.type_name()));
      }
      for (const auto& [name, header_value] : value.items()) {
        std::string problem;
        auto field = check_header(name, text_of(header_value, "headers." + name, at), &problem);
        if (!field) throw UsageError(fmt::format("{}: 'headers': {}", at, problem));
        headers.emplace_back(field->name, field->value);
      }
    } else {
      throw UsageError(fmt::format("{}: unknown key '{}' (expected {})", at, key, kKeys));
    }
  }
  if (url_text.empty()) throw UsageError(fmt::format("{}: missing 'url' (an absolute URL like http://127.0.0.1:8080/path)", at));
  std::size_t authority = url_text.find("://");
  authority = authority == std::string::npos ? 0 : authority + 3;
  if (url_text.substr(0, url_text.find_first_of("/?", authority)).find("${") != std::string::npos) {
    throw UsageError(fmt::format("{}: 'url': templates (${{...}}) go in the path and query, not in scheme://host:port", at));
  }
  std::string error;
  auto url = parse_url(url_text, &error);
  if (!url) throw UsageError(fmt::format("{}: 'url': {}", at, error));
  target.url = *url;
  // The defaults first, unless the line gives the same header.
  for (const auto& header : defaults.headers) {
    bool replaced = std::any_of(headers.begin(), headers.end(), [&](const auto& own) {
      return strcasecmp(own.first.c_str(), header.first.c_str()) == 0;
    });
    if (!replaced) target.spec.headers.push_back(header);
  }
  target.spec.headers.insert(target.spec.headers.end(), headers.begin(), headers.end());
  try {
    TemplatedRequest::compile(target.url, target.spec);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", at, e.what()));
  }
  return target;
}

}  // namespace

std::vector<Target> parse_targets(std::string_view text, const std::string& shown, const RequestSpec& defaults) {
  std::vector<Target> targets;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::string at = fmt::format("{}:{}", shown, line_number);
    Target target = parse_line(line, at, defaults);
    target.line = line_number;
    if (!targets.empty() && origin(target.url) != origin(targets.front().url)) {
      throw UsageError(fmt::format("{}: 'url' is on {}, but the first target's on {}: all targets share one "
                                   "scheme://host:port (the connections are reused)",
                                   at, origin(target.url), origin(targets.front().url)));
    }
    targets.push_back(std::move(target));
  }
  if (targets.empty()) throw UsageError(fmt::format("{}: no targets (one JSON object per line)", shown));
  return targets;
}

}  // namespace perfgate::http
