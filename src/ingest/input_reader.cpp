// Type-checked reading of harness output with messages that name the place; see input_reader.hpp.
#include "ingest/input_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/json_depth.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;

bool only_whitespace(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error
// while parsing value - unexpected end of input; expected ..."; the part after the last " - " says what.
std::string parse_error_detail(const json::parse_error& e) {
  std::string_view what = e.what();
  auto dash = what.rfind(" - ");
  if (dash != std::string_view::npos) return std::string(what.substr(dash + 3));
  auto colon = what.find(": ");
  return std::string(colon == std::string_view::npos ? what : what.substr(colon + 2));
}

// "[json.exception.out_of_range.406] number overflow parsing '1e99999'" -> the part after "] ".
std::string out_of_range_detail(const json::out_of_range& e) {
  std::string_view what = e.what();
  auto bracket = what.find("] ");
  return std::string(bracket == std::string_view::npos ? what : what.substr(bracket + 2));
}

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

// `byte` is nlohmann's 1-based offset of the character where parsing stopped.
TextPosition position_of(std::string_view text, std::size_t byte) {
  TextPosition p;
  std::size_t end = std::min(text.size(), byte == 0 ? 0 : byte - 1);
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

}  // namespace

std::string member_path(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

std::string index_path(std::string_view path, std::size_t index) { return fmt::format("{}[{}]", path, index); }

std::string describe_type(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

InputReader::InputReader(std::string source, std::string format)
    : source_(std::move(source)), format_(std::move(format)) {}

void InputReader::fail(std::string_view where, std::string_view what) const {
  if (where.empty()) fail(what);
  throw UsageError(fmt::format("{}: {}: {}: {}", source_, format_, where, what));
}

void InputReader::fail(std::string_view what) const {
  throw UsageError(fmt::format("{}: {}: {}", source_, format_, what));
}

json InputReader::parse_json(std::string_view text, std::string_view expected) const {
  if (only_whitespace(text)) fail(fmt::format("the input is empty (expected {})", expected));
  if (std::optional<TooDeep> deep = json_too_deep(text)) {
    fail(fmt::format("JSON nested more than {} levels deep at line {}, column {}", kMaxJsonDepth, deep->line,
                     deep->column));
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    TextPosition p = position_of(text, e.byte);
    fail(fmt::format("invalid JSON at line {}, column {}: {}", p.line, p.column, parse_error_detail(e)));
  } catch (const json::out_of_range& e) {
    fail(fmt::format("invalid JSON: {}", out_of_range_detail(e)));  // 1e99999: found by fuzzing
  }
}

json InputReader::parse_json_line(std::string_view line, std::size_t line_number) const {
  if (std::optional<TooDeep> deep = json_too_deep(line)) {
    fail(fmt::format("line {}", line_number),
         fmt::format("JSON nested more than {} levels deep at column {}", kMaxJsonDepth, deep->column));
  }
  try {
    return json::parse(line);
  } catch (const json::parse_error& e) {
    fail(fmt::format("line {}", line_number),
         fmt::format("invalid JSON at column {}: {}", position_of(line, e.byte).column, parse_error_detail(e)));
  } catch (const json::out_of_range& e) {
    fail(fmt::format("line {}", line_number), fmt::format("invalid JSON: {}", out_of_range_detail(e)));
  }
}

const json& InputReader::expect_object(const json& value, std::string_view path) const {
  if (!value.is_object()) fail(path, "expected an object, got " + describe_type(value));
  return value;
}

const json& InputReader::expect_array(const json& value, std::string_view path) const {
  if (!value.is_array()) fail(path, "expected an array, got " + describe_type(value));
  return value;
}

double InputReader::expect_number(const json& value, std::string_view path) const {
  if (!value.is_number()) fail(path, "expected a number, got " + describe_type(value));
  return value.get<double>();
}

const std::string& InputReader::expect_string(const json& value, std::string_view path) const {
  if (!value.is_string()) fail(path, "expected a string, got " + describe_type(value));
  return value.get_ref<const std::string&>();
}

const json& InputReader::member(const json& object, std::string_view path, std::string_view key) const {
  expect_object(object, path.empty() ? "the top level" : path);
  auto it = object.find(key);
  if (it == object.end()) fail(member_path(path, key), "missing");
  return *it;
}

const json* InputReader::optional_member(const json& object, std::string_view key) const {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& InputReader::object_member(const json& object, std::string_view path, std::string_view key) const {
  return expect_object(member(object, path, key), member_path(path, key));
}

const json& InputReader::array_member(const json& object, std::string_view path, std::string_view key) const {
  return expect_array(member(object, path, key), member_path(path, key));
}

double InputReader::number_member(const json& object, std::string_view path, std::string_view key) const {
  return expect_number(member(object, path, key), member_path(path, key));
}

const std::string& InputReader::string_member(const json& object, std::string_view path, std::string_view key) const {
  return expect_string(member(object, path, key), member_path(path, key));
}

const json* InputReader::optional_object(const json& object, std::string_view path, std::string_view key) const {
  const json* value = optional_member(object, key);
  if (value != nullptr) expect_object(*value, member_path(path, key));
  return value;
}

const json* InputReader::optional_array(const json& object, std::string_view path, std::string_view key) const {
  const json* value = optional_member(object, key);
  if (value != nullptr) expect_array(*value, member_path(path, key));
  return value;
}

std::optional<double> InputReader::optional_number(const json& object, std::string_view path,
                                                   std::string_view key) const {
  const json* value = optional_member(object, key);
  if (value == nullptr) return std::nullopt;
  return expect_number(*value, member_path(path, key));
}

std::optional<std::string> InputReader::optional_string(const json& object, std::string_view path,
                                                        std::string_view key) const {
  const json* value = optional_member(object, key);
  if (value == nullptr) return std::nullopt;
  return expect_string(*value, member_path(path, key));
}

}  // namespace perfgate::ingest
