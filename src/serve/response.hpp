// The answers of `perfgate serve`: what to answer one request with (a ResponsePlan,
// decided from the request head, its query parameters and the ServeOptions), and the
// bytes of that answer laid out in an OutputQueue for writev-style writing. Bodies of any
// size point into one static pattern buffer: nothing is allocated or copied per request.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "http/request_reader.hpp"
#include "serve/server.hpp"

namespace perfgate::serve::detail {

// The request parser is the HTTP library's (src/http), shared with the callback listener.
using http::RequestEvent;
using http::RequestHead;
using http::RequestReader;
using http::RequestStep;

// splitmix64: a per-thread random source for jitter and error rates, cheap and lock-free.
class FastRandom {
 public:
  explicit FastRandom(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

enum class ResponseShape : std::uint8_t {
  kContentLength,  // an ordinary response framed by Content-Length
  kChunked,        // Transfer-Encoding: chunked, several chunks, an extension, a trailer
  kUntilClose,     // HTTP/1.0 style: no Content-Length, the close ends the body
  kCutBody,        // Content-Length larger than the body sent, then close
  kGarbage,        // a malformed status line, then close
  kReset,          // nothing: the connection is reset (RST)
  kContinue,       // the interim "100 Continue"
};

struct ResponsePlan {
  ResponseShape shape = ResponseShape::kContentLength;
  std::uint16_t status = 200;
  bool head_only = false;           // answer to HEAD: headers without the body
  bool close_after = false;         // close the connection (FIN) once this is written
  bool http10_keep_alive = false;   // an HTTP/1.0 client asked for keep-alive: say yes
  bool interim_first = false;       // ?interim=1 or Expect: 100-continue
  // The body is `body_bytes` bytes cycling through [body_period, body_period + period_size).
  const char* body_period = nullptr;
  std::uint32_t body_period_size = 0;
  std::uint64_t body_bytes = 0;
  std::int64_t delay_ns = 0;  // from the end of the request to the response being due
  bool sse_subscribe = false;  // GET /events: the stream starts when due (event_stream.hpp)
  bool sse_publish = false;    // POST /publish: broadcast when due
};

// Decides the answer to one request. Query parameters it cannot read make a 400 whose
// body says which one.
ResponsePlan plan_response(const RequestHead& head, const ServeOptions& options, FastRandom& random);

// The answer to a request that could not be parsed: 400, then close.
ResponsePlan bad_request_plan(const char* reason);

// Bytes waiting to be written to one connection, as pieces that point into static memory
// (pre-formatted responses, the body pattern) or into the queue's own small arena
// (formatted headers and chunk sizes). A piece repeats its bytes cyclically up to its
// length, which is how a 1 GiB body is one piece.
class OutputQueue {
 public:
  // Whether one more response of any shape fits; if not, write what is queued first.
  bool has_room() const noexcept;
  bool empty() const noexcept { return count_ == 0; }

  // Appends the bytes of `plan` (nothing for kReset).
  void append_response(const ResponsePlan& plan) noexcept;

  // Fills up to `max` iovecs with the next bytes to write; returns how many.
  int gather(iovec* iov, int max) const noexcept;
  // Drops the first `bytes` bytes (those just written).
  void consume(std::size_t bytes) noexcept;
  void clear() noexcept;

 private:
  struct Piece {
    const char* data;
    std::uint32_t period;    // bytes at data that repeat
    std::uint32_t offset;    // where in the period the next byte comes from
    std::uint64_t remaining; // bytes still to write
  };
  static constexpr std::size_t kMaxPieces = 64;
  static constexpr std::size_t kArenaBytes = 2048;
  // The most one response can take: see append_response (chunked is the largest).
  static constexpr std::size_t kMaxPiecesPerResponse = 12;
  static constexpr std::size_t kMaxArenaPerResponse = 512;

  void push(const char* data, std::size_t period, std::uint64_t length, std::size_t offset = 0) noexcept;
  void push_static(const char* text) noexcept;
  // Formats into the arena with `format(char* out) -> char* end`, then queues those bytes.
  template <typename Format>
  void push_formatted(Format format) noexcept;
  void push_body(const ResponsePlan& plan, std::uint64_t from, std::uint64_t length) noexcept;
  char* format_head(char* out, const ResponsePlan& plan, const char* framing) const noexcept;

  std::array<Piece, kMaxPieces> pieces_{};
  std::size_t first_ = 0;
  std::size_t count_ = 0;
  std::size_t arena_used_ = 0;
  std::array<char, kArenaBytes> arena_{};
};

}  // namespace perfgate::serve::detail
