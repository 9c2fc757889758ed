// The incremental HTTP/1.x response parser; see response_parser.hpp.
//
// Shape: feed() is one loop over a small state machine. Header lines are found with memchr
// and handed over in pieces ("the bytes of the current line that are in this buffer"), so a
// line split across reads needs no copy of the line: only the few bytes that are ever looked
// at are kept (the status line's first 13 bytes, a header name of up to 17 bytes, a token of
// up to 10 bytes). Values of non-framing headers are skipped without being read. Every
// decision depends on the bytes alone, never on where a read ended, so any split of the
// input gives the same result (tests/http/response_parser_test.cpp checks every split, and
// fuzz/response_parser_fuzz.cpp random ones).
#include "http/response_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace perfgate::http {

enum class ResponseParser::Phase : std::uint8_t {
  kStatusLine = 0,   // must stay 0: a value-initialised parser starts here
  kHeaders,
  kTrailers,         // after the last chunk; ends with an empty line
  kBodyByLength,     // Content-Length bytes
  kBodyUntilClose,   // no framing: the body ends when the peer closes
  kChunkSize,        // hex digits of a chunk-size line
  kChunkSizeEnd,     // after the digits: whitespace, ';' or the line end
  kChunkExtension,   // ";name=value" up to the line end, ignored
  kChunkData,
  kChunkDataEnd,     // the CRLF (or LF) after a chunk's data
  kChunkDataCR,      // the LF after that CR
  kDone,
  kFailed,
};

enum class ResponseParser::LineState : std::uint8_t {
  kStart = 0,  // nothing of the line seen yet
  kStartCR,    // the line so far is "\r": an empty line if the LF follows
  kName,       // inside the header name
  kValue,      // inside the value of a framing header
  kSkip,       // inside a value nobody needs
};

enum class ResponseParser::FramingHeader : std::uint8_t {
  kNone = 0, kContentLength, kTransferEncoding, kConnection,
};

enum class ResponseParser::ValueState : std::uint8_t {
  kBeforeItem = 0,  // at the start of the value or after a comma
  kInItem,
  kAfterItem,       // whitespace after an item; only a comma or the line end may follow
};

