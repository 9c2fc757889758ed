// The answers of `perfgate serve`: planning them from a request, laying out their bytes.
// See serve_response.hpp.
#include "serve/response.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "core/units.hpp"

namespace perfgate::serve::detail {
namespace {

constexpr std::size_t kPatternBytes = 64 * 1024;

// The bytes every sized body is cut from: 64-byte printable lines, so a body is readable
// in a terminal and the pattern repeats seamlessly (64 divides 64 KiB).
const std::array<char, kPatternBytes> kBodyPattern = [] {
  constexpr std::string_view kLine = "perfgate-serve-body-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDE\n";
  static_assert(kLine.size() == 64);
  std::array<char, kPatternBytes> pattern{};
  for (std::size_t i = 0; i < kPatternBytes; ++i) pattern[i] = kLine[i % kLine.size()];
  return pattern;
}();

constexpr std::string_view kOkBody = "ok\n";

// The most common answer, whole: a GET on a keep-alive HTTP/1.1 connection with the
// default body. Served without formatting anything.
constexpr std::string_view kOkResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";

constexpr const char* kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Non-numeric status: the client's parser must call this a protocol error.
constexpr const char* kGarbageStatusLine = "HTTP/1.1 abc Not A Status\r\n\r\n";
constexpr const char* kChunkEnd = "\r\n";
constexpr const char* kLastChunkAndTrailer = "0\r\nX-Perfgate-Trailer: done\r\n\r\n";

const char* reason_phrase(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

char* put(char* out, std::string_view text) noexcept {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_number(char* out, std::uint64_t value, int base = 10) noexcept {
  return std::to_chars(out, out + 24, value, base).ptr;
}

void set_body(ResponsePlan& plan, std::string_view period, std::uint64_t bytes) noexcept {
  plan.body_period = period.data();
  plan.body_period_size = static_cast<std::uint32_t>(period.size());
  plan.body_bytes = bytes;
}

void set_pattern_body(ResponsePlan& plan, std::uint64_t bytes) noexcept {
  set_body(plan, std::string_view(kBodyPattern.data(), kBodyPattern.size()), bytes);
}

// A 400 for a query parameter the server cannot read; the connection stays usable.
ResponsePlan bad_parameter_plan(ResponsePlan plan, std::string_view message) noexcept {
  plan.shape = ResponseShape::kContentLength;
  plan.status = 400;
  set_body(plan, message, message.size());
  return plan;
}

// "", "1", "true", "yes" switch a hook on; "0", "false", "no" off.
std::optional<bool> parse_flag(std::string_view value) noexcept {
  if (value.empty() || value == "1" || value == "true" || value == "yes") return true;
  if (value == "0" || value == "false" || value == "no") return false;
  return std::nullopt;
}

bool has_body(const ResponsePlan& plan) noexcept { return plan.status != 204 && plan.status != 304; }

}  // namespace

ResponsePlan plan_response(const RequestHead& head, const ServeOptions& options, FastRandom& random) {
  ResponsePlan plan;
  plan.head_only = head.method == "HEAD";
  plan.close_after = !head.keep_alive;
  plan.http10_keep_alive = head.version_minor == 0 && head.keep_alive;
  plan.interim_first = head.expect_continue;
  const bool health = head.path() == "/health";
  if (!health && options.body_bytes) {
    set_pattern_body(plan, *options.body_bytes);
  } else {
    set_body(plan, kOkBody, kOkBody.size());
  }
  if (!health && options.error_rate > 0 && random.uniform() < options.error_rate) plan.status = 500;
  std::int64_t delay_ns = options.latency.count();
  if (options.jitter.count() > 0) {
    double offset = (random.uniform() * 2.0 - 1.0) * static_cast<double>(options.jitter.count());
    delay_ns = std::max<std::int64_t>(0, delay_ns + static_cast<std::int64_t>(offset));
  }

  bool reset = false, garbage = false, cut = false, until_close = false, chunked = false;
  std::int64_t query_delay_ns = 0;
  std::string_view query = head.query();
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "delay") {
      auto delay = parse_duration(value);
      if (!delay) return bad_parameter_plan(plan, "invalid ?delay: expected a duration like 5ms\n");
      // Saturating: ten huge delays must not wrap around to an instant answer.
      if (__builtin_add_overflow(query_delay_ns, delay->count(), &query_delay_ns)) {
        query_delay_ns = std::numeric_limits<std::int64_t>::max();
      }
      if (query_delay_ns > kMaxServeDelay.count()) {
        return bad_parameter_plan(plan, "invalid ?delay: the delays add up to more than 1h\n");
      }
    } else if (key == "status") {
      int status = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), status);
      if (ec != std::errc() || end != value.data() + value.size() || status < 200 || status > 599) {
        return bad_parameter_plan(plan, "invalid ?status: expected a status code from 200 to 599\n");
      }
      plan.status = static_cast<std::uint16_t>(status);
    } else if (key == "size") {
      auto bytes = parse_size_bytes(value);
      if (!bytes || *bytes > kMaxServeBodyBytes) {
        return bad_parameter_plan(plan, "invalid ?size: expected a size up to 1GB like 10KB\n");
      }
      set_pattern_body(plan, *bytes);
    } else {
      bool* hook = key == "reset"              ? &reset
                   : key == "garbage"          ? &garbage
                   : key == "cut"              ? &cut
                   : key == "close"            ? &until_close
                   : key == "chunked"          ? &chunked
                   : key == "interim"          ? &plan.interim_first
                   : key == "connection_close" ? &plan.close_after
                                               : nullptr;
      // Unknown parameters are ignored, so clients may add cache-busters or ids.
      if (hook == nullptr) continue;
      auto on = parse_flag(value);
      if (!on) return bad_parameter_plan(plan, "invalid hook value: expected 1 or 0\n");
      // A hook can only add: "connection_close=0" does not keep an HTTP/1.0 connection open.
      *hook = *hook || *on;
    }
  }
  plan.delay_ns = delay_ns + query_delay_ns;
  if (reset) {
    plan.shape = ResponseShape::kReset;
  } else if (garbage) {
    plan.shape = ResponseShape::kGarbage;
  } else if (cut) {
    plan.shape = ResponseShape::kCutBody;
  } else if (until_close) {
    plan.shape = ResponseShape::kUntilClose;
  } else if (chunked) {
    plan.shape = ResponseShape::kChunked;
  }
  if (plan.shape == ResponseShape::kGarbage || plan.shape == ResponseShape::kCutBody ||
      plan.shape == ResponseShape::kUntilClose) {
    plan.close_after = true;
  }
  return plan;
}

