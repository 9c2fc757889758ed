// One subscriber thread; see subscriber_loop.hpp. The per-event path: epoll wakes us, one
// read(), one clock reading for the whole read, the response parser strips the chunk framing
// and hands the body to the event parser, which calls on_event per event: the id is found in
// the data, the latency recorded, a bit set. No allocation once the buffers are warm.
#include "sse/subscriber_loop.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/clock.hpp"
#include "http/load_worker.hpp"
#include "sse/connect.hpp"

namespace perfgate::sse {
namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxEvents = 256;
constexpr int kWaitMs = 10;               // wakes at least this often for timers and the stop flag
constexpr int kReadsPerWake = 4;          // then other subscriptions get their turn
constexpr std::int64_t kMaxBackoffNs = 1'000'000'000;
constexpr std::int64_t kSecondNs = 1'000'000'000;

}  // namespace

SubscriberLoop::SubscriberLoop(const SseOptions& options, RunState& state, int subscriptions)
    : options_(options), state_(state), subs_(static_cast<std::size_t>(subscriptions)), buffer_(kReadBufferBytes) {
  stats_.seen.resize(subs_.size());
  for (std::size_t i = 0; i < subs_.size(); ++i) {
    subs_[i].loop = this;
    subs_[i].index = static_cast<std::uint32_t>(i);
    subs_[i].parser.set_body_sink(&SubscriberLoop::on_body, &subs_[i]);
  }
}

SubscriberLoop::~SubscriberLoop() {
  for (auto& s : subs_) close_fd(s);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::string SubscriberLoop::request_for(const Subscription& s) const {
  std::string request = "GET " + options_.url.target + " HTTP/1.1\r\nHost: " + options_.url.host_header() +
                        "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
  for (const auto& [name, value] : options_.headers) request += name + ": " + value + "\r\n";
  if (!s.events.last_event_id().empty()) request += "Last-Event-ID: " + s.events.last_event_id() + "\r\n";
  return request + "\r\n";
}

void SubscriberLoop::close_fd(Subscription& s) {
  if (s.fd >= 0) {
    ::close(s.fd);
    s.fd = -1;
  }
  if (s.state == State::kStreaming) state_.connected.fetch_sub(1, std::memory_order_relaxed);
  s.state = State::kIdle;
}

void SubscriberLoop::open(Subscription& s, std::int64_t now) {
  s.fd = start_connect(options_.address, epoll_fd_, &s);
  if (s.fd < 0) {
    drop(s, now, std::strerror(errno), true);
    return;
  }
  s.state = State::kConnecting;
  s.connect_started_ns = now;
  s.deadline_ns = now + options_.timeout.count();
  s.parser.reset();
  s.unsent = request_for(s);
}

void SubscriberLoop::drop(Subscription& s, std::int64_t now, const std::string& why, bool failed_attempt) {
  const bool was_streaming = s.state == State::kStreaming;
  close_fd(s);
  s.events.restart();
  if (failed_attempt) {
    ++stats_.connect_failures;
    stats_.last_connect_error = why;
    ++s.failures;
  } else if (was_streaming && started_ && !ending_) {
    ++stats_.reconnects;
  }
  if (ending_ || state_.stop.load(std::memory_order_relaxed)) return;
  // The stream's own `retry:` (or ours), doubled while attempts fail, at most 1 s (or retry:).
  std::int64_t delay = options_.reconnect_delay.count();
  if (auto retry = s.events.retry_ms()) delay = static_cast<std::int64_t>(*retry) * 1'000'000;
  const std::int64_t cap = std::max(delay, kMaxBackoffNs);
  for (std::uint32_t i = 1; i < s.failures && delay < cap; ++i) delay *= 2;
  s.state = State::kBackoff;
  s.deadline_ns = now + std::min(delay, cap);
}

void SubscriberLoop::on_writable(Subscription& s, std::int64_t now) {
  if (s.state == State::kConnecting) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      drop(s, now, std::strerror(error), true);
      return;
    }
    s.state = State::kAwaitingHead;
  }
  if (s.unsent.empty()) return;
  ssize_t n = ::send(s.fd, s.unsent.data(), s.unsent.size(), MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) drop(s, now, std::strerror(errno), true);
    return;
  }
  s.unsent.erase(0, static_cast<std::size_t>(n));
  if (s.unsent.empty()) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &s;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, s.fd, &ev);
  }
}

