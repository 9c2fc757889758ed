// Reading the inputs of a report on one thread or on several; see build_report in
// operation_report.hpp. On several, a plain file is split into parts that begin at a line
// (PlainFile), a stream (stdin, gzip, zstd) is cut by one thread into blocks of whole lines as
// it is read, and each part and block is read by its own OperationLogReader into its own
// ReportBuilder on a pool of workers. The builders are then appended in input order, which
// gives the report of one reader to the last bit (ReportBuilder::append).
#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>

#include "oplog/byte_source.hpp"
#include "oplog/operation_report.hpp"

namespace perfgate::oplog {

std::size_t available_cores() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) return static_cast<std::size_t>(std::max(1, CPU_COUNT(&cpus)));
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

// An input opened before anything is read: a plain file that can be read in parts, or a stream.
struct OpenInput {
  std::string path;
  std::unique_ptr<PlainFile> file;
  std::unique_ptr<ByteSource> stream;
};

// What one part of a file or one block of a stream gave.
struct Piece {
  std::unique_ptr<ReportBuilder> records;  // nullptr for a too-long line the cutter skipped
  ReadStats stats;
  std::optional<SourceFailure> failure;  // a part of a file that could not be read to its end
  std::uint64_t unterminated = 0;        // 1 when its last line has no newline (the input's last)
};

struct InputPieces {
  std::deque<Piece> pieces;                 // in input order; a deque, so a piece stays put while the cutter adds more
  std::optional<std::string> stream_error;  // why a stream ended early
};

std::vector<OpenInput> open_inputs(const std::vector<std::string>& inputs) {
  std::vector<OpenInput> open;
  for (const auto& path : inputs) {
    OpenInput in{path, PlainFile::open(path), nullptr};
    if (!in.file) in.stream = open_byte_source(path);
    open.push_back(std::move(in));
  }
  return open;
}

Report read_in_order(std::vector<OpenInput>& open, const ReportOptions& options, const ReaderOptions& reader_options) {
  ReportBuilder builder(options);
  ReadStats stats;
  OperationRecord record;
  for (auto& in : open) {
    builder.begin_input(in.path);
    OperationLogReader reader(in.path, in.file ? in.file->range(0, PlainFile::kToTheEnd) : std::move(in.stream),
                              reader_options);
    while (reader.next(record)) builder.add(record);
    stats.merge(reader.stats(), reader_options.listed_malformed);
    in.file.reset();
  }
  return builder.finish(std::move(stats));
}

// Reads `bytes` bytes (about; a small piece needs no big buffer) of `source` into `piece`.
void read_piece(Piece& piece, const std::string& path, std::unique_ptr<ByteSource> source, std::uint64_t bytes,
                ReaderOptions reader_options, bool starts_input, const ReportOptions& options) {
  reader_options.starts_input = starts_input;
  reader_options.chunk_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(reader_options.chunk_bytes, bytes + 1));
  OperationLogReader reader(path, std::move(source), reader_options);
  piece.records = std::make_unique<ReportBuilder>(options);
  OperationRecord record;
  while (reader.next(record)) piece.records->add(record);
  piece.stats = reader.stats();
  piece.failure = reader.source_failure();
}

