// An incremental HTTP/1.x request reader for `perfgate serve`.
// Fed the bytes a connection has buffered (any split, pipelined requests back to back), it
// finds each request's head (request line and headers), interprets the framing headers
// (Content-Length, Transfer-Encoding: chunked, Connection, Expect) and reads the body past,
// discarding it. It never allocates and never copies the head: the head's views point into
// the caller's buffer.
//
//   RequestReader reader;
//   for (;;) {
//     auto step = reader.feed(buffered);        // buffered: the bytes not consumed yet
//     if (step.event == RequestEvent::kHead) use(reader.head());   // before consuming
//     buffered.remove_prefix(step.consumed);
//     if (step.event == RequestEvent::kNeedMore) break;           // read more, feed again
//     if (step.event == RequestEvent::kError) { reply_400_and_close(); break; }
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace perfgate::http {

enum class RequestEvent : std::uint8_t {
  kNeedMore,  // nothing more to report until more bytes arrive
  kHead,      // a request head is complete: head() describes it (valid until the next feed)
  kComplete,  // the request (head and body) has been read entirely
  kError,     // malformed request; error() says why; the connection cannot go on
};

struct RequestStep {
  RequestEvent event;
  std::size_t consumed;  // bytes at the front of the input that the reader is done with
};

struct RequestHead {
  std::string_view method;  // "GET"
  std::string_view target;  // "/path?query", as sent
  int version_minor = 1;    // HTTP/1.<version_minor>
  // Whether the connection stays open after the response: HTTP/1.1 unless
  // "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
  bool keep_alive = true;
  bool expect_continue = false;  // "Expect: 100-continue" and a body is coming
  bool chunked = false;          // the body is chunked
  std::uint64_t content_length = 0;
  std::string_view text;    // the whole head, request line to the empty line

  std::string_view path() const noexcept { return target.substr(0, target.find('?')); }
  // The part after '?', or empty.
  std::string_view query() const noexcept {
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  }
  // The value of the first header named `name` (any case), trimmed; nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

class RequestReader {
 public:
  // A request whose request line and headers exceed this is refused (400, then close).
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;
  // Longest chunk-size line (with extensions) of a chunked request body.
  static constexpr std::size_t kMaxChunkLineBytes = 4 * 1024;

  // `input` must start with the first byte not yet consumed. Bytes of an incomplete head
  // are not consumed (the caller keeps them and feeds them again with more appended);
  // body bytes are consumed, and so discarded, as they arrive.
  RequestStep feed(std::string_view input) noexcept;

  // The last head reported by kHead. Its views point into the input of that feed() call.
  const RequestHead& head() const noexcept { return head_; }
  // A static description of the error after kError, else nullptr.
  const char* error() const noexcept { return error_; }

  // Keeps each request's body (chunked framing removed), up to buffer.size() bytes, in
  // `buffer`, for the readers that need it (the callback listener, serve's callback
  // requests); an empty span keeps none (the default). Takes effect for the body after the
  // next kHead too, so a caller may decide on seeing the head. The bytes are copied as the
  // body is consumed; beyond the buffer they are counted but dropped.
  void keep_body_in(std::span<char> buffer) noexcept { body_buffer_ = buffer; }
  // The body kept so far of the current request (whole at kComplete, if it fitted).
  std::string_view body() const noexcept { return {body_buffer_.data(), body_kept_}; }
  bool body_truncated() const noexcept { return body_dropped_; }

 private:
  enum class Phase : std::uint8_t { kHead, kHeadDone, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailer, kFailed };

  RequestStep fail(const char* why) noexcept;
  RequestStep feed_head(std::string_view input) noexcept;
  bool parse_head(std::string_view head_text) noexcept;
  bool parse_request_line(std::string_view line) noexcept;
  bool parse_header_line(std::string_view line) noexcept;
  RequestStep feed_chunked(std::string_view input) noexcept;
  void keep(std::string_view body_bytes) noexcept;

  Phase phase_ = Phase::kHead;
  std::size_t line_start_ = 0;  // where the head line being searched for its end begins
  std::size_t scanned_ = 0;     // head bytes already searched for a line feed
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to discard
  std::size_t trailer_bytes_ = 0;
  bool saw_content_length_ = false;
  bool saw_transfer_encoding_ = false;
  RequestHead head_;
  const char* error_ = nullptr;
  std::span<char> body_buffer_;
  std::size_t body_kept_ = 0;
  bool body_dropped_ = false;
};

}  // namespace perfgate::http
