// The Server-Sent Events stream format (the WHATWG HTML "event stream" interpretation), fed
// the bytes of a response body as they arrive (any split; chunk framing already removed):
//   - lines end with CRLF, LF or CR (a CR at the end of one read and the LF at the start of
//     the next are one line end);
//   - "field: value" (one space after the colon dropped), "field" alone (empty value),
//     ":comment" ignored (counted);
//   - `data` lines are joined with "\n"; `event` sets the type (default "message"); `id` sets
//     the last event id (kept across events and reconnects; a value with NUL is ignored);
//     `retry` sets the reconnection time when its value is all digits; other fields ignored;
//   - an empty line dispatches the event, unless no `data` line came (then nothing is
//     dispatched and the type is reset); an event cut off by the end of the stream is dropped;
//   - a UTF-8 byte order mark at the very start of the stream is skipped.
//
//   EventParser parser;
//   parser.feed(bytes, n, [&](const Event& e) { use(e.data, e.id); });
//   parser.restart();   // a new connection: partial event dropped, last id kept
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::sse {

struct Event {
  std::string_view type;  // "message" unless an `event:` line said otherwise
  std::string_view data;  // `data:` values joined with "\n"
  std::string_view id;    // the last event id at dispatch (may be from an earlier event)
};

class EventParser {
 public:
  // Longest line kept while it is split across reads; longer lines are cut (counted).
  static constexpr std::size_t kMaxLineBytes = 1 << 20;

  template <typename OnEvent>
  void feed(const char* data, std::size_t len, OnEvent&& on_event);

  // The connection was replaced: the partial line and event are dropped, the last event id
  // and the reconnection time are kept.
  void restart() noexcept;

  const std::string& last_event_id() const noexcept { return last_id_; }
  // The last valid `retry:` value in ms, if any.
  std::optional<std::uint64_t> retry_ms() const noexcept { return retry_ms_; }
  std::uint64_t comments() const noexcept { return comments_; }
  std::uint64_t events() const noexcept { return events_; }
  std::uint64_t cut_lines() const noexcept { return cut_lines_; }

 private:
  // Processes one complete line (without its end); returns true when it dispatched an event
  // (the event's views stay valid until the next call).
  bool line(std::string_view text) noexcept;
  Event current() const noexcept;
  void end_event() noexcept;

  std::string partial_;         // a line split across reads
  std::string data_;            // `data:` values so far, each followed by "\n"
  std::string type_;            // `event:` value, empty for the default
  std::string last_id_;
  std::optional<std::uint64_t> retry_ms_;
  bool after_cr_ = false;       // the last byte seen was a CR ending a line
  bool has_data_ = false;
  bool at_stream_start_ = true; // for the byte order mark
  std::size_t bom_matched_ = 0;
  std::uint64_t comments_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t cut_lines_ = 0;
};

template <typename OnEvent>
void EventParser::feed(const char* data, std::size_t len, OnEvent&& on_event) {
  const char* p = data;
  const char* const end = data + len;
  if (p < end && after_cr_) {
    after_cr_ = false;
    if (*p == '\n') ++p;  // the LF of a CRLF split across reads
  }
  if (at_stream_start_ && p < end) {
    // A byte order mark at the very start is skipped, whatever the reads it is split across.
    static constexpr char kBom[] = "\xEF\xBB\xBF";
    while (p < end && bom_matched_ < 3 && *p == kBom[bom_matched_]) {
      ++p;
      ++bom_matched_;
    }
    if (p == end && bom_matched_ < 3) return;  // so far the start of a BOM: wait for more
    if (bom_matched_ < 3) partial_.append(kBom, bom_matched_);  // not a BOM after all: text
    at_stream_start_ = false;
  }
  while (p < end) {
    const char* eol = p;
    while (eol < end && *eol != '\n' && *eol != '\r') ++eol;
    if (eol == end) {
      std::size_t room = kMaxLineBytes > partial_.size() ? kMaxLineBytes - partial_.size() : 0;
      std::size_t n = static_cast<std::size_t>(end - p);
      if (n > room) {
        ++cut_lines_;
        n = room;
      }
      partial_.append(p, n);
      return;
    }
    bool dispatched;
    if (partial_.empty()) {
      dispatched = line(std::string_view(p, static_cast<std::size_t>(eol - p)));
    } else {
      partial_.append(p, static_cast<std::size_t>(eol - p));
      dispatched = line(partial_);
      partial_.clear();
    }
    if (dispatched) {
      on_event(current());
      end_event();
    }
    if (*eol == '\r') {
      if (eol + 1 == end) {
        after_cr_ = true;
        return;
      }
      if (eol[1] == '\n') ++eol;
    }
    p = eol + 1;
  }
}

}  // namespace perfgate::sse
