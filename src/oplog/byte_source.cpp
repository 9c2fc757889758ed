// Plain, gzip and zstd byte sources; see byte_source.hpp.
#include "oplog/byte_source.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "core/error.hpp"

namespace perfgate::oplog {
namespace {

// The input file with the few bytes already read to recognise it put back in front.
class RawInput {
 public:
  RawInput(int fd, bool owned, std::string head) : fd_(fd), owned_(owned), head_(std::move(head)) {}
  ~RawInput() {
    if (owned_) ::close(fd_);
  }
  RawInput(const RawInput&) = delete;
  RawInput& operator=(const RawInput&) = delete;

  // Like read(2), but never short because of EINTR; -1 with errno on an error.
  ssize_t read(char* destination, std::size_t capacity) {
    if (head_at_ < head_.size()) {
      std::size_t n = std::min(capacity, head_.size() - head_at_);
      std::memcpy(destination, head_.data() + head_at_, n);
      head_at_ += n;
      return static_cast<ssize_t>(n);
    }
    if (fd_ < 0) return 0;  // held in memory: the head was all of it
    for (;;) {
      ssize_t n = ::read(fd_, destination, capacity);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

 private:
  int fd_;
  bool owned_;
  std::string head_;
  std::size_t head_at_ = 0;
};

std::string read_error_text() { return fmt::format("read error: {}", std::strerror(errno)); }

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(std::unique_ptr<RawInput> input) : input_(std::move(input)) {}
  std::size_t read(char* destination, std::size_t capacity) override {
    if (!error_.empty()) return 0;
    ssize_t n = input_->read(destination, capacity);
    if (n < 0) {
      error_ = read_error_text();
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  const std::string& error() const override { return error_; }
  const char* kind() const override { return "plain"; }

 private:
  std::unique_ptr<RawInput> input_;
  std::string error_;
};

constexpr std::size_t kCompressedChunkBytes = 1 << 20;

// Several gzip members one after the other (logs appended to, rotated and concatenated) are
// one stream, as gzip -d reads them.
class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<RawInput> input) : input_(std::move(input)), in_(kCompressedChunkBytes) {
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) error_ = "gzip: cannot initialise zlib";
  }
  ~GzipSource() override { inflateEnd(&stream_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  std::size_t read(char* destination, std::size_t capacity) override {
    if (!error_.empty() || finished_) return 0;
    stream_.next_out = reinterpret_cast<Bytef*>(destination);
    stream_.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1u << 30));
    while (stream_.avail_out > 0) {
      if (stream_.avail_in == 0 && !refill()) break;
      int rc = inflate(&stream_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_open_ = false;
        if (stream_.avail_in == 0 && !refill()) {
          finished_ = true;
          break;
        }
        inflateReset(&stream_);
        member_open_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        error_ = fmt::format("corrupt gzip data ({})", stream_.msg != nullptr ? stream_.msg : "inflate failed");
        break;
      }
    }
    return static_cast<std::size_t>(reinterpret_cast<char*>(stream_.next_out) - destination);
  }
  const std::string& error() const override { return error_; }
  const char* kind() const override { return "gzip"; }

 private:
  // False at the end of the compressed input (an error when a member is still open).
  bool refill() {
    ssize_t n = input_->read(reinterpret_cast<char*>(in_.data()), in_.size());
    if (n < 0) {
      error_ = read_error_text();
      return false;
    }
    if (n == 0) {
      if (member_open_) error_ = "truncated gzip data (the stream ends inside a member)";
      finished_ = true;
      return false;
    }
    stream_.next_in = in_.data();
    stream_.avail_in = static_cast<uInt>(n);
    return true;
  }

