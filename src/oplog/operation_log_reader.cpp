// The operation-log reader; see operation_log_reader.hpp. The hot loop: memchr for the next
// newline in a big buffer, one simdjson DOM parse of the line in place (the buffer carries
// simdjson's padding, so nothing is copied), one pass over the object's keys.
#include "oplog/operation_log_reader.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "oplog/byte_source.hpp"
#include "oplog/timestamp.hpp"

namespace perfgate::oplog {

void ReadStats::merge(const ReadStats& other, std::size_t listed_malformed, std::uint64_t line_offset) {
  lines += other.lines;
  records += other.records;
  malformed += other.malformed;
  for (const auto& m : other.first_malformed) {
    if (first_malformed.size() >= listed_malformed) break;
    first_malformed.push_back(m);
    first_malformed.back().line += line_offset;
  }
  warnings.insert(warnings.end(), other.warnings.begin(), other.warnings.end());
}

std::string too_long_reason(std::size_t max_line_bytes) {
  return fmt::format("line longer than {} bytes", max_line_bytes);
}

std::string source_failure_warning(std::string_view file, const SourceFailure& failure) {
  return fmt::format("{}: {} after line {}; the rest of it is not read", file, failure.error, failure.after_line);
}

// The DOM parser validates the whole line (numbers, literals, UTF-8, nothing after the
// object), which the strict definition of a record needs; on-demand parsing would not look
// inside the values it skips.
constexpr double kMaxDurationMs = 365.0 * 24 * 3600 * 1000;

struct OperationLogReader::Parser {
  simdjson::dom::parser json;

  // nullptr when `line` is a record, else why not; `detail` gets simdjson's message for JSON errors.
  const char* parse(std::string_view line, OperationRecord& record, const char*& detail) {
    simdjson::dom::element root;
    if (auto error = json.parse(line.data(), line.size(), false).get(root)) {
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
    // 2^64 ms or 1e308 would make every average inf: no operation worth reporting takes a year.
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
};

namespace {

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

OperationLogReader::OperationLogReader(std::string path, ReaderOptions options)
    : OperationLogReader(path, open_byte_source(path), options) {}

OperationLogReader::OperationLogReader(std::string name, std::unique_ptr<ByteSource> source, ReaderOptions options)
    : path_(std::move(name)), options_(options), source_(std::move(source)), parser_(std::make_unique<Parser>()) {
  options_.chunk_bytes = std::max<std::size_t>(options_.chunk_bytes, 64);
  options_.max_line_bytes = std::max<std::size_t>(options_.max_line_bytes, 1);
}

OperationLogReader::~OperationLogReader() = default;

bool OperationLogReader::next(OperationRecord& record) {
  for (;;) {
    std::string_view line;
    LineStatus status = next_line(line);
    if (status == LineStatus::kEnd) return false;
    ++stats_.lines;
    if (status == LineStatus::kTooLong) {
      note_malformed(too_long_reason(options_.max_line_bytes));
      continue;
    }
    if (line_number_ == 1 && options_.starts_input && line.starts_with("\xEF\xBB\xBF"))
      line.remove_prefix(3);  // a byte order mark
    if (is_blank(line)) {
      note_malformed("empty line");
      continue;
    }
    const char* detail = nullptr;
    if (const char* reason = parser_->parse(line, record, detail)) {
      note_malformed(reason, detail != nullptr ? std::string_view(detail) : std::string_view());
      continue;
    }
    record.line = line_number_;
    ++stats_.records;
    return true;
  }
}

// Hands out the next line in place. A line longer than the buffer grows it (up to
// max_line_bytes); a longer one is read past and reported as kTooLong, never held whole.
OperationLogReader::LineStatus OperationLogReader::next_line(std::string_view& line) {
  if (!buffer_) {
    capacity_ = options_.chunk_bytes;
    buffer_ = std::make_unique<char[]>(capacity_ + simdjson::SIMDJSON_PADDING);
  }
  bool too_long = false;
  for (;;) {
    const char* data = buffer_.get();
    const void* newline = std::memchr(data + scanned_, '\n', end_ - scanned_);
    if (newline != nullptr) {
      std::size_t at = static_cast<std::size_t>(static_cast<const char*>(newline) - data);
      line = std::string_view(data + begin_, at - begin_);
      begin_ = scanned_ = at + 1;
      ++line_number_;
      // A long line may also arrive whole in a chunk bigger than the limit.
      return too_long || line.size() > options_.max_line_bytes ? LineStatus::kTooLong : LineStatus::kLine;
    }
    scanned_ = end_;
    if (end_ - begin_ > options_.max_line_bytes) {
      too_long = true;  // forget what we have of it, look for its end
      begin_ = scanned_ = end_ = 0;
    }
    if (at_end_ || !refill()) {
      at_end_ = true;
      if (begin_ == end_ && !too_long) return LineStatus::kEnd;
      line = std::string_view(buffer_.get() + begin_, end_ - begin_);  // refill() may have moved it
      begin_ = scanned_ = end_;
      ++line_number_;
      return too_long || line.size() > options_.max_line_bytes ? LineStatus::kTooLong : LineStatus::kLine;
    }
  }
}

// Moves the unfinished line to the front, grows the buffer when that line fills it, reads more.
bool OperationLogReader::refill() {
  std::size_t pending = end_ - begin_;
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, pending);
    scanned_ -= begin_;
    begin_ = 0;
    end_ = pending;
  }
  if (end_ == capacity_) {
    std::size_t grown = std::min(capacity_ * 2, std::max(options_.max_line_bytes + 1, options_.chunk_bytes));
    if (grown <= capacity_) grown = capacity_ * 2;
    auto bigger = std::make_unique<char[]>(grown + simdjson::SIMDJSON_PADDING);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  std::size_t n = source_->read(buffer_.get() + end_, capacity_ - end_);
  if (n == 0) {
    if (!source_->error().empty()) {
      source_failure_ = SourceFailure{source_->error(), line_number_};
      stats_.warnings.push_back(source_failure_warning(path_, *source_failure_));
    }
    return false;
  }
  end_ += n;
  return true;
}

void OperationLogReader::note_malformed(std::string_view reason, std::string_view detail) {
  ++stats_.malformed;
  if (stats_.first_malformed.size() >= options_.listed_malformed) return;
  std::string text(reason);
  if (!detail.empty()) text += fmt::format(" ({})", detail);
  stats_.first_malformed.push_back({path_, line_number_, std::move(text)});
}

}  // namespace perfgate::oplog
