// Where the bytes of an operation log come from: a plain file or stdin, or a gzip or zstd
// stream decompressed on the fly. The kind is chosen once per input from its first bytes (the
// magic numbers), so a compressed log piped into stdin or misnamed still reads, and the line
// reader above never asks which one it has (wrk's I/O table, as a small interface).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace perfgate::oplog {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to `capacity` bytes of `destination`; 0 at the end of the input, and also when
  // the input cannot be read further (see error()).
  virtual std::size_t read(char* destination, std::size_t capacity) = 0;
  // Why reading stopped early: a read error, corrupt or truncated compressed data. Empty
  // after a clean end.
  virtual const std::string& error() const = 0;
  // "plain", "gzip" or "zstd".
  virtual const char* kind() const = 0;
};

// Opens `path` ("-" for stdin) and looks at its first bytes: gzip (1f 8b), zstd (28 b5 2f fd),
// else plain. Throws UsageError naming the file when it cannot be opened.
//   auto source = open_byte_source("perf-metrics.jsonl.zst");
//   char buffer[65536];
//   while (std::size_t n = source->read(buffer, sizeof buffer)) consume(buffer, n);
std::unique_ptr<ByteSource> open_byte_source(const std::string& path);

// A regular file that is not compressed: several threads may read parts of it at once (pread),
// each part starting at a line. Stdin, pipes and gzip or zstd files are streams instead.
//   auto file = PlainFile::open("perf-metrics.jsonl");          // nullptr: read it as a stream
//   std::vector<std::uint64_t> starts = file->line_starts(4);  // {0, s1, s2, s3}
//   auto second = file->range(starts[1], starts[2]);
class PlainFile {
 public:
  static constexpr std::uint64_t kToTheEnd = std::numeric_limits<std::uint64_t>::max();

  // nullptr for "-" (stdin), a pipe, a device, a gzip or zstd file, and for a path that is not
  // there (open_byte_source then names it). Throws UsageError naming the file when it is there
  // but cannot be opened.
  static std::unique_ptr<PlainFile> open(const std::string& path);
  ~PlainFile();
  PlainFile(const PlainFile&) = delete;
  PlainFile& operator=(const PlainFile&) = delete;

  std::uint64_t size() const { return size_; }  // when it was opened
  // Up to `parts` offsets, ascending, the first 0: where `parts` pieces of about equal size
  // begin, each moved forward to the start of a line (after a newline). Pieces that would be
  // empty (a line longer than a piece) are left out.
  std::vector<std::uint64_t> line_starts(std::size_t parts) const;
  // The bytes [begin, end); kToTheEnd reads on to the end of the file as it is then, as a
  // stream would (a log still being appended to).
  std::unique_ptr<ByteSource> range(std::uint64_t begin, std::uint64_t end) const;

 private:
  PlainFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::uint64_t size_;
};

// Bytes held in memory (a command's captured output, a test's log), recognised the same way.
std::unique_ptr<ByteSource> memory_byte_source(std::string bytes);
// Bytes held in memory taken as they are, never decompressed (a block of a stream that was).
std::unique_ptr<ByteSource> plain_memory_source(std::string bytes);

}  // namespace perfgate::oplog
