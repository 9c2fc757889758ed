// Incremental HTTP/1.x request reading for `perfgate serve`; see request_reader.hpp.
#include "http/request_reader.hpp"

#include <algorithm>
#include <cstring>

namespace perfgate::http {
namespace {

// RFC 9110 token characters: what a method or a header name may be made of.
bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignore_case(std::string_view a, std::string_view lowercase) noexcept {
  if (a.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lowercase[i]) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_cr(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Calls visit(item) for each trimmed item of a comma-separated header value; stops and
// returns false as soon as visit does.
template <typename Visit>
bool for_each_list_item(std::string_view value, Visit visit) {
  while (true) {
    auto comma = value.find(',');
    auto item = trim_ows(value.substr(0, comma));
    if (!item.empty() && !visit(item)) return false;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

std::optional<std::string_view> RequestHead::header(std::string_view name) const noexcept {
  std::string_view rest = text.substr(std::min(text.size(), text.find('\n') + 1));  // past the request line
  while (!rest.empty()) {
    auto newline = rest.find('\n');
    std::string_view line = strip_cr(rest.substr(0, newline));
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < colon && same; ++i) same = lower(line[i]) == lower(name[i]);
    if (same) return trim_ows(line.substr(colon + 1));
  }
  return std::nullopt;
}

RequestStep RequestReader::fail(const char* why) noexcept {
  phase_ = Phase::kFailed;
  error_ = why;
  return {RequestEvent::kError, 0};
}

void RequestReader::keep(std::string_view body_bytes) noexcept {
  std::size_t room = body_buffer_.size() - body_kept_;
  std::size_t take = body_bytes.size() < room ? body_bytes.size() : room;
  if (take != 0) std::memcpy(body_buffer_.data() + body_kept_, body_bytes.data(), take);
  body_kept_ += take;
  if (take < body_bytes.size()) body_dropped_ = true;
}

RequestStep RequestReader::feed(std::string_view input) noexcept {
  switch (phase_) {
    case Phase::kHead:
      return feed_head(input);
    case Phase::kHeadDone:
      phase_ = Phase::kHead;
      return {RequestEvent::kComplete, 0};
    case Phase::kBody: {
      std::size_t take = remaining_ < input.size() ? static_cast<std::size_t>(remaining_) : input.size();
      keep(input.substr(0, take));
      remaining_ -= take;
      if (remaining_ != 0) return {RequestEvent::kNeedMore, take};
      phase_ = Phase::kHead;
      return {RequestEvent::kComplete, take};
    }
    case Phase::kChunkSize:
    case Phase::kChunkData:
    case Phase::kChunkEnd:
    case Phase::kTrailer:
      return feed_chunked(input);
    case Phase::kFailed:
      break;
  }
  return {RequestEvent::kError, 0};
}

RequestStep RequestReader::feed_head(std::string_view input) noexcept {
  std::size_t skipped = 0;
  while (true) {
    const void* found = scanned_ < input.size()
                            ? std::memchr(input.data() + scanned_, '\n', input.size() - scanned_)
                            : nullptr;
    if (found == nullptr) {
      scanned_ = input.size();
      if (input.size() > kMaxHeadBytes) return fail("request head larger than 64 KiB");
      return {RequestEvent::kNeedMore, skipped};
    }
    std::size_t newline = static_cast<std::size_t>(static_cast<const char*>(found) - input.data());
    if (newline + 1 > kMaxHeadBytes) return fail("request head larger than 64 KiB");
    std::string_view line = strip_cr(input.substr(line_start_, newline - line_start_));
    if (line.empty() && line_start_ == 0) {
      // Empty lines before a request line are ignored (RFC 9112 §2.2): some clients send
      // a stray CRLF after a body.
      skipped += newline + 1;
      input.remove_prefix(newline + 1);
      scanned_ = 0;
      continue;
    }
    if (line.empty()) {
      std::size_t head_len = newline + 1;
      line_start_ = scanned_ = 0;
      if (!parse_head(input.substr(0, head_len))) return {RequestEvent::kError, 0};
      if (head_.chunked) {
        phase_ = Phase::kChunkSize;
      } else if (head_.content_length > 0) {
        phase_ = Phase::kBody;
        remaining_ = head_.content_length;
      } else {
        phase_ = Phase::kHeadDone;
      }
      return {RequestEvent::kHead, skipped + head_len};
    }
    line_start_ = scanned_ = newline + 1;
  }
}

bool RequestReader::parse_head(std::string_view head_text) noexcept {
  head_ = RequestHead{};
  head_.text = head_text;
  body_kept_ = 0;
  body_dropped_ = false;
  saw_content_length_ = false;
  saw_transfer_encoding_ = false;
  bool first = true;
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (!head_text.empty()) {
    auto newline = head_text.find('\n');
    std::string_view line = strip_cr(head_text.substr(0, newline));
    head_text.remove_prefix(newline + 1);
    if (first) {
      if (!parse_request_line(line)) return false;
      first = false;
      continue;
    }
    if (line.empty()) break;
    if (!parse_header_line(line)) return false;
    // Connection options are gathered here rather than in parse_header_line because
    // their meaning depends on the version, known only once the whole head is read.
    auto colon = line.find(':');
    if (equals_ignore_case(line.substr(0, colon), "connection")) {
      for_each_list_item(line.substr(colon + 1), [&](std::string_view item) {
        if (equals_ignore_case(item, "close")) connection_close = true;
        if (equals_ignore_case(item, "keep-alive")) connection_keep_alive = true;
        return true;
      });
    }
  }
  if (saw_transfer_encoding_ && saw_content_length_) {
    fail("both Content-Length and Transfer-Encoding");
    return false;
  }
  if (saw_transfer_encoding_ && !head_.chunked) {
    fail("Transfer-Encoding without chunked as the final coding");
    return false;
  }
  head_.keep_alive = head_.version_minor >= 1 ? !connection_close : (connection_keep_alive && !connection_close);
  head_.expect_continue = head_.expect_continue && (head_.chunked || head_.content_length > 0);
  return true;
}

bool RequestReader::parse_request_line(std::string_view line) noexcept {
  auto first_space = line.find(' ');
  auto last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    fail("malformed request line");
    return false;
  }
  head_.method = line.substr(0, first_space);
  head_.target = line.substr(first_space + 1, last_space - first_space - 1);
  std::string_view version = line.substr(last_space + 1);
  if (!is_token(head_.method) || head_.target.empty()) {
    fail("malformed request line");
    return false;
  }
  for (char c : head_.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      fail("malformed request target");
      return false;
    }
  }
  if (version == "HTTP/1.1") {
    head_.version_minor = 1;
  } else if (version == "HTTP/1.0") {
    head_.version_minor = 0;
  } else {
    fail("unsupported HTTP version");
    return false;
  }
  return true;
}

bool RequestReader::parse_header_line(std::string_view line) noexcept {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    // Also catches obsolete line folding (a line starting with a space), which RFC 9112
    // lets a server reject.
    fail("malformed header line");
    return false;
  }
  std::string_view name = line.substr(0, colon);
  std::string_view value = trim_ows(line.substr(colon + 1));
  if (equals_ignore_case(name, "content-length")) {
    if (value.empty() || value.size() > 18) {
      fail("invalid Content-Length");
      return false;
    }
    std::uint64_t length = 0;
    for (char c : value) {
      if (c < '0' || c > '9') {
        fail("invalid Content-Length");
        return false;
      }
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (saw_content_length_ && length != head_.content_length) {
      fail("conflicting Content-Length headers");
      return false;
    }
    saw_content_length_ = true;
    head_.content_length = length;
  } else if (equals_ignore_case(name, "transfer-encoding")) {
    // chunked must be the final coding, applied once: anything after it is an error.
    bool ok = for_each_list_item(value, [&](std::string_view coding) {
      if (head_.chunked) return false;
      head_.chunked = equals_ignore_case(coding, "chunked");
      return true;
    });
    saw_transfer_encoding_ = true;
    if (!ok) {
      fail("Transfer-Encoding with chunked not last");
      return false;
    }
  } else if (equals_ignore_case(name, "expect")) {
    head_.expect_continue = equals_ignore_case(value, "100-continue");
  }
  return true;
}

RequestStep RequestReader::feed_chunked(std::string_view input) noexcept {
  std::size_t pos = 0;
  while (true) {
    switch (phase_) {
      case Phase::kChunkSize: {
        auto newline = input.find('\n', pos);
        if (newline == std::string_view::npos) {
          if (input.size() - pos > kMaxChunkLineBytes) return fail("chunk size line too long");
          return {RequestEvent::kNeedMore, pos};
        }
        std::string_view line = strip_cr(input.substr(pos, newline - pos));
        std::uint64_t size = 0;
        std::size_t digits = 0;
        for (; digits < line.size(); ++digits) {
          char c = lower(line[digits]);
          int value = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
          if (value < 0) break;
          size = size * 16 + static_cast<std::uint64_t>(value);
        }
        std::string_view rest = trim_ows(line.substr(digits));
        if (digits == 0 || digits > 15 || (!rest.empty() && rest.front() != ';')) {
          return fail("invalid chunk size");
        }
        pos = newline + 1;
        if (size == 0) {
          phase_ = Phase::kTrailer;
          trailer_bytes_ = 0;
        } else {
          phase_ = Phase::kChunkData;
          remaining_ = size;
        }
        break;
      }
      case Phase::kChunkData: {
        std::size_t available = input.size() - pos;
        std::size_t take = remaining_ < available ? static_cast<std::size_t>(remaining_) : available;
        keep(input.substr(pos, take));
        pos += take;
        remaining_ -= take;
        if (remaining_ != 0) return {RequestEvent::kNeedMore, pos};
        phase_ = Phase::kChunkEnd;
        break;
      }
      case Phase::kChunkEnd: {
        if (pos == input.size()) return {RequestEvent::kNeedMore, pos};
        if (input[pos] == '\n') {
          pos += 1;
        } else if (input[pos] == '\r') {
          if (pos + 1 == input.size()) return {RequestEvent::kNeedMore, pos};
          if (input[pos + 1] != '\n') return fail("missing CRLF after chunk data");
          pos += 2;
        } else {
          return fail("missing CRLF after chunk data");
        }
        phase_ = Phase::kChunkSize;
        break;
      }
      case Phase::kTrailer: {
        auto newline = input.find('\n', pos);
        if (newline == std::string_view::npos) {
          if (trailer_bytes_ + (input.size() - pos) > kMaxHeadBytes) return fail("trailer larger than 64 KiB");
          return {RequestEvent::kNeedMore, pos};
        }
        std::string_view line = strip_cr(input.substr(pos, newline - pos));
        trailer_bytes_ += newline + 1 - pos;
        pos = newline + 1;
        if (trailer_bytes_ > kMaxHeadBytes) return fail("trailer larger than 64 KiB");
        if (line.empty()) {
          phase_ = Phase::kHead;
          return {RequestEvent::kComplete, pos};
        }
        break;
      }
      default:
        return fail("internal: chunked phase");
    }
  }
}

}  // namespace perfgate::http