namespace {

constexpr char to_lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// For names made of letters and '-': a letter differs from its capital only in bit 0x20, so
// OR-ing it in folds case; '-' is compared as is (OR-ing would make CR match it).
bool equals_ignoring_case(const char* text, const char* lowercase, std::size_t len) noexcept {
  for (std::size_t i = 0; i < len; ++i) {
    const char expected = lowercase[i];
    const char folded = expected == '-' ? text[i] : static_cast<char>(text[i] | 0x20);
    if (folded != expected) return false;
  }
  return true;
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Hex digit values, -1 for anything else: one load instead of three range tests per digit.
constexpr std::array<std::int8_t, 256> kHexValue = [] {
  std::array<std::int8_t, 256> table{};
  for (auto& value : table) value = -1;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<std::int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<std::int8_t>(c - 'A' + 10);
  return table;
}();

const char* find_newline(const char* p, std::size_t len) noexcept {
  return static_cast<const char*>(std::memchr(p, '\n', len));
}
std::size_t distance(const char* from, const char* to) noexcept {
  return static_cast<std::size_t>(to - from);
}

// Checks prefix[from, to) against "HTTP/1.x DDD " and says what is wrong first. Position by
// position, so the answer does not depend on how much of the line has arrived.
const char* status_prefix_error(const char* prefix, std::size_t from, std::size_t to) noexcept {
  // The usual case, the whole prefix at once and valid, without the per-position walk.
  if (from == 0 && to == 13 && std::memcmp(prefix, "HTTP/1.", 7) == 0 && is_digit(prefix[7]) &&
      prefix[8] == ' ' && prefix[9] >= '1' && prefix[9] <= '9' && is_digit(prefix[10]) &&
      is_digit(prefix[11]) && (prefix[12] == ' ' || prefix[12] == '\r')) {
    return nullptr;
  }
  static constexpr char kVersionShape[] = "HTTP/1.d ";  // 'd': any digit
  for (std::size_t i = from; i < to; ++i) {
    const char c = prefix[i];
    if (i == 5 && is_digit(c) && c != '1') return "unsupported HTTP version";
    if (i < 9) {
      const bool ok = kVersionShape[i] == 'd' ? is_digit(c) : c == kVersionShape[i];
      if (!ok) return "malformed status line";
      continue;
    }
    // Three digits, 100-999, then the reason phrase's space or the end of the line.
    const bool ok = i == 9 ? (c >= '1' && c <= '9') : i < 12 ? is_digit(c) : (c == ' ' || c == '\r');
    if (!ok) return "invalid status code";
  }
  return nullptr;
}

}  // namespace

void ResponseParser::reset(bool head_request) noexcept {
  // Field by field rather than `*this = ResponseParser{}`, as this runs once per response:
  // the byte arrays need no clearing (only bytes written since are read), and the per-line
  // and per-value fields are set where a line, a value or a chunk-size line begins.
  begin_status_line();
  head_request_ = head_request;
  started_ = false;
  keep_alive_ = true;
  status_ = 0;
  error_ = nullptr;
  remaining_ = 0;
  body_bytes_ = 0;
  total_bytes_ = 0;
}

ParseResult ResponseParser::fail(const char* why, std::size_t consumed) noexcept {
  phase_ = Phase::kFailed;
  error_ = why;
  total_bytes_ += consumed;
  return {ParseState::kError, consumed};
}

ParseResult ResponseParser::feed(const char* data, std::size_t len) noexcept {
  if (phase_ == Phase::kDone) return {ParseState::kComplete, 0};
  if (phase_ == Phase::kFailed) return {ParseState::kError, 0};
  if (len == 0) return {ParseState::kNeedMore, 0};
  started_ = true;

  const char* p = data;
  const char* const end = data + len;
  while (p < end) {
    switch (phase_) {
      case Phase::kStatusLine:
      case Phase::kHeaders:
      case Phase::kTrailers: {
        // The limit is enforced byte-exactly, so it fails at the same byte in every split.
        const std::size_t budget = kMaxHeaderBytes - header_bytes_;
        if (budget == 0) return fail("header block too large", distance(data, p));
        const std::size_t span = std::min(distance(p, end), budget);
        const char* newline = find_newline(p, span);
        const char* line_end = newline != nullptr ? newline : p + span;
        const char* why = phase_ == Phase::kStatusLine ? status_line_piece(p, line_end)
                                                       : header_line_piece(p, line_end);
        if (why != nullptr) return fail(why, distance(data, p));
        header_bytes_ += distance(p, line_end);
        p = line_end;
        if (newline != nullptr) {
          ++header_bytes_;
          ++p;
          why = phase_ == Phase::kStatusLine ? end_status_line() : end_header_line();
          if (why != nullptr) return fail(why, distance(data, p));
        }
        break;
      }
      case Phase::kBodyByLength:
      case Phase::kChunkData: {
        const std::uint64_t n = std::min<std::uint64_t>(remaining_, distance(p, end));
        deliver_body(p, static_cast<std::size_t>(n));
        p += n;
        body_bytes_ += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          phase_ = phase_ == Phase::kBodyByLength ? Phase::kDone : Phase::kChunkDataEnd;
        }
        break;
      }
      case Phase::kBodyUntilClose:
        deliver_body(p, distance(p, end));
        body_bytes_ += distance(p, end);
        p = end;
        break;
      case Phase::kChunkSize:
      case Phase::kChunkSizeEnd:
        if (const char* why = chunk_size_piece(p, end)) return fail(why, distance(data, p));
        break;
      case Phase::kChunkExtension: {
        const char* newline = find_newline(p, distance(p, end));
        if (newline == nullptr) {
          p = end;
        } else {
          p = newline + 1;
          end_chunk_size_line();
        }
        break;
      }
      case Phase::kChunkDataEnd:
      case Phase::kChunkDataCR: {
        const char c = *p;
        if (c == '\n') {
          phase_ = Phase::kChunkSize;
        } else if (c == '\r' && phase_ == Phase::kChunkDataEnd) {
          phase_ = Phase::kChunkDataCR;
        } else {
          return fail("missing CRLF after chunk data", distance(data, p));
        }
        ++p;
        break;
      }
      case Phase::kDone:
      case Phase::kFailed:
        break;  // not reached: both return below or above
    }
    if (phase_ == Phase::kDone) {
      const std::size_t consumed = distance(data, p);
      total_bytes_ += consumed;
      return {ParseState::kComplete, consumed};
    }
  }
  total_bytes_ += len;
  return {ParseState::kNeedMore, len};
}

