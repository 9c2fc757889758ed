// `perfgate serve`: listening, the per-thread event loops and each connection's way from
// bytes read, to requests, to responses due at a time, to bytes written. See serve.hpp.
//
// Each thread owns an epoll instance (level-triggered), a timerfd and its connections; the
// threads share only the listening socket (EPOLLEXCLUSIVE) and a connection count. A
// connection keeps the responses it owes in a small FIFO with the time each is due, since
// pipelined responses must leave in order; the thread's min-heap holds one wake-up per
// connection and the timerfd is armed for the earliest. Nothing sleeps.
#include "serve/server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/request_reader.hpp"
#include "serve/connection.hpp"
#include "serve/event_stream.hpp"
#include "serve/response.hpp"

namespace perfgate::serve {

namespace {

using http::RequestEvent;
using http::RequestReader;
using http::RequestStep;

using detail::bad_request_plan;
using detail::DueResponse;
using detail::FastRandom;
using detail::plan_response;
using detail::ResponsePlan;
using detail::ResponseShape;
using detail::ServeConnection;

constexpr std::uint64_t kListenTag = ~std::uint64_t{0};
constexpr std::uint64_t kTimerTag = kListenTag - 1;
constexpr std::uint64_t kStreamTag = kListenTag - 2;  // new events to send (event_stream.hpp)
constexpr int kStopPollMs = 100;     // how soon a loop notices `stop`
constexpr int kMaxEvents = 256;
constexpr int kMaxIovecs = 64;
constexpr int kMaxServiceRounds = 16;  // then other connections get their turn
// After sending FIN, how long to read and discard what the client still sends before
// closing: closing with unread data would send RST and could destroy the response.
constexpr std::int64_t kLingerNs = 2'000'000'000;

std::uint64_t event_tag(const ServeConnection& c) noexcept { return (std::uint64_t{c.token} << 32) | c.slot; }

ResponsePlan continue_plan() noexcept {
  ResponsePlan plan;
  plan.shape = ResponseShape::kContinue;
  return plan;
}

// State shared by the loops of one server.
struct SharedState {
  const ServeOptions& options;
  int listen_fd;
  std::int64_t started_ns;  // stalls are counted from here
  std::atomic<int> connections{0};
  std::atomic<bool> failed{false};
  detail::EventHub hub{};
  detail::CallbackSender callbacks{};
};

// The end of the stall `now` falls in, or 0 when the server is not stalled. The first
// stall starts one period after the server started.
std::int64_t stall_end(const SharedState& shared, std::int64_t now) noexcept {
  const std::int64_t stall = shared.options.stall.count();
  if (stall <= 0) return 0;
  const std::int64_t every = shared.options.stall_every.count();
  const std::int64_t since = now - shared.started_ns;
  const std::int64_t period = since / every;
  if (period == 0 || since % every >= stall) return 0;
  return shared.started_ns + period * every + stall;
}

[[noreturn]] void throw_system(const char* what) {
  throw RunError(std::string(what) + ": " + std::strerror(errno));
}

class ServeLoop {
 public:
  ServeLoop(SharedState& shared, std::uint64_t seed);
  ~ServeLoop();
  ServeLoop(const ServeLoop&) = delete;
  ServeLoop& operator=(const ServeLoop&) = delete;
  void run(const std::atomic<bool>& stop);

 private:
  struct Timer {
    std::int64_t due_ns;
    std::uint32_t slot;
    std::uint32_t token;
    bool operator>(const Timer& other) const noexcept { return due_ns > other.due_ns; }
  };

  ServeConnection* find(std::uint32_t slot, std::uint32_t token) noexcept;
  ServeConnection* timer_target(const Timer& timer) noexcept;
  void accept_connections();
  void on_event(ServeConnection& c, std::uint32_t events, std::int64_t now);
  void read_from(ServeConnection& c);
  void service(ServeConnection& c, std::int64_t now);
  void service_stream(ServeConnection& c, std::int64_t now);
  bool read_requests(ServeConnection& c, std::int64_t now);
  bool write_responses(ServeConnection& c, std::int64_t now);
  int flush(ServeConnection& c);
  void begin_linger(ServeConnection& c, std::int64_t now);
  void close_connection(ServeConnection& c, bool reset);
  void update_interest(ServeConnection& c, std::int64_t now);
  void wake_at(ServeConnection& c, std::int64_t when_ns);
  void run_timers(std::int64_t now);
  void arm_timer();

