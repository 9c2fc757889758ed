// The operation-log reader; see operation_log_reader.hpp. The hot loop: memchr for the next
// newline in a big buffer, then the line is parsed in place (record_parser.hpp: the buffer
// carries the padding the parsers read past a line, so nothing is copied).
#include "oplog/operation_log_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "oplog/byte_source.hpp"
#include "oplog/record_parser.hpp"

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

namespace {

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

OperationLogReader::OperationLogReader(std::string path, ReaderOptions options)
    : OperationLogReader(path, open_byte_source(path), options) {}

OperationLogReader::OperationLogReader(std::string name, std::unique_ptr<ByteSource> source, ReaderOptions options)
    : path_(std::move(name)), options_(options), source_(std::move(source)), parser_(std::make_unique<RecordParser>()) {
  options_.chunk_bytes = std::max<std::size_t>(options_.chunk_bytes, 64);
  options_.max_line_bytes = std::max<std::size_t>(options_.max_line_bytes, 1);
}

OperationLogReader::~OperationLogReader() {
  if (options_.buffers != nullptr && buffer_) options_.buffers->give(std::move(buffer_), capacity_);
}

std::unique_ptr<char[]> ReadBuffers::take(std::size_t& capacity) {
  std::lock_guard lock(mutex_);
  for (auto& [buffer, size] : free_) {
    if (size < capacity) continue;
    capacity = size;
    std::unique_ptr<char[]> taken = std::move(buffer);
    std::swap(buffer, free_.back().first);
    std::swap(size, free_.back().second);
    free_.pop_back();
    return taken;
  }
  return nullptr;
}

void ReadBuffers::give(std::unique_ptr<char[]> buffer, std::size_t capacity) {
  std::lock_guard lock(mutex_);
  free_.emplace_back(std::move(buffer), capacity);
}

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
    if (options_.buffers != nullptr) buffer_ = options_.buffers->take(capacity_);
    if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(capacity_ + kLinePadding);
    std::memset(buffer_.get(), 0, kLinePadding);
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
    auto bigger = std::make_unique_for_overwrite<char[]>(grown + kLinePadding);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  std::size_t n = source_->read(buffer_.get() + end_, capacity_ - end_);
  // What the parsers may read past the last line: zeros, not bytes of an old read (nor none).
  std::memset(buffer_.get() + end_ + n, 0, kLinePadding);
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