bool ResponseParser::head_complete() const noexcept {
  return phase_ != Phase::kStatusLine && phase_ != Phase::kHeaders && phase_ != Phase::kFailed;
}

ParseState ResponseParser::finish_on_eof() noexcept {
  if (phase_ == Phase::kBodyUntilClose || phase_ == Phase::kDone) {
    phase_ = Phase::kDone;
    return ParseState::kComplete;
  }
  // Cut off mid-response: not a protocol error, so error() stays as it is.
  phase_ = Phase::kFailed;
  return ParseState::kError;
}

// ---- Status line and headers ------------------------------------------------------------

void ResponseParser::begin_status_line() noexcept {
  // An interim (1xx) response's framing says nothing about the final one.
  phase_ = Phase::kStatusLine;
  line_state_ = LineState::kStart;
  header_bytes_ = 0;
  status_line_len_ = 0;
  http10_ = false;
  has_content_length_ = false;
  has_transfer_encoding_ = false;
  chunked_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
  content_length_ = 0;
}

const char* ResponseParser::status_line_piece(const char* p, const char* end) noexcept {
  // Stray CRs before a status line are skipped (like the blank lines of end_status_line),
  // one byte at a time, so that "\r" | "\n" and "\r\n" behave alike.
  if (status_line_len_ == 0) {
    while (p < end && *p == '\r') ++p;
  }
  const std::size_t n = distance(p, end);
  if (n == 0) return nullptr;
  if (status_line_len_ < kStatusPrefix) {
    const std::size_t copied = std::min(n, kStatusPrefix - status_line_len_);
    std::memcpy(status_prefix_ + status_line_len_, p, copied);
    const char* why =
        status_prefix_error(status_prefix_, status_line_len_, status_line_len_ + copied);
    if (why != nullptr) return why;
  }
  status_line_len_ += n;
  return nullptr;
}

const char* ResponseParser::end_status_line() noexcept {
  if (status_line_len_ == 0) return nullptr;  // a blank line before the status line
  if (status_line_len_ < 12) {
    return status_line_len_ < 9 ? "malformed status line" : "invalid status code";
  }
  if (status_line_len_ > kStatusPrefix && status_prefix_[12] == '\r') {
    return "malformed status line";  // a CR that does not end the line
  }
  status_ = (status_prefix_[9] - '0') * 100 + (status_prefix_[10] - '0') * 10 +
            (status_prefix_[11] - '0');
  http10_ = status_prefix_[7] == '0';
  phase_ = Phase::kHeaders;
  line_state_ = LineState::kStart;
  return nullptr;
}