// Tasks for a fixed set of workers; the first exception a task throws is kept for the end.
class WorkQueue {
 public:
  void add(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }
  void fail(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!failed_) failed_ = std::move(error);
  }
  // Runs tasks until the queue is closed and empty.
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      try {
        task();
      } catch (...) {
        fail(std::current_exception());
      }
    }
  }
  void rethrow() const {
    if (failed_) std::rethrow_exception(failed_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool closed_ = false;
  std::exception_ptr failed_;
};

// Cuts a stream into blocks that begin at a line and end after a newline (the last one: where
// the stream ends) as it reads it, and queues each block to be read. A line longer than
// max_line_bytes is skipped here without being held, and counted as the reader counts it.
class StreamCutter {
 public:
  StreamCutter(const std::string& path, InputPieces& out, WorkQueue& queue, std::counting_semaphore<>& free_blocks,
               std::size_t block_bytes, const ReaderOptions& reader_options, const ReportOptions& options)
      : path_(path),
        out_(out),
        queue_(queue),
        free_blocks_(free_blocks),
        block_bytes_(std::max<std::size_t>(block_bytes, 1)),
        reader_options_(reader_options),
        options_(options) {}

  void cut(ByteSource& source) {
    std::string block(block_bytes_, '\0');
    std::size_t filled = 0;
    for (;;) {
      std::size_t n = source.read(block.data() + filled, block.size() - filled);
      filled += n;
      if (n > 0 && filled < block.size()) continue;
      if (n == 0) {  // the end, or an error (said once every block is read)
        if (filled > 0) {
          bool terminated = block[filled - 1] == '\n';
          block.resize(filled);
          hand_out(std::move(block), terminated);
        }
        if (!source.error().empty()) out_.stream_error = source.error();
        return;
      }
      if (const void* last = memrchr(block.data(), '\n', filled)) {
        std::size_t cut = static_cast<std::size_t>(static_cast<const char*>(last) - block.data()) + 1;
        std::string next(std::max(block_bytes_, 2 * (filled - cut)), '\0');
        std::memcpy(next.data(), block.data() + cut, filled - cut);
        filled -= cut;
        block.resize(cut);
        hand_out(std::move(block), true);
        block = std::move(next);
      } else if (filled > reader_options_.max_line_bytes) {
        filled = skip_too_long_line(source, block);
        if (filled == kEnded) return;
      } else {  // a long line: room for all of it, or for more than the limit
        block.resize(std::min(block.size() * 2, reader_options_.max_line_bytes + 1));
      }
    }
  }

 private:
  static constexpr std::size_t kEnded = static_cast<std::size_t>(-1);

  // Reads past the rest of a too-long line; returns how much of what follows it is at the
  // front of `block`, or kEnded when the stream ended inside it.
  std::size_t skip_too_long_line(ByteSource& source, std::string& block) {
    for (;;) {
      std::size_t n = source.read(block.data(), block.size());
      if (n == 0) {
        too_long_line(false);
        if (!source.error().empty()) out_.stream_error = source.error();
        return kEnded;
      }
      if (const void* newline = std::memchr(block.data(), '\n', n)) {
        too_long_line(true);
        std::size_t after = static_cast<std::size_t>(static_cast<const char*>(newline) - block.data()) + 1;
        std::memmove(block.data(), block.data() + after, n - after);
        return n - after;
      }
    }
  }

  void too_long_line(bool terminated) {
    Piece& piece = out_.pieces.emplace_back();
    piece.stats.lines = 1;
    piece.stats.malformed = 1;
    if (reader_options_.listed_malformed > 0) {
      piece.stats.first_malformed.push_back({path_, 1, too_long_reason(reader_options_.max_line_bytes)});
    }
    piece.unterminated = terminated ? 0 : 1;
    starts_input_ = false;
  }

  void hand_out(std::string bytes, bool terminated) {
    Piece* piece = &out_.pieces.emplace_back();
    piece->unterminated = terminated ? 0 : 1;
    bool starts_input = starts_input_;
    starts_input_ = false;
    free_blocks_.acquire();  // at most so many blocks in memory: the reading waits for the workers
    // What the task uses outlives the cutter (it is build_report's).
    queue_.add([piece, starts_input, bytes = std::move(bytes), &path = path_, &free_blocks = free_blocks_,
                &reader_options = reader_options_, &options = options_]() mutable {
      struct Release {
        std::counting_semaphore<>& blocks;
        ~Release() { blocks.release(); }
      } release{free_blocks};
      std::uint64_t size = bytes.size();
      read_piece(*piece, path, plain_memory_source(std::move(bytes)), size, reader_options, starts_input, options);
    });
  }

  const std::string& path_;
  InputPieces& out_;
  WorkQueue& queue_;
  std::counting_semaphore<>& free_blocks_;
  std::size_t block_bytes_;
  const ReaderOptions& reader_options_;
  const ReportOptions& options_;
  bool starts_input_ = true;
};

}  // namespace

