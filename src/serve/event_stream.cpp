// Server-Sent Events in `perfgate serve`; see event_stream.hpp.
#include "serve/event_stream.hpp"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include "core/error.hpp"
#include "core/units.hpp"
#include "serve/connection.hpp"

namespace perfgate::serve::detail {
namespace {

constexpr int kMaxIovecs = 64;
constexpr std::string_view kChunkedHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";
// Without chunking an HTTP/1.1 body would need a length: the stream is HTTP/1.0 style.
constexpr std::string_view kRawHead =
    "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
constexpr std::string_view kKeepAlive = ": keep-alive\n";

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The value of header `name` (lowercase) in a raw request head, or nullopt.
std::optional<std::string_view> header_value(std::string_view head, std::string_view name) {
  std::size_t at = head.find('\n');
  while (at != std::string_view::npos && at + 1 < head.size()) {
    std::string_view line = head.substr(at + 1);
    line = line.substr(0, line.find('\n'));
    if (line.size() > name.size() && line[name.size()] == ':') {
      bool same = true;
      for (std::size_t i = 0; i < name.size() && same; ++i) same = lower(line[i]) == name[i];
      if (same) {
        std::string_view value = line.substr(name.size() + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == ' ' || value.back() == '\t')) {
          value.remove_suffix(1);
        }
        return value;
      }
    }
    at = head.find('\n', at + 1);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

void set_bad_request(ResponsePlan& plan, std::string_view message) {
  plan.status = 400;
  plan.body_period = message.data();
  plan.body_period_size = static_cast<std::uint32_t>(message.size());
  plan.body_bytes = message.size();
}

// Appends `text` as one chunk (or as is, for a stream without chunking).
void append_framed(std::string& out, std::string_view text, bool chunked) {
  if (!chunked) {
    out.append(text);
    return;
  }
  char size[20];
  auto end = std::to_chars(size, size + sizeof size, text.size(), 16).ptr;
  out.append(size, static_cast<std::size_t>(end - size));
  out.append("\r\n");
  out.append(text);
  out.append("\r\n");
}

}  // namespace

// ---- EventHub ---------------------------------------------------------------------------

EventHub::EventHub() = default;

EventHub::~EventHub() {
  for (int fd : wake_fds_) close(fd);
}

int EventHub::add_loop() {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw RunError(std::string("eventfd: ") + std::strerror(errno));
  std::lock_guard lock(mutex_);
  wake_fds_.push_back(fd);
  return fd;
}

void EventHub::publish(std::string_view body) {
  auto event = std::make_shared<StreamEvent>();
  std::string text;
  text.reserve(body.size() + 32);
  std::lock_guard lock(mutex_);
  event->id = next_id_++;
  text.append("id: ").append(std::to_string(event->id)).append("\n");
  // One data line per line of the body (CRLF, LF or CR ends a line), as the format requires.
  std::string_view rest = body;
  do {
    std::size_t end = rest.find_first_of("\r\n");
    text.append("data: ").append(rest.substr(0, end)).append("\n");
    if (end == std::string_view::npos) break;
    std::size_t skip = (rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n') ? 2 : 1;
    rest.remove_prefix(end + skip);
  } while (!rest.empty());
  text.append("\n");
  append_framed(event->wire, text, true);
  event->text_size = static_cast<std::uint32_t>(text.size());
  event->text_offset = static_cast<std::uint32_t>(event->wire.find("\r\n") + 2);
  history_.push_back(std::move(event));
  if (history_.size() > kHistory) history_.pop_front();
  const std::uint64_t one = 1;
  for (int fd : wake_fds_) {
    [[maybe_unused]] auto written = ::write(fd, &one, sizeof one);
  }
}

void EventHub::collect(std::uint64_t from, std::vector<StreamEventPtr>& out) const {
  std::lock_guard lock(mutex_);
  if (history_.empty()) return;
  const std::uint64_t oldest = history_.front()->id;
  for (std::uint64_t id = std::max(from, oldest); id < next_id_; ++id) {
    out.push_back(history_[static_cast<std::size_t>(id - oldest)]);
  }
}

std::uint64_t EventHub::next_id() const {
  std::lock_guard lock(mutex_);
  return next_id_;
}

// ---- LoopStreams ------------------------------------------------------------------------

LoopStreams::LoopStreams(EventHub& hub) : hub_(hub), wake_fd_(hub.add_loop()) {
  base_id_ = hub_.next_id();
}

LoopStreams::Claim LoopStreams::on_head(ServeConnection& c, const http::RequestHead& head,
                                        std::string_view head_bytes, ResponsePlan& plan) {
  const std::string_view path = head.path();
  if (path == "/publish" && head.method == "POST" && plan.status == 200) {
    if (head.chunked || head.content_length > kMaxBody) {
      set_bad_request(plan, "POST /publish: expected a Content-Length body of at most 64 KiB\n");
      return Claim::kNone;
    }
    c.stream.capturing = true;
    c.stream.body.clear();
    plan.sse_publish = true;
    return Claim::kPublish;
  }
  if (path != "/events" || head.method != "GET" || plan.status != 200) return Claim::kNone;
  StreamState& s = c.stream;
  std::string_view query = head.query();
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "keepalive") {
      auto d = parse_duration(value);
      if (!d || d->count() <= 0) return set_bad_request(plan, "invalid ?keepalive: expected a duration like 15s\n"), Claim::kNone;
      s.keepalive_ns = d->count();
    } else if (key == "retry") {
      auto ms = whole_number(value);
      if (!ms || *ms > 86'400'000) return set_bad_request(plan, "invalid ?retry: expected milliseconds\n"), Claim::kNone;
      s.retry_ms = static_cast<std::int64_t>(*ms);
    } else if (key == "chunked") {
      if (value != "0" && value != "1") return set_bad_request(plan, "invalid ?chunked: expected 1 or 0\n"), Claim::kNone;
      s.chunked = value == "1";
    } else if (key == "drop_after" || key == "skip_every") {
      auto n = whole_number(value);
      if (!n || *n == 0) return set_bad_request(plan, "invalid ?drop_after or ?skip_every: expected a count\n"), Claim::kNone;
      (key == "drop_after" ? s.drop_after : s.skip_every) = *n;
    }
  }
  if (auto last = header_value(head_bytes, "last-event-id")) {
    if (auto id = whole_number(*last); id && *id < (std::uint64_t{1} << 62)) s.resume_after = static_cast<std::int64_t>(*id);
  }
  s.requested = true;
  plan.sse_subscribe = true;
  return Claim::kSubscribe;
}

void LoopStreams::capture(ServeConnection& c, std::string_view bytes) {
  if (c.stream.capturing) c.stream.body.append(bytes);
}

void LoopStreams::on_complete(ServeConnection& c) {
  if (!c.stream.capturing) return;
  c.stream.capturing = false;
  c.stream.publishes.push_back(std::move(c.stream.body));
  c.stream.body.clear();
}

void LoopStreams::on_publish_due(ServeConnection& c) {
  if (c.stream.publishes.empty()) return;
  hub_.publish(c.stream.publishes.front());
  c.stream.publishes.pop_front();
}

void LoopStreams::on_subscribe_due(ServeConnection& c, std::int64_t now) {
  StreamState& s = c.stream;
  s.active = true;
  s.control.assign(s.chunked ? kChunkedHead : kRawHead);
  if (s.retry_ms >= 0) append_framed(s.control, "retry: " + std::to_string(s.retry_ms) + "\n\n", s.chunked);
  s.control_offset = 0;
  // The wake stays set: the other subscribers are serviced when the loop sees it.
  take_new_events(false);
  const std::uint64_t newest = hub_.next_id();
  s.next_id = newest;
  if (s.resume_after >= 0 && static_cast<std::uint64_t>(s.resume_after) + 1 < newest) {
    s.next_id = static_cast<std::uint64_t>(s.resume_after) + 1;
    ensure_from(s.next_id);
    s.next_id = std::max(s.next_id, base_id_);  // older ones are gone: the client misses them
  }
  s.last_write_ns = now;
  s.next_keepalive_ns = now + s.keepalive_ns;
  subscribers_.push_back(Subscriber{&c, c.token});
}

bool LoopStreams::live(const Subscriber& s) const noexcept {
  return s.connection->fd >= 0 && s.connection->token == s.token && s.connection->stream.active;
}

void LoopStreams::take_new_events(bool drain_wake) {
  if (drain_wake) {
    std::uint64_t counter = 0;
    [[maybe_unused]] auto ignored = ::read(wake_fd_, &counter, sizeof counter);
  }
  scratch_.clear();
  hub_.collect(base_id_ + events_.size(), scratch_);
  for (auto& e : scratch_) {
    if (events_.empty() && e->id != base_id_) base_id_ = e->id;  // the hub no longer held some
    events_.push_back(std::move(e));
  }
  scratch_.clear();
}

void LoopStreams::ensure_from(std::uint64_t id) {
  if (id >= base_id_) return;
  scratch_.clear();
  hub_.collect(id, scratch_);
  // scratch_ runs from max(id, the hub's oldest) to the newest: keep those before base_id_.
  std::size_t older = 0;
  while (older < scratch_.size() && scratch_[older]->id < base_id_) ++older;
  for (std::size_t i = older; i-- > 0;) events_.push_front(std::move(scratch_[i]));
  if (older > 0) base_id_ = events_.front()->id;
  scratch_.clear();
}

const StreamEvent* LoopStreams::event(std::uint64_t id) const noexcept {
  if (id < base_id_ || id - base_id_ >= events_.size()) return nullptr;
  return events_[static_cast<std::size_t>(id - base_id_)].get();
}

void LoopStreams::trim() {
  std::uint64_t keep_from = base_id_ + events_.size();
  for (const Subscriber& s : subscribers_) keep_from = std::min(keep_from, s.connection->stream.next_id);
  while (!events_.empty() && base_id_ < keep_from) {
    events_.pop_front();
    ++base_id_;
  }
}

const std::vector<ServeConnection*>& LoopStreams::pull() {
  take_new_events(true);
  live_.clear();
  std::erase_if(subscribers_, [&](const Subscriber& s) { return !live(s); });
  const std::uint64_t newest = base_id_ + events_.size();
  for (const Subscriber& s : subscribers_) {
    // Far behind (not reading): dropped, so that one stuck client cannot hold every event.
    if (newest - s.connection->stream.next_id > kMaxBehind) s.connection->stream.drop_after = s.connection->stream.sent;
    live_.push_back(s.connection);
  }
  trim();
  return live_;
}

bool LoopStreams::owes(const ServeConnection& c) const noexcept {
  const StreamState& s = c.stream;
  if (s.control_offset < s.control.size()) return true;
  if (s.drop_after != 0 && s.sent >= s.drop_after) return false;
  return s.next_id < base_id_ + events_.size();
}

int LoopStreams::write(ServeConnection& c, std::int64_t now) {
  StreamState& s = c.stream;
  for (;;) {
    if (s.drop_after != 0 && s.sent >= s.drop_after && s.offset == 0 && s.control_offset >= s.control.size()) {
      return -1;  // the test hook (or a subscriber too far behind): end the stream here
    }
    iovec iov[kMaxIovecs];
    int used = 0;
    if (s.control_offset < s.control.size()) {
      iov[used++] = iovec{s.control.data() + s.control_offset, s.control.size() - s.control_offset};
    }
    std::uint64_t id = s.next_id;
    std::uint32_t offset = s.offset;
    std::uint64_t budget = s.drop_after == 0 ? UINT64_MAX : s.drop_after - s.sent;
    while (used < kMaxIovecs && budget > 0) {
      const StreamEvent* e = event(id);
      if (e == nullptr) break;
      if (offset == 0 && s.skip_every != 0 && e->id % s.skip_every == s.skip_every - 1) {
        ++id;
        continue;
      }
      const char* from = s.chunked ? e->wire.data() : e->wire.data() + e->text_offset;
      const std::size_t size = s.chunked ? e->wire.size() : e->text_size;
      iov[used++] = iovec{const_cast<char*>(from + offset), size - offset};
      offset = 0;
      ++id;
      --budget;
    }
    if (used == 0) {
      s.next_id = id;  // only skipped events
      if (now - s.last_write_ns >= s.keepalive_ns) {
        append_framed(s.control, kKeepAlive, s.chunked);
        s.last_write_ns = now;  // once per quiet interval, even if the socket is full
        continue;
      }
      s.next_keepalive_ns = s.last_write_ns + s.keepalive_ns;
      return 1;
    }
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = static_cast<std::size_t>(used);
    ssize_t written = sendmsg(c.fd, &message, MSG_NOSIGNAL);
    if (written < 0) {
      s.next_keepalive_ns = s.last_write_ns + s.keepalive_ns;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      return -1;
    }
    s.last_write_ns = now;
    // Advance through what went out: control bytes first, then events.
    std::size_t left = static_cast<std::size_t>(written);
    if (s.control_offset < s.control.size()) {
      std::size_t n = std::min(left, s.control.size() - s.control_offset);
      s.control_offset += n;
      left -= n;
      if (s.control_offset == s.control.size()) {
        s.control.clear();
        s.control_offset = 0;
      }
    }
    while (left > 0) {
      const StreamEvent* e = event(s.next_id);
      if (s.offset == 0 && s.skip_every != 0 && e->id % s.skip_every == s.skip_every - 1) {
        ++s.next_id;
        continue;
      }
      const std::size_t size = (s.chunked ? e->wire.size() : e->text_size) - s.offset;
      if (left >= size) {
        left -= size;
        s.offset = 0;
        ++s.next_id;
        ++s.sent;
      } else {
        s.offset += static_cast<std::uint32_t>(left);
        left = 0;
      }
    }
  }
}

}  // namespace perfgate::serve::detail
