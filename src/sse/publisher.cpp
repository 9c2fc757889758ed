// The SSE run's publisher; see publisher.hpp.
#include "sse/publisher.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/clock.hpp"
#include "sse/connect.hpp"

namespace perfgate::sse {
namespace {

constexpr int kMaxEvents = 64;
constexpr std::int64_t kMaxSleepNs = 5'000'000;

}  // namespace

Publisher::Publisher(const SseOptions& options, RunState& state)
    : options_(options), publish_(*options.publish), state_(state),
      connections_(static_cast<std::size_t>(options.publish->connections)), buffer_(16 * 1024) {
  head_ = "POST " + publish_.url.target + " HTTP/1.1\r\nHost: " + publish_.url.host_header() + "\r\n";
  if (!publish_.content_type.empty()) head_ += "Content-Type: " + publish_.content_type + "\r\n";
  for (const auto& [name, value] : publish_.headers) head_ += name + ": " + value + "\r\n";
  head_ += "Content-Length: ";
  const double planned = std::ceil(static_cast<double>(options.duration.count()) / 1e9 * publish_.rate_per_s);
  planned_ = static_cast<std::uint64_t>(std::max(planned, 1.0));
  stats_.ok.assign(static_cast<std::size_t>(planned_), 0);
  run_nonce_ = random_run_nonce();
  rng_state_ = random_seed();
}

Publisher::~Publisher() {
  for (auto& c : connections_) close(c);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void Publisher::close(Connection& c) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.state = State::kClosed;
}

void Publisher::fail(Connection& c, const std::string& why) {
  if (c.state == State::kBusy) ++stats_.errors;
  stats_.last_error = why;
  close(c);
}

void Publisher::open(Connection& c, std::int64_t now) {
  c.fd = start_connect(publish_.address, epoll_fd_, &c);
  if (c.fd < 0) {
    stats_.last_error = std::strerror(errno);
    return;
  }
  c.state = State::kConnecting;
  c.deadline_ns = now + options_.timeout.count();
}

Publisher::Connection* Publisher::idle_connection() {
  for (auto& c : connections_) {
    if (c.state == State::kIdle) return &c;
  }
  return nullptr;
}

void Publisher::send(Connection& c, std::uint64_t seq, std::int64_t now) {
  TemplateValues values;
  values.seq = seq;
  values.run_nonce = run_nonce_;
  values.rng_state = &rng_state_;
  if (publish_.body.uses_now_ms()) values.now_ms = static_cast<std::uint64_t>(wall_ns() / 1'000'000);
  body_.resize(publish_.body.max_size());
  body_.resize(static_cast<std::size_t>(publish_.body.expand(body_.data(), values) - body_.data()));
  c.unsent = head_;
  c.unsent += std::to_string(body_.size());
  c.unsent += "\r\n\r\n";
  c.unsent += body_;
  c.seq = seq;
  c.state = State::kBusy;
  c.deadline_ns = now + options_.timeout.count();
  c.parser.reset();
  flush(c);
}

void Publisher::flush(Connection& c) {
  if (c.unsent.empty()) return;
  ssize_t n = ::send(c.fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) fail(c, std::strerror(errno));
    return;
  }
  c.unsent.erase(0, static_cast<std::size_t>(n));
  epoll_event ev{};
  ev.events = c.unsent.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT);
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Publisher::on_event(Connection& c, std::uint32_t events, std::int64_t /*now*/) {
  if (c.state == State::kConnecting) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      fail(c, std::strerror(error));
      return;
    }
    c.state = State::kIdle;
    stats_.ever_connected = true;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    return;
  }
  if ((events & EPOLLOUT) != 0) flush(c);
  if (c.fd < 0 || (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
  ssize_t n = ::read(c.fd, buffer_.data(), buffer_.size());
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    fail(c, n == 0 ? "the publish connection was closed" : std::strerror(errno));
    return;
  }
  if (n < 0 || c.state != State::kBusy) return;
  http::ParseResult r = c.parser.feed(buffer_.data(), static_cast<std::size_t>(n));
  if (r.state == http::ParseState::kError) {
    fail(c, c.parser.error() != nullptr ? c.parser.error() : "malformed publish response");
  } else if (r.state == http::ParseState::kComplete) {
    const int status = c.parser.status();
    if (status < 400) {
      ++stats_.published;
      if (c.seq < stats_.ok.size()) stats_.ok[static_cast<std::size_t>(c.seq)] = 1;
    } else {
      ++stats_.errors;
      stats_.last_error = "the publish was answered " + std::to_string(status);
    }
    c.state = State::kIdle;
    if (!c.parser.keep_alive()) close(c);
  }
}