  SharedState& shared_;
  const ServeOptions& options_;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int spare_fd_ = -1;  // given up to accept-and-close when out of descriptors
  std::vector<std::unique_ptr<ServeConnection>> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::int64_t timer_armed_ns_ = 0;
  FastRandom random_;
  detail::LoopStreams streams_;
};

ServeLoop::ServeLoop(SharedState& shared, std::uint64_t seed)
    : shared_(shared), options_(shared.options), random_(seed), streams_(shared.hub) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_system("epoll_create1");
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ < 0) throw_system("timerfd_create");
  epoll_event timer_event{};
  timer_event.events = EPOLLIN;
  timer_event.data.u64 = kTimerTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &timer_event) != 0) throw_system("epoll_ctl");
  epoll_event stream_event{};
  stream_event.events = EPOLLIN;
  stream_event.data.u64 = kStreamTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, streams_.wake_fd(), &stream_event) != 0) throw_system("epoll_ctl");
  // EPOLLEXCLUSIVE: a new connection wakes one loop, not all of them.
  epoll_event listen_event{};
  listen_event.events = EPOLLIN | EPOLLEXCLUSIVE;
  listen_event.data.u64 = kListenTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, shared.listen_fd, &listen_event) != 0) throw_system("epoll_ctl");
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

ServeLoop::~ServeLoop() {
  for (auto& c : slots_) {
    if (c->fd >= 0) close(c->fd);
  }
  if (spare_fd_ >= 0) close(spare_fd_);
  if (timer_fd_ >= 0) close(timer_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void ServeLoop::run(const std::atomic<bool>& stop) {
  epoll_event events[kMaxEvents];
  while (!stop.load(std::memory_order_relaxed) && !shared_.failed.load(std::memory_order_relaxed)) {
    int ready = epoll_wait(epoll_fd_, events, kMaxEvents, kStopPollMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_system("epoll_wait");
    }
    const std::int64_t now = monotonic_ns();
    for (int i = 0; i < ready; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        accept_connections();
      } else if (tag == kTimerTag) {
        std::uint64_t expirations = 0;
        [[maybe_unused]] auto ignored = read(timer_fd_, &expirations, sizeof expirations);
        timer_armed_ns_ = 0;
      } else if (tag == kStreamTag) {
        for (ServeConnection* c : streams_.pull()) service(*c, now);
      } else if (ServeConnection* c = find(static_cast<std::uint32_t>(tag), static_cast<std::uint32_t>(tag >> 32))) {
        on_event(*c, events[i].events, now);
      }
    }
    run_timers(monotonic_ns());
    arm_timer();
  }
}

ServeConnection* ServeLoop::find(std::uint32_t slot, std::uint32_t token) noexcept {
  if (slot >= slots_.size()) return nullptr;
  ServeConnection* c = slots_[slot].get();
  return (c->fd >= 0 && c->token == token) ? c : nullptr;
}

void ServeLoop::accept_connections() {
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(shared_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
        // Out of descriptors: accept and close one so the listening socket stops being
        // readable (level-triggered epoll would spin on it otherwise).
        close(spare_fd_);
        int shed = accept(shared_.listen_fd, nullptr, nullptr);
        if (shed >= 0) close(shed);
        spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
      return;  // EAGAIN: nothing more (or another loop took it)
    }
    if (shared_.connections.fetch_add(1, std::memory_order_relaxed) >= options_.max_connections) {
      shared_.connections.fetch_sub(1, std::memory_order_relaxed);
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (free_slots_.empty()) {
      free_slots_.push_back(static_cast<std::uint32_t>(slots_.size()));
      slots_.push_back(std::make_unique<ServeConnection>());
      slots_.back()->slot = free_slots_.back();
    }
    ServeConnection& c = *slots_[free_slots_.back()];
    free_slots_.pop_back();
    c.fd = fd;
    c.interest = EPOLLIN;
    c.active_ns = monotonic_ns();
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = event_tag(c);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      close_connection(c, false);
    } else if (options_.idle_timeout.count() > 0) {
      wake_at(c, c.active_ns + options_.idle_timeout.count());
    }
  }
}