const char* ResponseParser::header_line_piece(const char* p, const char* end) noexcept {
  while (p < end) {
    switch (line_state_) {
      case LineState::kStart:
        if (is_blank(*p)) return "obsolete header line folding";
        if (*p == '\r') {
          line_state_ = LineState::kStartCR;
          ++p;
        } else {
          line_state_ = LineState::kName;
          name_len_ = 0;
        }
        break;
      case LineState::kStartCR:
        return "malformed header line";  // a CR that does not end an empty line
      case LineState::kName: {
        const char* colon = static_cast<const char*>(std::memchr(p, ':', distance(p, end)));
        const char* name_end = colon != nullptr ? colon : end;
        const std::size_t n = distance(p, name_end);
        // A name wholly inside this piece is read in place; a split one is collected.
        const bool in_place = name_len_ == 0 && colon != nullptr;
        if (n > 0) {
          // Only names short enough to be a framing header are kept; the length saturates.
          if (!in_place && name_len_ + n <= kNameCapacity) std::memcpy(name_ + name_len_, p, n);
          name_len_ = static_cast<std::uint8_t>(std::min(name_len_ + n, kNameCapacity + 1));
          name_last_char_ = name_end[-1];
        }
        const char* name = in_place ? p : name_;
        p = name_end;
        if (colon != nullptr) {
          ++p;
          if (const char* why = begin_header_value(name)) return why;
        }
        break;
      }
      case LineState::kValue:
        if (const char* why = header_value_piece(p, end)) return why;
        p = end;
        break;
      case LineState::kSkip:
        p = end;
        break;
    }
  }
  return nullptr;
}

const char* ResponseParser::begin_header_value(const char* name) noexcept {
  if (name_len_ == 0) return "empty header name";
  // "Content-Length : 5" must not slip through as an unknown header (RFC 9112 section 5.1).
  if (is_blank(name_last_char_)) return "whitespace before colon in header";
  header_kind_ = FramingHeader::kNone;
  if (phase_ == Phase::kHeaders) {  // trailers never change the framing
    if (name_len_ == 14 && equals_ignoring_case(name, "content-length", 14)) {
      header_kind_ = FramingHeader::kContentLength;
    } else if (name_len_ == 17 && equals_ignoring_case(name, "transfer-encoding", 17)) {
      header_kind_ = FramingHeader::kTransferEncoding;
      has_transfer_encoding_ = true;
    } else if (name_len_ == 10 && equals_ignoring_case(name, "connection", 10)) {
      header_kind_ = FramingHeader::kConnection;
    }
  }
  line_state_ = header_kind_ == FramingHeader::kNone ? LineState::kSkip : LineState::kValue;
  value_state_ = ValueState::kBeforeItem;
  number_ = 0;
  token_len_ = 0;
  return nullptr;
}

// Framing values are comma lists (RFC 9110 section 5.6.1); they are short, so per byte.
const char* ResponseParser::header_value_piece(const char* p, const char* end) noexcept {
  const bool is_content_length = header_kind_ == FramingHeader::kContentLength;
  for (; p < end; ++p) {
    const char c = *p;
    if (c == ',') {
      if (const char* why = end_header_value_item()) return why;
      value_state_ = ValueState::kBeforeItem;
      continue;
    }
    if (is_blank(c) || c == '\r') {
      if (value_state_ == ValueState::kInItem) value_state_ = ValueState::kAfterItem;
      continue;
    }
    if (is_content_length) {
      if (!is_digit(c) || value_state_ == ValueState::kAfterItem) return "invalid Content-Length";
      constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
      if (number_ > (kMax - 9) / 10) return "Content-Length too large";
      number_ = number_ * 10 + static_cast<std::uint64_t>(c - '0');
    } else if (value_state_ == ValueState::kAfterItem) {
      token_len_ = kTokenCapacity + 1;  // "keep alive": two words, matches nothing
    } else {
      if (token_len_ < kTokenCapacity) token_[token_len_] = to_lower_ascii(c);
      if (token_len_ <= kTokenCapacity) ++token_len_;
    }
    if (value_state_ == ValueState::kBeforeItem) value_state_ = ValueState::kInItem;
  }
  return nullptr;
}

bool ResponseParser::token_is(const char* lowercase, std::size_t len) const noexcept {
  return token_len_ == len && std::memcmp(token_, lowercase, len) == 0;
}

