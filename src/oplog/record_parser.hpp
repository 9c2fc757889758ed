// One line of an operation log into a record (the definition is in operation_log_reader.hpp
// and docs/report.md). Two paths that must agree:
//
// - the strict parse: simdjson's DOM parser validates the whole line (numbers, literals,
//   UTF-8, escapes, nothing after the object), then the keys are checked; it gives the reason
//   a line is malformed;
// - the fast path (scan_common_record): one pass over the bytes for the shape trackers write
//   (plain strings, numbers without exponents, shallow values), in about a third of the time.
//   It accepts only lines the strict parse accepts, with the same fields to the last bit, and
//   answers "not sure" for everything else (an escape in a field, an exponent, a \u anywhere,
//   any line that is not a record), which the strict parse then reads.
//
//   RecordParser parser;
//   const char* detail = nullptr;
//   if (const char* reason = parser.parse(line, record, detail)) skip(reason, detail);
//
// Both read up to kLinePadding bytes past the end of `line`, which must be readable (the
// reader's buffer carries them).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "oplog/operation_log_reader.hpp"

namespace perfgate::oplog {

inline constexpr std::size_t kLinePadding = 64;  // simdjson::SIMDJSON_PADDING, checked where simdjson is included
// 2^64 ms or 1e308 would make every average inf: no operation worth reporting takes a year.
inline constexpr double kMaxDurationMs = 365.0 * 24 * 3600 * 1000;

// True when `line` is certainly a record: `record` then holds its fields (the views point into
// `line`) as the strict parse gives them. False when not sure; `record` may then be half written.
bool scan_common_record(std::string_view line, OperationRecord& record) noexcept;

class RecordParser {
 public:
  RecordParser();
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  // nullptr when `line` is a record (filled into `record`, without its line number), else why
  // not; `detail` then gets simdjson's message for invalid JSON. The fast path first.
  const char* parse(std::string_view line, OperationRecord& record, const char*& detail);
  // The same with the strict parse only: what parse() answers for every line.
  const char* parse_strictly(std::string_view line, OperationRecord& record, const char*& detail);

 private:
  struct Dom;
  std::unique_ptr<Dom> dom_;
};

}  // namespace perfgate::oplog