void ServeLoop::on_event(ServeConnection& c, std::uint32_t events, std::int64_t now) {
  // HUP: both directions are shut (or the client reset): nothing can be delivered.
  if (events & (EPOLLERR | EPOLLHUP)) {
    close_connection(c, false);
    return;
  }
  if (events & EPOLLIN) {
    read_from(c);
    if (c.fd < 0) return;
  }
  if (!c.lingering) service(c, now);
}

void ServeLoop::read_from(ServeConnection& c) {
  if (c.lingering) {
    char discard[4096];
    for (int i = 0; i < 16; ++i) {
      ssize_t n = read(c.fd, discard, sizeof discard);
      if (n > 0) continue;
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) close_connection(c, false);
      return;
    }
    return;
  }
  std::size_t space = c.in.prepare_for_read();
  if (space == 0) return;
  ssize_t n = read(c.fd, c.in.tail(), space);
  if (n > 0) {
    c.in.commit(static_cast<std::size_t>(n));
  } else if (n == 0) {
    c.read_eof = true;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    close_connection(c, false);
  }
}

void ServeLoop::service(ServeConnection& c, std::int64_t now) {
  if (c.stream.active) {
    service_stream(c, now);
    return;
  }
  bool more_to_do = true;
  for (int round = 0; round < kMaxServiceRounds && more_to_do; ++round) {
    bool progress = read_requests(c, now);
    progress = write_responses(c, now) || progress;
    if (c.fd < 0) return;
    more_to_do = progress;
  }
  if (c.lingering) return;
  if (c.read_eof && c.pending.empty() && c.out.empty()) {
    close_connection(c, false);  // the client is done and owed nothing
    return;
  }
  // Out of rounds with buffered requests left: no socket event may ever come for them
  // (the client waits for answers), so come back right after the other connections.
  if (more_to_do) {
    wake_at(c, now + 1);
  } else if (c.pending.empty() && c.out.empty() && options_.idle_timeout.count() > 0) {
    // Owed nothing: idle until a complete request arrives. Bytes of a request that never
    // completes (a trickling client) do not count.
    std::int64_t idle_end = c.active_ns + options_.idle_timeout.count();
    if (now >= idle_end) {
      close_connection(c, false);
      return;
    }
    wake_at(c, idle_end);
  }
  update_interest(c, now);
}

bool ServeLoop::read_requests(ServeConnection& c, std::int64_t now) {
  if (c.input_closed) {
    c.in.clear();
    return false;
  }
  bool progress = false;
  // Two free slots: a request may need an interim 100 Continue and its response.
  while (c.pending.free_slots() >= 2) {
    RequestStep step = c.reader.feed(c.in.view());
    switch (step.event) {
      case RequestEvent::kNeedMore:
        streams_.capture(c, c.in.view().substr(0, step.consumed));
        c.in.consume(step.consumed);
        return progress;
      case RequestEvent::kHead:
        c.current = plan_response(c.reader.head(), options_, random_);
        streams_.on_head(c, c.reader.head(), c.in.view().substr(0, step.consumed), c.current);
        detail::callback_on_head(c.reader.head(), options_, random_, c.reader, c.callback, c.current);
        if (c.current.interim_first) c.pending.push(continue_plan(), now);
        break;
      case RequestEvent::kComplete:
        streams_.capture(c, c.in.view().substr(0, step.consumed));
        streams_.on_complete(c);
        detail::callback_on_complete(c.callback, c.reader, now, shared_.callbacks, c.current);
        c.active_ns = now;
        c.pending.push(c.current, now + c.current.delay_ns);
        if (c.current.close_after || c.current.shape == ResponseShape::kReset) c.input_closed = true;
        break;
      case RequestEvent::kError:
        c.pending.push(bad_request_plan(c.reader.error()), now);
        c.input_closed = true;
        break;
    }
    c.in.consume(step.consumed);
    progress = true;
    if (c.input_closed) {
      c.in.clear();
      break;
    }
  }
  return progress;
}