Report build_report(const std::vector<std::string>& inputs, const ReportOptions& options,
                    const ReaderOptions& reader_options, const ReadThreads& threads) {
  std::vector<OpenInput> open = open_inputs(inputs);
  if (threads.threads <= 1) return read_in_order(open, options, reader_options);

  std::vector<InputPieces> by_input(open.size());
  ReadBuffers buffers;  // one per thread at a time, passed on from part to part
  ReaderOptions piece_options = reader_options;
  piece_options.buffers = &buffers;
  WorkQueue queue;
  bool any_stream = false;
  for (std::size_t i = 0; i < open.size(); ++i) {
    if (!open[i].file) {
      any_stream = true;
      continue;
    }
    const PlainFile& file = *open[i].file;
    std::size_t parts = static_cast<std::size_t>(
        std::clamp<std::uint64_t>(file.size() / std::max<std::size_t>(threads.min_part_bytes, 1), 1,
                                  threads.threads * std::max<std::size_t>(threads.parts_per_thread, 1)));
    std::vector<std::uint64_t> starts = file.line_starts(parts);
    by_input[i].pieces.resize(starts.size());
    for (std::size_t k = 0; k < starts.size(); ++k) {
      std::uint64_t begin = starts[k];
      std::uint64_t end = k + 1 < starts.size() ? starts[k + 1] : PlainFile::kToTheEnd;
      std::uint64_t bytes = (k + 1 < starts.size() ? end : std::max(file.size(), begin)) - begin;
      queue.add([&, i, k, begin, end, bytes] {
        read_piece(by_input[i].pieces[k], open[i].path, open[i].file->range(begin, end), bytes, piece_options,
                   begin == 0, options);
      });
    }
  }
  std::counting_semaphore<> free_blocks(static_cast<std::ptrdiff_t>(threads.threads + 2));
  {
    // The streams are cut on a thread of their own (reading and decompressing), one after the other.
    std::jthread cutter;
    if (any_stream) {
      cutter = std::jthread([&] {
        try {
          for (std::size_t i = 0; i < open.size(); ++i) {
            if (!open[i].stream) continue;
            StreamCutter(open[i].path, by_input[i], queue, free_blocks, threads.stream_block_bytes, piece_options,
                         options)
                .cut(*open[i].stream);
            open[i].stream.reset();
          }
        } catch (...) {
          queue.fail(std::current_exception());
        }
        queue.close();
      });
    } else {
      queue.close();
    }
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < threads.threads; ++t) workers.emplace_back([&] { queue.work(); });
    queue.work();  // the calling thread is a worker too
  }
  queue.rethrow();

  // Together in input order. A part of a file that could not be read to its end ends its input
  // there, as one reader would stop.
  ReportBuilder builder(options);
  ReadStats stats;
  for (std::size_t i = 0; i < open.size(); ++i) {
    builder.begin_input(open[i].path);
    std::uint64_t lines_before = 0;
    std::uint64_t newlines = 0;  // where a stream that ended early ended
    for (Piece& piece : by_input[i].pieces) {
      bool stopped = piece.failure.has_value();
      if (stopped) {
        piece.stats.warnings = {
            source_failure_warning(open[i].path, {piece.failure->error, piece.failure->after_line + lines_before})};
      }
      stats.merge(piece.stats, reader_options.listed_malformed, lines_before);
      if (piece.records) builder.append(std::move(*piece.records), lines_before);
      lines_before += piece.stats.lines;
      newlines += piece.stats.lines - piece.unterminated;
      piece = {};
      if (stopped) break;
    }
    if (by_input[i].stream_error) {
      stats.warnings.push_back(source_failure_warning(open[i].path, {*by_input[i].stream_error, newlines}));
    }
    by_input[i] = {};
  }
  return builder.finish(std::move(stats));
}

}  // namespace perfgate::oplog
