// Where the bytes of an operation log come from: a plain file or stdin, or a gzip or zstd
// stream decompressed on the fly. The kind is chosen once per input from its first bytes (the
// magic numbers), so a compressed log piped into stdin or misnamed still reads, and the line
// reader above never asks which one it has (wrk's I/O table, as a small interface).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

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

// Bytes held in memory (a command's captured output, a test's log), recognised the same way.
std::unique_ptr<ByteSource> memory_byte_source(std::string bytes);

}  // namespace perfgate::oplog