bool ServeLoop::write_responses(ServeConnection& c, std::int64_t now) {
  if (c.lingering) return false;
  if (std::int64_t resume = stall_end(shared_, now)) {
    wake_at(c, resume);  // a stall: nothing is written until it ends
    return false;
  }
  bool progress = false;
  while (!c.pending.empty()) {
    const DueResponse& next = c.pending.front();
    if (next.due_ns > now) {
      wake_at(c, next.due_ns);
      break;
    }
    if (next.plan.shape == ResponseShape::kReset) {
      if (!c.out.empty()) break;  // earlier responses leave first
      close_connection(c, true);
      return true;
    }
    if (next.plan.sse_subscribe) {
      if (!c.out.empty()) break;  // earlier responses leave first
      c.pending.pop();
      streams_.on_subscribe_due(c, now);
      service_stream(c, now);
      return true;
    }
    if (!c.out.has_room()) break;
    if (next.plan.sse_publish) streams_.on_publish_due(c);
    c.out.append_response(next.plan);
    c.active_ns = now;
    if (next.plan.close_after) c.finish_after_output = true;
    c.pending.pop();
    progress = true;
  }
  if (!c.out.empty()) {
    int written = flush(c);
    if (written < 0) return true;
    progress = progress || written > 0;
  }
  if (c.out.empty() && c.finish_after_output) {
    begin_linger(c, now);
    return true;
  }
  return progress;
}

// One sendmsg of what is queued: 1 when bytes went out, 0 when the socket is full,
// -1 when the connection is gone (and closed).
int ServeLoop::flush(ServeConnection& c) {
  iovec iov[kMaxIovecs];
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = static_cast<std::size_t>(c.out.gather(iov, kMaxIovecs));
  // MSG_NOSIGNAL: a client that vanished is an EPIPE here, not a SIGPIPE for the process.
  ssize_t written = sendmsg(c.fd, &message, MSG_NOSIGNAL);
  if (written < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    close_connection(c, false);
    return -1;
  }
  c.out.consume(static_cast<std::size_t>(written));
  return 1;
}

// A subscriber: what the client sends is discarded, its close ends the stream; events and
// keep-alive comments are written as they come (not held by --stall), never an idle close.
void ServeLoop::service_stream(ServeConnection& c, std::int64_t now) {
  c.in.clear();
  if (c.read_eof || streams_.write(c, now) < 0) {
    close_connection(c, false);
    return;
  }
  // One timer per quiet interval, not one per event: an earlier wake-up re-arms it when it fires.
  if (c.wake_at_ns == 0 || c.wake_at_ns > c.stream.next_keepalive_ns) wake_at(c, c.stream.next_keepalive_ns);
  update_interest(c, now);
}

void ServeLoop::begin_linger(ServeConnection& c, std::int64_t now) {
  c.finish_after_output = false;
  if (c.read_eof) {
    close_connection(c, false);
    return;
  }
  shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.in.clear();
  c.pending.clear();
  wake_at(c, now + kLingerNs);
  update_interest(c, now);
}

void ServeLoop::close_connection(ServeConnection& c, bool reset) {
  if (reset) {
    // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    linger abort_on_close{1, 0};
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  }
  close(c.fd);
  c.fd = -1;
  ++c.token;
  c.interest = 0;
  c.wake_at_ns = 0;
  c.read_eof = c.input_closed = c.finish_after_output = c.lingering = false;
  c.reader = RequestReader{};
  c.in.clear();
  c.pending.clear();
  c.out.clear();
  c.stream = {};
  free_slots_.push_back(c.slot);
  shared_.connections.fetch_sub(1, std::memory_order_relaxed);
}