// The response parser's body sink: the stream's bytes, chunk framing removed.
void SubscriberLoop::on_body(void* context, const char* data, std::size_t len) {
  auto& s = *static_cast<Subscription*>(context);
  if (s.parser.status() != 200) return;  // an error page, not a stream
  SubscriberLoop& loop = *s.loop;
  if (s.state == State::kAwaitingHead) {
    s.state = State::kStreaming;
    s.failures = 0;
    s.ever_streamed = true;
    loop.stats_.ever_connected = true;
    loop.stats_.connect.record(loop.read_mono_ns_ - s.connect_started_ns);
    loop.state_.connected.fetch_add(1, std::memory_order_relaxed);
  }
  s.events.feed(data, len, [&](const Event& e) { loop.on_event(s, e); });
}

void SubscriberLoop::mark_seen(Subscription& s, std::uint64_t seq, bool& duplicate) {
  duplicate = false;
  if (seq >= kMaxTrackedIds * 64) return;  // far beyond any schedule: not tracked
  auto& bits = stats_.seen[s.index];
  const std::size_t word = static_cast<std::size_t>(seq / 64);
  if (word >= bits.size()) bits.resize(std::max(word + 1, bits.size() * 2), 0);
  const std::uint64_t mask = std::uint64_t{1} << (seq % 64);
  duplicate = (bits[word] & mask) != 0;
  bits[word] |= mask;
}

void SubscriberLoop::on_event(Subscription& s, const Event& e) {
  if (!started_) return;  // before the clock: nothing was published by us yet
  ++stats_.events_total;
  ++batch_events_;
  const std::int64_t timeout = options_.timeout.count();
  if (options_.publish) {
    auto seq = find_number_field(e.data, options_.id_field.name);
    if (!seq || *seq >= state_.next_seq.load(std::memory_order_relaxed)) {
      ++stats_.unknown;
      return;
    }
    bool duplicate = false;
    mark_seen(s, *seq, duplicate);
    if (duplicate) {
      ++stats_.duplicates;
      return;
    }
    const std::int64_t latency = read_mono_ns_ - state_.scheduled_ns(*seq);
    if (latency > timeout) {
      stats_.late.emplace_back(s.index, *seq);
      return;
    }
    record_delivery(latency);
    ++batch_first_arrivals_;
    return;
  }
  auto ts = find_number_field(e.data, options_.ts_field->name);
  if (!ts) {
    ++stats_.unknown;
    return;
  }
  const std::int64_t ts_ns = static_cast<std::int64_t>(*ts) * 1'000'000;
  const std::int64_t latency = read_wall_ns_ - ts_ns;
  if (auto id = find_number_field(e.data, options_.id_field.name)) {
    std::int64_t base = state_.ts_id_base.load(std::memory_order_relaxed);
    if (base < 0) {
      std::int64_t expected = -1;
      state_.ts_id_base.compare_exchange_strong(expected, static_cast<std::int64_t>(*id));
      base = state_.ts_id_base.load();
    }
    if (static_cast<std::int64_t>(*id) >= base && *id - static_cast<std::uint64_t>(base) < kMaxTrackedIds) {
      const std::uint64_t relative = *id - static_cast<std::uint64_t>(base);
      bool duplicate = false;
      mark_seen(s, relative, duplicate);
      if (duplicate) {
        ++stats_.duplicates;
        return;
      }
      if (relative >= stats_.ts_of_seq.size()) stats_.ts_of_seq.resize(std::max<std::size_t>(relative + 1, stats_.ts_of_seq.size() * 2), 0);
      stats_.ts_of_seq[relative] = ts_ns;
      if (latency > timeout) {
        stats_.late.emplace_back(s.index, relative);
        return;
      }
    }
  }
  record_delivery(latency);
  ++stats_.ts_received;
}

void SubscriberLoop::record_delivery(std::int64_t latency) {
  file_at(read_mono_ns_);
  second_delivery_.record(std::max<std::int64_t>(latency, 0));
  ++second_arrivals_;
}

void SubscriberLoop::file_at(std::int64_t now) {
  const std::int64_t at = std::min(now, window_end_ns_ - 1);
  while (at >= second_end_ns_) roll_second(second_end_ns_);
}

void SubscriberLoop::roll_second(std::int64_t end) {
  http::PublishedSecond second = http::close_second(second_delivery_, stats_.delivery, second_arrivals_, 0,
                                                    static_cast<double>(end - start_ns_) / 1e9);
  second_arrivals_ = 0;
  second_end_ns_ += kSecondNs;
  published_.publish(std::move(second));
}

