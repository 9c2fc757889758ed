// Reading a harness's output for the ingest parsers: JSON parsed with the line and column of a
// syntax error, members read with their type checked, and every complaint worded alike —
// "SOURCE: FORMAT: WHERE: WHAT", e.g. "bench.json: hyperfine: results[0].mean: expected a number,
// got a string" — so that a user can find the place in the file.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::ingest {

// "results" + "mean" -> "results.mean"; "" + "results" -> "results".
std::string member_path(std::string_view path, std::string_view key);
// "results" + 3 -> "results[3]".
std::string index_path(std::string_view path, std::size_t index);
// "a number", "a string", "null", ... for "expected X, got Y".
std::string describe_type(const nlohmann::json& value);

class InputReader {
 public:
  InputReader(std::string source, std::string format);

  const std::string& source() const { return source_; }
  const std::string& format() const { return format_; }

  // Throws UsageError "SOURCE: FORMAT: WHERE: WHAT" (or "SOURCE: FORMAT: WHAT" without a place).
  [[noreturn]] void fail(std::string_view where, std::string_view what) const;
  [[noreturn]] void fail(std::string_view what) const;

  // The whole text as one JSON value. Empty input fails with "the input is empty (expected
  // EXPECTED)"; a syntax error with "invalid JSON at line L, column C: …".
  nlohmann::json parse_json(std::string_view text, std::string_view expected) const;
  // One line of JSON Lines; a syntax error fails with "line N: invalid JSON at column C: …".
  nlohmann::json parse_json_line(std::string_view line, std::size_t line_number) const;

  // `value` itself (at `path`) must be of the type.
  const nlohmann::json& expect_object(const nlohmann::json& value, std::string_view path) const;
  const nlohmann::json& expect_array(const nlohmann::json& value, std::string_view path) const;
  double expect_number(const nlohmann::json& value, std::string_view path) const;
  const std::string& expect_string(const nlohmann::json& value, std::string_view path) const;

  // A required member of `object` (at `path`), of any type: absent fails "PATH.KEY: missing".
  const nlohmann::json& member(const nlohmann::json& object, std::string_view path, std::string_view key) const;
  // A required member of a type: a wrong type fails "PATH.KEY: expected a number, got a string".
  const nlohmann::json& object_member(const nlohmann::json& object, std::string_view path, std::string_view key) const;
  const nlohmann::json& array_member(const nlohmann::json& object, std::string_view path, std::string_view key) const;
  double number_member(const nlohmann::json& object, std::string_view path, std::string_view key) const;
  const std::string& string_member(const nlohmann::json& object, std::string_view path, std::string_view key) const;

  // Optional members: absent or null give nothing; present with a wrong type still fails.
  const nlohmann::json* optional_object(const nlohmann::json& object, std::string_view path,
                                        std::string_view key) const;
  const nlohmann::json* optional_array(const nlohmann::json& object, std::string_view path, std::string_view key) const;
  std::optional<double> optional_number(const nlohmann::json& object, std::string_view path,
                                        std::string_view key) const;
  std::optional<std::string> optional_string(const nlohmann::json& object, std::string_view path,
                                             std::string_view key) const;

 private:
  const nlohmann::json* optional_member(const nlohmann::json& object, std::string_view key) const;

  std::string source_;
  std::string format_;
};

}  // namespace perfgate::ingest