void ServeLoop::update_interest(ServeConnection& c, std::int64_t now) {
  std::uint32_t want = 0;
  if (c.stream.active) {
    want = EPOLLIN | (streams_.owes(c) ? EPOLLOUT : 0u);  // EPOLLIN: to see the client leave
  } else if (c.lingering) {
    want = EPOLLIN;
  } else {
    if (!c.read_eof && !c.input_closed && c.in.can_take_more()) want |= EPOLLIN;
    // Not during a stall: level-triggered EPOLLOUT would spin until it ends.
    if (!c.out.empty() && stall_end(shared_, now) == 0) want |= EPOLLOUT;
  }
  if (want == c.interest) return;
  epoll_event event{};
  event.events = want;
  event.data.u64 = event_tag(c);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &event) == 0) c.interest = want;
}

void ServeLoop::wake_at(ServeConnection& c, std::int64_t when_ns) {
  if (c.wake_at_ns == when_ns) return;
  // Earlier entries for this connection become stale: only the latest wake_at_ns counts.
  c.wake_at_ns = when_ns;
  timers_.push(Timer{when_ns, c.slot, c.token});
}

ServeConnection* ServeLoop::timer_target(const Timer& timer) noexcept {
  ServeConnection* c = find(timer.slot, timer.token);
  return (c != nullptr && c->wake_at_ns == timer.due_ns) ? c : nullptr;
}

void ServeLoop::run_timers(std::int64_t now) {
  while (!timers_.empty() && timers_.top().due_ns <= now) {
    Timer timer = timers_.top();
    timers_.pop();
    ServeConnection* c = timer_target(timer);
    if (c == nullptr) continue;
    c->wake_at_ns = 0;
    if (c->lingering) {
      close_connection(*c, false);  // the client never closed its side
    } else {
      service(*c, now);
    }
  }
}

void ServeLoop::arm_timer() {
  while (!timers_.empty() && timer_target(timers_.top()) == nullptr) timers_.pop();
  if (timers_.empty() || timers_.top().due_ns == timer_armed_ns_) return;
  timer_armed_ns_ = timers_.top().due_ns;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(timer_armed_ns_ / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(timer_armed_ns_ % 1'000'000'000);
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

// Up to `wanted` descriptors: each connection holds one.
void raise_descriptor_limit(rlim_t wanted) noexcept {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

TargetServer::TargetServer(ServeOptions options) : options_(std::move(options)) {
  if (options_.threads < 1) throw std::invalid_argument("threads must be at least 1");
  if (options_.stall.count() > 0 && options_.stall >= options_.stall_every) {
    throw std::invalid_argument("stall must be shorter than its period");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options_.port);
  const std::string where = options_.host + ":" + port_text;
  if (int rc = getaddrinfo(options_.host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    throw RunError("cannot listen on " + where + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  int last_errno = 0;
  for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      last_errno = errno;
      close(fd);
      continue;
    }
    listen_fd_ = fd;
  }
  if (listen_fd_ < 0) throw RunError("cannot listen on " + where + ": " + std::strerror(last_errno));
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  raise_descriptor_limit(static_cast<rlim_t>(options_.max_connections) + 64);
}

TargetServer::~TargetServer() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

void TargetServer::run(const std::atomic<bool>& stop) {
  SharedState shared{options_, listen_fd_, monotonic_ns()};
  std::random_device entropy;
  const std::uint64_t seed = (std::uint64_t{entropy()} << 32) ^ entropy();
  std::vector<std::unique_ptr<ServeLoop>> loops;
  for (int i = 0; i < options_.threads; ++i) {
    loops.push_back(std::make_unique<ServeLoop>(shared, seed + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL));
  }
  std::vector<std::exception_ptr> errors(loops.size());
  auto serve = [&](std::size_t i) {
    try {
      loops[i]->run(stop);
    } catch (...) {
      errors[i] = std::current_exception();
      shared.failed = true;  // the other loops end too
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < loops.size(); ++i) threads.emplace_back(serve, i);
  serve(0);
  for (auto& t : threads) t.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace perfgate::serve