void SubscriberLoop::on_readable(Subscription& s, std::int64_t now) {
  for (int i = 0; i < kReadsPerWake; ++i) {
    ssize_t n = ::read(s.fd, buffer_.data(), buffer_.size());
    if (n > 0) {
      read_mono_ns_ = monotonic_ns();
      if (options_.ts_field) read_wall_ns_ = wall_ns();
      stats_.bytes_read += static_cast<std::uint64_t>(n);
      http::ParseResult r = s.parser.feed(buffer_.data(), static_cast<std::size_t>(n));
      if (s.state == State::kAwaitingHead && s.parser.head_complete() && s.parser.status() == 200) {
        on_body(&s, buffer_.data(), 0);  // a head without body bytes yet: the stream is open
      }
      if (s.parser.head_complete() && s.parser.status() != 200 && s.state == State::kAwaitingHead) {
        drop(s, now, "the stream was answered " + std::to_string(s.parser.status()), true);
        return;
      }
      if (r.state == http::ParseState::kComplete) {
        drop(s, now, "the stream ended", s.state != State::kStreaming);
        return;
      }
      if (r.state == http::ParseState::kError) {
        drop(s, now, s.parser.error() != nullptr ? s.parser.error() : "protocol error", s.state != State::kStreaming);
        return;
      }
      if (static_cast<std::size_t>(n) < buffer_.size()) return;
      continue;
    }
    if (n == 0) {
      s.parser.finish_on_eof();
      drop(s, now, "closed by the server", s.state != State::kStreaming);
      return;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    drop(s, now, std::strerror(errno), s.state != State::kStreaming);
    return;
  }
}

void SubscriberLoop::scan(std::int64_t now) {
  for (auto& s : subs_) {
    if (s.state == State::kBackoff && now >= s.deadline_ns) {
      open(s, now);
    } else if ((s.state == State::kConnecting || s.state == State::kAwaitingHead) && now >= s.deadline_ns) {
      drop(s, now, "no response within the timeout", true);
    }
  }
}

bool SubscriberLoop::done(std::int64_t now) const {
  if (state_.stop.load(std::memory_order_relaxed)) return true;
  const std::int64_t start = state_.start_ns.load(std::memory_order_relaxed);
  if (!options_.publish) return now >= start + state_.duration_ns;
  if (!state_.publish_done.load(std::memory_order_acquire)) return false;
  const std::uint64_t published = state_.published_ok.load(std::memory_order_relaxed);
  if (state_.first_arrivals.load(std::memory_order_relaxed) >=
      published * static_cast<std::uint64_t>(options_.subscribers)) {
    return true;
  }
  const std::uint64_t sent = state_.next_seq.load(std::memory_order_relaxed);
  const std::int64_t last_due = sent == 0 ? start : state_.scheduled_ns(sent - 1);
  return now >= last_due + state_.timeout_ns;
}

void SubscriberLoop::run() noexcept {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event events[kMaxEvents];
  std::int64_t now = monotonic_ns();
  for (auto& s : subs_) open(s, now);
  double cpu_at_start = 0;
  std::int64_t next_scan = now;
  for (;;) {
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, kWaitMs);
    now = monotonic_ns();
    for (int i = 0; i < n; ++i) {
      auto& s = *static_cast<Subscription*>(events[i].data.ptr);
      if (s.fd < 0) continue;
      if ((events[i].events & EPOLLOUT) != 0) on_writable(s, now);
      if (s.fd >= 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && s.state != State::kConnecting) {
        on_readable(s, now);
      }
    }
    if (batch_events_ != 0) {
      state_.received.fetch_add(batch_events_, std::memory_order_relaxed);
      state_.first_arrivals.fetch_add(batch_first_arrivals_, std::memory_order_relaxed);
      batch_events_ = batch_first_arrivals_ = 0;
    }
    if (now >= next_scan) {
      scan(now);
      next_scan = now + kWaitMs * 1'000'000LL;
    }
    if (!started_) {
      // Every subscription has its stream or has failed at least once: the clock may start.
      bool settled = state_.stop.load(std::memory_order_relaxed) ||
                     std::all_of(subs_.begin(), subs_.end(),
                                 [](const Subscription& s) { return s.state == State::kStreaming || s.failures > 0; });
      if (settled) {
        start_ns_ = state_.arrive_and_wait(&monotonic_ns);
        window_end_ns_ = start_ns_ + state_.duration_ns;
        second_end_ns_ = start_ns_ + kSecondNs;
        started_ = true;
        cpu_at_start = thread_cpu_seconds();
      }
      continue;
    }
    file_at(now);
    if (done(now)) break;
  }
  if (started_) {
    // The last second, short when the run ended before the window did (or was interrupted).
    const std::int64_t until = std::min(now, window_end_ns_);
    file_at(until);
    if (second_arrivals_ != 0 || second_end_ns_ - kSecondNs < until) roll_second(std::min(until, second_end_ns_));
  }
  ending_ = true;
  stats_.ended_ns = now;
  stats_.cpu_s = thread_cpu_seconds() - cpu_at_start;
  for (auto& s : subs_) {
    stats_.comments += s.events.comments();
    close_fd(s);
  }
}

}  // namespace perfgate::sse