ResponsePlan bad_request_plan(const char* reason) {
  ResponsePlan plan;
  plan.status = 400;
  plan.close_after = true;
  set_body(plan, reason, std::strlen(reason));
  return plan;
}

bool OutputQueue::has_room() const noexcept {
  return count_ + kMaxPiecesPerResponse <= kMaxPieces && arena_used_ + kMaxArenaPerResponse <= kArenaBytes;
}

void OutputQueue::push(const char* data, std::size_t period, std::uint64_t length, std::size_t offset) noexcept {
  if (length == 0) return;
  pieces_[(first_ + count_) % kMaxPieces] =
      Piece{data, static_cast<std::uint32_t>(period), static_cast<std::uint32_t>(offset), length};
  ++count_;
}

void OutputQueue::push_static(const char* text) noexcept {
  std::size_t length = std::strlen(text);
  push(text, length, length);
}

template <typename Format>
void OutputQueue::push_formatted(Format format) noexcept {
  char* start = arena_.data() + arena_used_;
  char* end = format(start);
  std::size_t length = static_cast<std::size_t>(end - start);
  arena_used_ += length;
  push(start, length, length);
}

void OutputQueue::push_body(const ResponsePlan& plan, std::uint64_t from, std::uint64_t length) noexcept {
  push(plan.body_period, plan.body_period_size, length, static_cast<std::size_t>(from % plan.body_period_size));
}

