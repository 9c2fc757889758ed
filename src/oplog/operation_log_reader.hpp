// The reader of operation logs: the JSON Lines that perfgate's tracker library (and teams'
// own code) write, one operation per line:
//
//   {"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"agent_register","duration_ms":45,
//    "success":true,"session_id":"ses_1","error":null,"context":{"agents":5}}
//
// A record needs `timestamp` (ISO-8601, see timestamp.hpp), `operation_type` (a non-empty
// string), `duration_ms` (a number >= 0) and `success` (true or false); `session_id` and
// `error` are optional strings (or null), `context` an optional object (or null); other keys
// are allowed. A line is malformed when it is not exactly one object in strict JSON (truncated,
// trailing garbage, NaN, leading zeros, invalid UTF-8), is empty, lacks a required key, has a
// key with the wrong type ("45", "true", 1 for true) or is longer than max_line_bytes.
// Malformed lines are skipped and counted, never fatal. CRLF endings, a UTF-8 byte order mark
// and a last line without a newline are fine; gzip and zstd inputs are decompressed on the fly.
//
// Usage (the views in a record stay valid until the next call of next()):
//
//   OperationLogReader reader("perf-metrics.jsonl.gz");   // "-" reads stdin
//   OperationRecord record;
//   while (reader.next(record)) use(record.operation, record.duration_ms, record.success);
//   const ReadStats& stats = reader.stats();                // malformed lines, warnings
//
// The reader reads in big chunks, splits at newlines in place and parses each line in place
// (record_parser.hpp: a one-pass scanner for the common shape, simdjson for the rest; hundreds
// of MB/s); it allocates nothing per line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace perfgate::oplog {

class ByteSource;
class RecordParser;

struct OperationRecord {
  std::string_view timestamp;     // as written
  std::int64_t timestamp_ns = 0;  // UTC, since the Unix epoch
  std::string_view operation;     // operation_type
  double duration_ms = 0;
  bool success = false;
  std::optional<std::string_view> session_id;  // nullopt when absent or null
  std::optional<std::string_view> error;       // nullopt when absent or null
  std::uint64_t line = 0;                      // 1-based line number in its input
};

struct MalformedLine {
  std::string file;  // the input as given ("-" for stdin)
  std::uint64_t line = 0;
  std::string reason;  // "missing duration_ms", "invalid JSON (...)", ...
};

struct ReadStats {
  std::uint64_t lines = 0;                     // every line, malformed ones included
  std::uint64_t records = 0;                   // valid records
  std::uint64_t malformed = 0;                 // lines skipped
  std::vector<MalformedLine> first_malformed;  // the first few (ReaderOptions::listed_malformed)
  // An input that ended early: a read error, corrupt or truncated compressed data. What was
  // read before it counts.
  std::vector<std::string> warnings;

  // Adds the counts of what was read after this (another input, or the next part of the same
  // one, whose line numbers then start after `line_offset` lines); keeps the first
  // `listed_malformed` lines of both in order.
  void merge(const ReadStats& other, std::size_t listed_malformed = 10, std::uint64_t line_offset = 0);
};

// Why a line longer than `max_line_bytes` was skipped: "line longer than N bytes".
std::string too_long_reason(std::size_t max_line_bytes);

// Why an input ended early, and after which of its lines.
struct SourceFailure {
  std::string error;
  std::uint64_t after_line = 0;
};
// The warning for it: "FILE: ERROR after line N; the rest of it is not read".
std::string source_failure_warning(std::string_view file, const SourceFailure& failure);

// Read buffers passed on from one reader to the next (the parts of a file, read one after the
// other on a few threads): a fresh 16 MiB buffer costs its 4,096 pages' faults again.
class ReadBuffers {
 public:
  // A free buffer of at least `capacity` bytes (and kLinePadding more), if there is one;
  // `capacity` is then set to its size.
  std::unique_ptr<char[]> take(std::size_t& capacity);
  void give(std::unique_ptr<char[]> buffer, std::size_t capacity);

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::unique_ptr<char[]>, std::size_t>> free_;
};

struct ReaderOptions {
  std::size_t chunk_bytes = 16u << 20;     // read size; lines may cross chunks
  std::size_t max_line_bytes = 64u << 20;  // longer lines are skipped without being held in memory
  std::size_t listed_malformed = 10;       // how many malformed lines to remember by number
  // False for a later part of a file read on its own (PlainFile::range): its first line is no
  // line 1, so it cannot start with a byte order mark. Its line numbers count from its start.
  bool starts_input = true;
  ReadBuffers* buffers = nullptr;  // where the buffer comes from and goes back to; none: its own
};

class OperationLogReader {
 public:
  // Opens `path` ("-" for stdin). Throws UsageError naming the file when it cannot be opened.
  explicit OperationLogReader(std::string path, ReaderOptions options = {});
  // Reads an already open source (e.g. memory_byte_source(text)); `name` labels its lines.
  OperationLogReader(std::string name, std::unique_ptr<ByteSource> source, ReaderOptions options = {});
  ~OperationLogReader();
  OperationLogReader(const OperationLogReader&) = delete;
  OperationLogReader& operator=(const OperationLogReader&) = delete;

  // The next valid record, skipping (and counting) malformed lines; false at the end.
  bool next(OperationRecord& record);

  const ReadStats& stats() const { return stats_; }
  // Set when the input ended early (also one of stats().warnings).
  const std::optional<SourceFailure>& source_failure() const { return source_failure_; }
  const std::string& path() const { return path_; }

 private:
  enum class LineStatus { kLine, kTooLong, kEnd };
  LineStatus next_line(std::string_view& line);
  bool refill();
  void note_malformed(std::string_view reason, std::string_view detail = {});

  std::string path_;
  ReaderOptions options_;
  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<RecordParser> parser_;
  std::unique_ptr<char[]> buffer_;  // capacity_ + simdjson's padding
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;    // the first byte not handed out yet
  std::size_t scanned_ = 0;  // [begin_, scanned_) holds no newline
  std::size_t end_ = 0;      // the end of the bytes read
  bool at_end_ = false;
  std::uint64_t line_number_ = 0;
  ReadStats stats_;
  std::optional<SourceFailure> source_failure_;
};

}  // namespace perfgate::oplog
