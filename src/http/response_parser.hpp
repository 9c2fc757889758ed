// An incremental HTTP/1.x response parser for the load engine's hot path.
// Fed bytes as the network delivers them (any split), it finds the status, the framing
// headers (Content-Length, Transfer-Encoding: chunked, Connection) and the end of the
// response. Bodies are counted, never buffered; it never allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace perfgate::http {

enum class ParseState : std::uint8_t {
  kNeedMore,  // consumed everything given; the response is not complete yet
  kComplete,  // a final (non-1xx) response ended; `consumed` says where
  kError,     // malformed response (a protocol error); error() says why
};

struct ParseResult {
  ParseState state;
  std::size_t consumed;  // bytes of the input that belong to this response
};

class ResponseParser {
 public:
  // Header block limit: a response whose status line + headers exceed it is a protocol error.
  static constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

  // Prepares for the next response. `head_request`: the response to a HEAD has no body.
  void reset(bool head_request = false) noexcept;

  // Consumes bytes of the response. After kComplete the caller calls reset() before
  // feeding the bytes after `consumed` (a pipelined next response). After kError, the
  // connection is unusable.
  ParseResult feed(const char* data, std::size_t len) noexcept;

  // The peer closed the connection. Returns kComplete when the response was a body
  // delimited by the close (HTTP/1.0 style, no Content-Length, not chunked), else kError:
  // the caller classifies that as a reset (cut off), not a protocol error.
  ParseState finish_on_eof() noexcept;

  // True once any byte of this response has been fed.
  bool started() const noexcept { return started_; }
  // The final status code (valid after the status line of the final response).
  int status() const noexcept { return status_; }
  // False when the server said `Connection: close`, or HTTP/1.0 without keep-alive,
  // or the body is delimited by the close, or the response is 101 Switching Protocols.
  bool keep_alive() const noexcept { return keep_alive_; }
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }
  // Bytes of this response, headers + body (+ chunk framing), including 1xx responses.
  std::uint64_t total_bytes() const noexcept { return total_bytes_; }
  // A static description of the protocol error, or nullptr.
  const char* error() const noexcept { return error_; }
  // True once the final response's headers have been read (its status is known).
  bool head_complete() const noexcept;

  // Where body bytes go, framing removed (chunk sizes, extensions, trailers), for a client
  // that reads a stream (SSE); without a sink bodies are only counted. Kept across reset().
  using BodySink = void (*)(void* context, const char* data, std::size_t len);
  void set_body_sink(BodySink sink, void* context) noexcept {
    body_sink_ = sink;
    body_sink_context_ = context;
  }

 private:
  enum class Phase : std::uint8_t;          // where in the response the next byte belongs
  enum class LineState : std::uint8_t;      // where in the current header line
  enum class FramingHeader : std::uint8_t;  // which framing header's value is being read
  enum class ValueState : std::uint8_t;     // where in a comma-separated header value

  // Longest header name / value token the parser ever compares: anything longer cannot be
  // "transfer-encoding" or "keep-alive", so only a count is kept and the bytes are skipped.
  static constexpr std::size_t kNameCapacity = 17;
  static constexpr std::size_t kTokenCapacity = 10;
  // "HTTP/1.1 200 " — everything of the status line the parser looks at.
  static constexpr std::size_t kStatusPrefix = 13;

  ParseResult fail(const char* why, std::size_t consumed) noexcept;
  void begin_status_line() noexcept;
  const char* status_line_piece(const char* p, const char* end) noexcept;
  const char* end_status_line() noexcept;
  const char* header_line_piece(const char* p, const char* end) noexcept;
  const char* end_header_line() noexcept;
  const char* end_header_block() noexcept;
  const char* begin_header_value(const char* name) noexcept;
  const char* header_value_piece(const char* p, const char* end) noexcept;
  const char* end_header_value_item() noexcept;
  bool token_is(const char* lowercase, std::size_t len) const noexcept;
  const char* chunk_size_piece(const char*& p, const char* end) noexcept;
  void end_chunk_size_line() noexcept;

  void deliver_body(const char* data, std::size_t len) noexcept {
    if (body_sink_ != nullptr) body_sink_(body_sink_context_, data, len);
  }

  BodySink body_sink_ = nullptr;
  void* body_sink_context_ = nullptr;
  // All state is plain values (reset() assigns a fresh object): no allocation, ever.
  Phase phase_{};
  LineState line_state_{};
  FramingHeader header_kind_{};
  ValueState value_state_{};
  bool head_request_ = false;
  bool started_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool has_content_length_ = false;
  bool has_transfer_encoding_ = false;
  bool chunked_ = false;  // the last Transfer-Encoding coding seen is "chunked"
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  int status_ = 0;
  const char* error_ = nullptr;
  std::uint64_t content_length_ = 0;
  std::uint64_t number_ = 0;     // the Content-Length item or chunk size being read
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to come
  std::uint64_t body_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::size_t header_bytes_ = 0;      // bytes of the current header block (or trailers) so far
  std::size_t status_line_len_ = 0;   // bytes of the status line so far (without the LF)
  std::uint8_t name_len_ = 0;         // saturates at kNameCapacity + 1
  std::uint8_t token_len_ = 0;        // saturates at kTokenCapacity + 1
  bool chunk_size_has_digit_ = false;
  char name_last_char_ = 0;           // to reject "Name :" whatever the split
  char status_prefix_[kStatusPrefix] = {};
  char name_[kNameCapacity] = {};
  char token_[kTokenCapacity] = {};
};

}  // namespace perfgate::http