// Status line and headers. `framing`: the Content-Length or Transfer-Encoding lines.
char* OutputQueue::format_head(char* out, const ResponsePlan& plan, const char* framing) const noexcept {
  const bool http10 = plan.shape == ResponseShape::kUntilClose;
  out = put(out, http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out = put_number(out, plan.status);
  out = put(out, " ");
  out = put(out, reason_phrase(plan.status));
  out = put(out, "\r\nContent-Type: text/plain\r\n");
  out = put(out, framing);
  if (plan.close_after && !http10) {
    out = put(out, "Connection: close\r\n");
  } else if (plan.http10_keep_alive) {
    out = put(out, "Connection: keep-alive\r\n");
  }
  return put(out, "\r\n");
}

void OutputQueue::append_response(const ResponsePlan& plan) noexcept {
  const bool body = has_body(plan);
  const bool send_body = body && !plan.head_only;
  switch (plan.shape) {
    case ResponseShape::kReset:
      return;
    case ResponseShape::kContinue:
      push_static(kContinue);
      return;
    case ResponseShape::kGarbage:
      push_static(kGarbageStatusLine);
      return;
    case ResponseShape::kContentLength:
      if (plan.status == 200 && plan.body_period == kOkBody.data() && send_body && !plan.close_after &&
          !plan.http10_keep_alive) {
        push(kOkResponse.data(), kOkResponse.size(), kOkResponse.size());
        return;
      }
      push_formatted([&](char* out) {
        char length_line[48];
        char* end = put(length_line, "Content-Length: ");
        end = put_number(end, plan.body_bytes);
        end = put(end, "\r\n");
        *end = '\0';
        return format_head(out, plan, body ? length_line : "");
      });
      if (send_body) push_body(plan, 0, plan.body_bytes);
      return;
    case ResponseShape::kUntilClose:
      push_formatted([&](char* out) { return format_head(out, plan, ""); });
      if (send_body) push_body(plan, 0, plan.body_bytes);
      return;
    case ResponseShape::kCutBody: {
      const std::uint64_t declared = std::max<std::uint64_t>(plan.body_bytes, 1);
      push_formatted([&](char* out) {
        char length_line[48];
        char* end = put(length_line, "Content-Length: ");
        end = put_number(end, declared);
        end = put(end, "\r\n");
        *end = '\0';
        return format_head(out, plan, length_line);
      });
      if (send_body) push_body(plan, 0, declared / 2);
      return;
    }
    case ResponseShape::kChunked: {
      push_formatted([&](char* out) {
        return format_head(out, plan, body ? "Transfer-Encoding: chunked\r\nTrailer: X-Perfgate-Trailer\r\n" : "");
      });
      if (!send_body) return;
      // Three chunks (fewer for tiny bodies); the first carries an extension, which a
      // client must skip.
      const std::uint64_t third = plan.body_bytes / 3;
      const std::uint64_t parts[3] = {third, third, plan.body_bytes - 2 * third};
      std::uint64_t from = 0;
      bool first_chunk = true;
      for (std::uint64_t part : parts) {
        if (part == 0) continue;
        push_formatted([&](char* out) {
          out = put_number(out, part, 16);
          if (first_chunk) out = put(out, ";perfgate-ext=1");
          return put(out, "\r\n");
        });
        push_body(plan, from, part);
        push_static(kChunkEnd);
        from += part;
        first_chunk = false;
      }
      push_static(kLastChunkAndTrailer);
      return;
    }
  }
}

int OutputQueue::gather(iovec* iov, int max) const noexcept {
  int used = 0;
  for (std::size_t i = 0; i < count_ && used < max; ++i) {
    const Piece& piece = pieces_[(first_ + i) % kMaxPieces];
    std::uint64_t remaining = piece.remaining;
    std::size_t position = piece.offset;
    while (remaining > 0 && used < max) {
      std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, piece.period - position));
      iov[used].iov_base = const_cast<char*>(piece.data + position);
      iov[used].iov_len = length;
      ++used;
      remaining -= length;
      position = 0;
    }
  }
  return used;
}

void OutputQueue::consume(std::size_t bytes) noexcept {
  while (bytes > 0 && count_ > 0) {
    Piece& piece = pieces_[first_];
    if (bytes >= piece.remaining) {
      bytes -= static_cast<std::size_t>(piece.remaining);
      first_ = (first_ + 1) % kMaxPieces;
      --count_;
    } else {
      piece.remaining -= bytes;
      piece.offset = static_cast<std::uint32_t>((piece.offset + bytes) % piece.period);
      bytes = 0;
    }
  }
  if (count_ == 0) clear();
}

void OutputQueue::clear() noexcept {
  first_ = 0;
  count_ = 0;
  arena_used_ = 0;
}

}  // namespace perfgate::serve::detail