  std::unique_ptr<RawInput> input_;
  std::vector<Bytef> in_;
  z_stream stream_{};
  bool member_open_ = true;
  bool finished_ = false;
  std::string error_;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<RawInput> input)
      : input_(std::move(input)), in_(ZSTD_DStreamInSize()), stream_(ZSTD_createDStream()) {
    if (stream_ == nullptr) error_ = "zstd: cannot create a decompression stream";
  }
  ~ZstdSource() override { ZSTD_freeDStream(stream_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  std::size_t read(char* destination, std::size_t capacity) override {
    if (!error_.empty() || finished_) return 0;
    ZSTD_outBuffer out{destination, capacity, 0};
    while (out.pos < out.size) {
      if (input_buffer_.pos == input_buffer_.size) {
        ssize_t n = input_->read(in_.data(), in_.size());
        if (n < 0) {
          error_ = read_error_text();
          break;
        }
        if (n == 0) {
          // 0 from the last call means the last frame was complete.
          if (pending_ != 0) error_ = "truncated zstd data (the stream ends inside a frame)";
          finished_ = true;
          break;
        }
        input_buffer_ = {in_.data(), static_cast<std::size_t>(n), 0};
      }
      pending_ = ZSTD_decompressStream(stream_, &out, &input_buffer_);
      if (ZSTD_isError(pending_)) {
        error_ = fmt::format("corrupt zstd data ({})", ZSTD_getErrorName(pending_));
        break;
      }
    }
    return out.pos;
  }
  const std::string& error() const override { return error_; }
  const char* kind() const override { return "zstd"; }

 private:
  std::unique_ptr<RawInput> input_;
  std::vector<char> in_;
  ZSTD_inBuffer input_buffer_{nullptr, 0, 0};
  ZSTD_DStream* stream_;
  std::size_t pending_ = 0;
  bool finished_ = false;
  std::string error_;
};

bool is_gzip(std::string_view head) { return head.starts_with("\x1f\x8b"); }
bool is_zstd(std::string_view head) { return head.starts_with("\x28\xb5\x2f\xfd"); }

// Chooses the source by the magic numbers at the start of the input.
std::unique_ptr<ByteSource> source_for(std::unique_ptr<RawInput> input, std::string_view head) {
  if (is_gzip(head)) return std::make_unique<GzipSource>(std::move(input));
  if (is_zstd(head)) return std::make_unique<ZstdSource>(std::move(input));
  return std::make_unique<PlainSource>(std::move(input));
}

int open_or_throw(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return fd;
}

// pread(2) that is never short because of EINTR; -1 with errno on an error.
ssize_t read_at(int fd, char* destination, std::size_t capacity, std::uint64_t offset) {
  for (;;) {
    ssize_t n = ::pread(fd, destination, capacity, static_cast<off_t>(offset));
    if (n >= 0 || errno != EINTR) return n;
  }
}

// The bytes [offset, end) of a file another object keeps open; several may read one file at once.
class FileRangeSource final : public ByteSource {
 public:
  FileRangeSource(int fd, std::uint64_t begin, std::uint64_t end) : fd_(fd), offset_(begin), end_(end) {}
  std::size_t read(char* destination, std::size_t capacity) override {
    if (!error_.empty() || offset_ >= end_) return 0;
    if (end_ != PlainFile::kToTheEnd)
      capacity = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, end_ - offset_));
    ssize_t n = read_at(fd_, destination, capacity, offset_);
    if (n < 0) {
      error_ = read_error_text();
      return 0;
    }
    offset_ += static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
  const std::string& error() const override { return error_; }
  const char* kind() const override { return "plain"; }

 private:
  int fd_;
  std::uint64_t offset_;
  std::uint64_t end_;
  std::string error_;
};

}  // namespace

std::unique_ptr<ByteSource> open_byte_source(const std::string& path) {
  bool is_stdin = path == "-";
  int fd = is_stdin ? STDIN_FILENO : open_or_throw(path);
  auto close_unless_stdin = [&] {
    if (!is_stdin) ::close(fd);
  };
  // Read up to 4 bytes, through short reads of a pipe; a directory fails here (EISDIR).
  std::string head(4, '\0');
  std::size_t have = 0;
  while (have < head.size()) {
    ssize_t n = ::read(fd, head.data() + have, head.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close_unless_stdin();
      throw UsageError(fmt::format("cannot read '{}': {}", path, std::strerror(saved)));
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  head.resize(have);
  std::string magic = head;
  return source_for(std::make_unique<RawInput>(fd, !is_stdin, std::move(head)), magic);
}

std::unique_ptr<PlainFile> PlainFile::open(const std::string& path) {
  // A pipe is not opened here: opened twice, what a writer put in it before the second open
  // could be lost. stat() opens nothing; what cannot be statted is open_byte_source's to name.
  struct stat named {};
  if (path == "-" || ::stat(path.c_str(), &named) != 0 || !S_ISREG(named.st_mode)) return nullptr;
  int fd = open_or_throw(path);
  struct stat info {};
  char head[4];
  ssize_t have = 0;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || (have = read_at(fd, head, sizeof head, 0)) < 0 ||
      is_gzip({head, static_cast<std::size_t>(have)}) || is_zstd({head, static_cast<std::size_t>(have)})) {
    ::close(fd);  // open_byte_source reads it, and names what is wrong with it
    return nullptr;
  }
  return std::unique_ptr<PlainFile>(new PlainFile(fd, static_cast<std::uint64_t>(info.st_size)));
}

PlainFile::~PlainFile() { ::close(fd_); }

std::vector<std::uint64_t> PlainFile::line_starts(std::size_t parts) const {
  std::vector<std::uint64_t> starts{0};
  std::vector<char> block(4096);  // most lines are far shorter
  for (std::size_t part = 1; part < parts; ++part) {
    // size·part/parts without overflow
    std::uint64_t at = size_ / parts * part + size_ % parts * part / parts;
    if (at <= starts.back()) continue;  // the line before reaches past `at`
    // The line starting at or after `at` begins after the first newline at or after at - 1.
    std::uint64_t from = at - 1;
    std::optional<std::uint64_t> start;
    while (!start && from < size_) {
      ssize_t n = read_at(fd_, block.data(),
                          static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), size_ - from)), from);
      if (n <= 0) return starts;  // a read error shows when the parts are read
      if (const void* newline = std::memchr(block.data(), '\n', static_cast<std::size_t>(n))) {
        start = from + static_cast<std::uint64_t>(static_cast<const char*>(newline) - block.data()) + 1;
      }
      from += static_cast<std::uint64_t>(n);
    }
    if (!start || *start >= size_) break;  // no line starts after `at`
    starts.push_back(*start);
  }
  return starts;
}

std::unique_ptr<ByteSource> PlainFile::range(std::uint64_t begin, std::uint64_t end) const {
  return std::make_unique<FileRangeSource>(fd_, begin, end);
}

std::unique_ptr<ByteSource> memory_byte_source(std::string bytes) {
  std::string magic = bytes.substr(0, 4);
  return source_for(std::make_unique<RawInput>(-1, false, std::move(bytes)), magic);
}

std::unique_ptr<ByteSource> plain_memory_source(std::string bytes) {
  return std::make_unique<PlainSource>(std::make_unique<RawInput>(-1, false, std::move(bytes)));
}

}  // namespace perfgate::oplog