const char* ResponseParser::end_header_value_item() noexcept {
  const bool empty = value_state_ == ValueState::kBeforeItem;
  switch (header_kind_) {
    case FramingHeader::kContentLength:
      if (empty) return "invalid Content-Length";
      // Repeats are allowed only when they agree (RFC 9110 section 8.6).
      if (has_content_length_ && content_length_ != number_) {
        return "conflicting Content-Length values";
      }
      has_content_length_ = true;
      content_length_ = number_;
      number_ = 0;
      break;
    case FramingHeader::kTransferEncoding:
      // Chunked counts only as the final coding; otherwise the body runs to the close.
      if (!empty) chunked_ = token_is("chunked", 7);
      break;
    case FramingHeader::kConnection:
      if (token_is("close", 5)) connection_close_ = true;
      if (token_is("keep-alive", 10)) connection_keep_alive_ = true;
      break;
    case FramingHeader::kNone:
      break;
  }
  token_len_ = 0;
  return nullptr;
}

const char* ResponseParser::end_header_line() noexcept {
  const char* why = nullptr;
  switch (line_state_) {
    case LineState::kStart:
    case LineState::kStartCR:
      why = end_header_block();
      break;
    case LineState::kName:
      why = "header line without colon";
      break;
    case LineState::kValue:
      why = end_header_value_item();
      break;
    case LineState::kSkip:
      break;
  }
  line_state_ = LineState::kStart;
  return why;
}

const char* ResponseParser::end_header_block() noexcept {
  if (phase_ == Phase::kTrailers) {
    phase_ = Phase::kDone;
    return nullptr;
  }
  if (status_ < 200 && status_ != 101) {
    begin_status_line();  // interim response: the final one follows
    return nullptr;
  }
  keep_alive_ = !connection_close_ && (!http10_ || connection_keep_alive_);
  if (status_ == 101) {
    keep_alive_ = false;  // the connection now speaks another protocol
    phase_ = Phase::kDone;
  } else if (head_request_ || status_ == 204 || status_ == 304) {
    phase_ = Phase::kDone;
  } else if (has_transfer_encoding_) {
    // Transfer-Encoding overrides Content-Length (RFC 9112 section 6.3).
    if (chunked_) {
      phase_ = Phase::kChunkSize;
      number_ = 0;
      chunk_size_has_digit_ = false;
    } else {
      phase_ = Phase::kBodyUntilClose;
      keep_alive_ = false;
    }
  } else if (has_content_length_) {
    remaining_ = content_length_;
    phase_ = remaining_ == 0 ? Phase::kDone : Phase::kBodyByLength;
  } else {
    phase_ = Phase::kBodyUntilClose;
    keep_alive_ = false;
  }
  return nullptr;
}

// ---- Chunked body -----------------------------------------------------------------------

const char* ResponseParser::chunk_size_piece(const char*& p, const char* end) noexcept {
  for (; p < end; ++p) {
    const char c = *p;
    const int digit = kHexValue[static_cast<unsigned char>(c)];
    if (digit >= 0 && phase_ == Phase::kChunkSize) {
      if ((number_ >> 60) != 0) return "chunk size too large";
      number_ = (number_ << 4) | static_cast<std::uint64_t>(digit);
      chunk_size_has_digit_ = true;
      continue;
    }
    if (!chunk_size_has_digit_) return "invalid chunk size";
    if (c == ';') {
      phase_ = Phase::kChunkExtension;
      ++p;
      return nullptr;
    }
    if (c == '\n') {
      ++p;
      end_chunk_size_line();
      return nullptr;
    }
    if (!is_blank(c) && c != '\r') return "invalid chunk size";
    phase_ = Phase::kChunkSizeEnd;
  }
  return nullptr;
}

void ResponseParser::end_chunk_size_line() noexcept {
  if (number_ == 0) {
    phase_ = Phase::kTrailers;
    line_state_ = LineState::kStart;
    header_bytes_ = 0;
  } else {
    phase_ = Phase::kChunkData;
    remaining_ = number_;
  }
  number_ = 0;
  chunk_size_has_digit_ = false;
}

}  // namespace perfgate::http
