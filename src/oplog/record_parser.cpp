// The strict parse of a record, and the fast path in front of it; see record_parser.hpp.
#include "oplog/record_parser.hpp"

#include <simdjson.h>

#include <optional>

#include "oplog/timestamp.hpp"

namespace perfgate::oplog {

static_assert(kLinePadding == simdjson::SIMDJSON_PADDING);

// The DOM parser validates the whole line (numbers, literals, UTF-8, nothing after the
// object), which the strict definition of a record needs; on-demand parsing would not look
// inside the values it skips.
struct RecordParser::Dom {
  simdjson::dom::parser json;
};

RecordParser::RecordParser() : dom_(std::make_unique<Dom>()) {}
RecordParser::~RecordParser() = default;

const char* RecordParser::parse(std::string_view line, OperationRecord& record, const char*& detail) {
  if (scan_common_record(line, record)) return nullptr;
  return parse_strictly(line, record, detail);
}

const char* RecordParser::parse_strictly(std::string_view line, OperationRecord& record, const char*& detail) {
  simdjson::dom::element root;
  if (auto error = dom_->json.parse(line.data(), line.size(), false).get(root)) {
    detail = simdjson::error_message(error);
    return "invalid JSON";
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) return "not a JSON object";

  // The last occurrence of a key wins, as in most JSON readers (Python's json among them).
  // string_view's == compares the lengths first, so most keys cost one comparison each.
  std::optional<simdjson::dom::element> timestamp, operation, duration, success, session, error, context;
  for (auto field : object) {
    std::string_view key = field.key;
    if (key == "timestamp") {
      timestamp = field.value;
    } else if (key == "operation_type") {
      operation = field.value;
    } else if (key == "duration_ms") {
      duration = field.value;
    } else if (key == "success") {
      success = field.value;
    } else if (key == "session_id") {
      session = field.value;
    } else if (key == "error") {
      error = field.value;
    } else if (key == "context") {
      context = field.value;
    }
  }
  if (!timestamp) return "missing timestamp";
  if (!operation) return "missing operation_type";
  if (!duration) return "missing duration_ms";
  if (!success) return "missing success";

  if (operation->get_string().get(record.operation)) return "operation_type is not a string";
  if (record.operation.empty()) return "operation_type is empty";
  switch (duration->type()) {
    case simdjson::dom::element_type::INT64:
      if (duration->get_int64().value_unsafe() < 0) return "duration_ms is negative";
      record.duration_ms = static_cast<double>(duration->get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      record.duration_ms = static_cast<double>(duration->get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      record.duration_ms = duration->get_double().value_unsafe();
      if (!(record.duration_ms >= 0)) return "duration_ms is negative";
      break;
    default:
      return "duration_ms is not a number";
  }
  if (!(record.duration_ms <= kMaxDurationMs)) return "duration_ms is over a year";
  if (success->get_bool().get(record.success)) return "success is not true or false";
  if (timestamp->get_string().get(record.timestamp)) return "timestamp is not a string";
  auto ns = parse_timestamp_ns(record.timestamp);
  if (!ns) return "timestamp is not an ISO-8601 time";
  record.timestamp_ns = *ns;

  record.session_id.reset();
  if (session && !session->is_null()) {
    std::string_view text;
    if (session->get_string().get(text)) return "session_id is not a string";
    record.session_id = text;
  }
  record.error.reset();
  if (error && !error->is_null()) {
    std::string_view text;
    if (error->get_string().get(text)) return "error is not a string";
    record.error = text;
  }
  if (context && !context->is_null() && !context->is_object()) return "context is not an object";
  return nullptr;
}

}  // namespace perfgate::oplog