void Publisher::run() noexcept {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  std::int64_t now = monotonic_ns();
  for (auto& c : connections_) open(c, now);
  // Wait for the subscribers' clock.
  while (state_.start_ns.load(std::memory_order_acquire) == 0 && !state_.stop.load(std::memory_order_relaxed)) {
    epoll_event events[kMaxEvents];
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, 5);
    now = monotonic_ns();
    for (int i = 0; i < n; ++i) on_event(*static_cast<Connection*>(events[i].data.ptr), events[i].events, now);
  }
  const double cpu_at_start = thread_cpu_seconds();
  const std::int64_t end = state_.start_ns.load() + state_.duration_ns;
  std::uint64_t next = 0;
  constexpr std::uint64_t kNone = UINT64_MAX;
  std::uint64_t waited_through = kNone;  // publishes up to this one waited for a free connection
  std::int64_t drain_until = 0;  // once the schedule is done: how long the last answers are awaited
  for (;;) {
    now = monotonic_ns();
    const bool stopping = state_.stop.load(std::memory_order_relaxed);
    const bool schedule_done = stopping || next >= planned_ || state_.scheduled_ns(next) >= end || now >= end;
    if (schedule_done && drain_until == 0) drain_until = now + options_.timeout.count();
    // Due publishes go out on free connections, oldest first.
    while (!schedule_done && next < planned_ && state_.scheduled_ns(next) <= now && state_.scheduled_ns(next) < end) {
      Connection* c = idle_connection();
      if (c == nullptr) {
        // The target is slow to answer publishes: every publish due by now waits, not by
        // perfgate's fault, so their lag is not perfgate's either.
        const double due_by_now = static_cast<double>(now - state_.start_ns.load()) / state_.interval_ns;
        waited_through = std::max(next, static_cast<std::uint64_t>(std::max(due_by_now, 0.0)));
        break;
      }
      state_.next_seq.store(next + 1, std::memory_order_release);  // before the send: events may come back at once
      const std::int64_t sent = monotonic_ns();
      if (waited_through == kNone || next > waited_through) {
        stats_.lag.record(std::max<std::int64_t>(sent - state_.scheduled_ns(next), 0));
      }
      send(*c, next, sent);
      ++next;
    }
    bool busy = false;
    for (auto& c : connections_) {
      if (c.state == State::kBusy && now >= c.deadline_ns) fail(c, "no answer to a publish within the timeout");
      if (c.state == State::kConnecting && now >= c.deadline_ns) fail(c, "cannot connect to the publish URL");
      if (c.state == State::kClosed && !schedule_done) open(c, now);
      busy = busy || c.state == State::kBusy;
    }
    if (schedule_done && (!busy || now >= drain_until || stopping)) break;
    std::int64_t wait_ns = kMaxSleepNs;
    if (!schedule_done && idle_connection() != nullptr) wait_ns = std::clamp<std::int64_t>(state_.scheduled_ns(next) - now, 0, kMaxSleepNs);
    epoll_event events[kMaxEvents];
    timespec ts{0, static_cast<long>(wait_ns)};
    int n = epoll_pwait2(epoll_fd_, events, kMaxEvents, &ts, nullptr);
    if (n < 0 && errno == ENOSYS) n = epoll_wait(epoll_fd_, events, kMaxEvents, static_cast<int>((wait_ns + 999'999) / 1'000'000));
    now = monotonic_ns();
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<Connection*>(events[i].data.ptr);
      if (c.fd >= 0) on_event(c, events[i].events, now);
    }
  }
  for (auto& c : connections_) {
    if (c.state == State::kBusy) fail(c, "no answer to a publish before the end");
  }
  // Publishes that were due but never found a connection (the publish URL refused them all,
  // or answered too slowly) failed too.
  std::uint64_t due = 0;
  while (due < planned_ && state_.scheduled_ns(due) < std::min(end, now)) ++due;
  if (due > next) {
    stats_.errors += due - next;
    if (stats_.last_error.empty()) stats_.last_error = "no connection to the publish URL was free";
  }
  stats_.cpu_s = thread_cpu_seconds() - cpu_at_start;
  state_.published_ok.store(stats_.published, std::memory_order_relaxed);
  state_.publish_done.store(true, std::memory_order_release);
}

}  // namespace perfgate::sse
