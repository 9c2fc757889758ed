// One load thread; see load_worker.hpp. The per-request path is: epoll wakes us, one
// read(), the parser finds the end of the response, the latency is recorded, and (closed
// model) the next request is written at once from the same callback — no epoll_ctl and no
// extra read per request, which is where a load generator's CPU goes.
#include "http/load_worker.hpp"

#include <fcntl.h>
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
#include "core/event_wait.hpp"

namespace perfgate::http {
namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxEvents = 256;
constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kMaxSleepNs = 50'000'000;  // wake at least this often to see a stop

}  // namespace

std::int64_t StartLine::arrive_and_wait() {
  std::unique_lock lock(mutex_);
  if (--waiting_ == 0) {
    start_ns_.store(monotonic_ns(), std::memory_order_release);
    started_.notify_all();
  } else {
    started_.wait(lock, [this] { return waiting_ == 0; });
  }
  return start_ns_.load(std::memory_order_acquire);
}

LoadWorker::LoadWorker(const LoadOptions& options, WorkerPlan plan, const std::atomic<bool>& stop, StartLine& start_line,
                       std::atomic<std::uint64_t>& sequence)
    : options_(options), plan_(plan), sequence_(sequence), stop_(stop), start_line_(start_line),
      connections_(static_cast<std::size_t>(plan.connections)), read_buffer_(kReadBufferBytes) {
  // Templated requests: every connection gets a buffer for the largest, made here, before the
  // clock, so that no request allocates.
  std::size_t largest = 0;
  for (const auto& r : options_.request_set) {
    if (r.templated) largest = std::max(largest, r.templated->max_size());
    if (r.templated && r.templated->uses_seq()) takes_seq_ = true;
  }
  if (options_.request_set.size() > 1 || options_.observer != nullptr) takes_seq_ = true;
  if (largest != 0) {
    for (auto& c : connections_) c.send_buffer = std::make_unique<char[]>(largest);
  }
  rng_state_ = random_seed();
  template_values_.run_nonce = options_.run_nonce;
  template_values_.callback_url = options_.callback_url;
  template_values_.rng_state = &rng_state_;
  idle_.reserve(connections_.size());
  ready_to_send_.reserve(connections_.size() * 2);
  // Check timeouts often enough that a timeout is seen within ~5% of its length.
  scan_interval_ns_ = std::clamp<std::int64_t>(options_.timeout.count() / 20, 1'000'000, 100'000'000);
}

LoadWorker::~LoadWorker() {
  for (auto& c : connections_) close_connection(c);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::vector<PublishedSecond> LoadWorker::published_since(std::size_t from) { return published_.since(from); }

std::size_t LoadWorker::published_count() { return published_.count(); }

void LoadWorker::forget_published_before(std::size_t upto) { published_.forget_before(upto); }

std::int64_t LoadWorker::scheduled_ns(std::uint64_t k) const noexcept {
  return plan_.first_send_ns + static_cast<std::int64_t>(static_cast<double>(k) * plan_.interval_ns);
}

bool LoadWorker::may_send_more() const noexcept {
  if (stopping_) return false;
  return plan_.request_budget == 0 || measured_sent_ < plan_.request_budget;
}

void LoadWorker::set_interest(Connection& c, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void LoadWorker::open_connection(Connection& c, std::int64_t now) {
  const auto& addr = options_.address;
  c.fd = ::socket(addr.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    on_connect_failed(c, now, errno);
    return;
  }
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr.storage), addr.length);
  if (rc != 0 && errno != EINPROGRESS) {
    on_connect_failed(c, now, errno);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev);
  c.state = ConnState::kConnecting;
  c.deadline_ns = now + options_.timeout.count();
}

void LoadWorker::close_connection(Connection& c) {
  if (c.fd >= 0) {
    ::close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
  }
  if (c.state == ConnState::kIdle) {
    auto it = std::find(idle_.begin(), idle_.end(), &c);
    if (it != idle_.end()) idle_.erase(it);
  }
  c.state = ConnState::kClosed;
}

void LoadWorker::on_connected(Connection& c, std::int64_t now) {
  ++stats_.connects_ok;
  c.consecutive_connect_failures = 0;
  set_interest(c, EPOLLIN);
  became_idle(c, now);
}

void LoadWorker::on_connect_failed(Connection& c, std::int64_t now, int error) {
  if (c.fd >= 0) {
    ::close(c.fd);
    c.fd = -1;
  }
  ++stats_.connect_failures;
  stats_.last_connect_error = std::strerror(error);
  // Closed model: a failed connect takes the place of the request it was for. Open model: a
  // connection attempt is not a request; requests due meanwhile wait (abandon_due).
  if (!plan_.open_model && may_send_more() && now >= plan_.measure_start_ns) {
    ++measured_sent_;
    ++stats_.error_classes.connect;
    count_request(true, false, now);
  }
  if (stats_.connects_ok == 0 && stats_.connect_failures >= connections_.size()) unreachable_ = true;
  // Back off so a refusing target is not hammered: 10 ms doubling up to 1 s.
  std::uint32_t shift = std::min<std::uint32_t>(c.consecutive_connect_failures, 7);
  ++c.consecutive_connect_failures;
  c.state = ConnState::kBackoff;
  c.deadline_ns = now + std::min<std::int64_t>(10'000'000LL << shift, kSecondNs);
}

void LoadWorker::became_idle(Connection& c, std::int64_t now) {
  c.state = ConnState::kIdle;
  c.idle_since_ns = now;
  if (plan_.open_model) {
    idle_.push_back(&c);
    dispatch_due(now);
  } else {
    ready_to_send_.push_back(&c);
  }
}

void LoadWorker::send_ready() {
  // Sends are gathered over one batch of events and written together, as wrk does: the
  // server then finds many requests per wake-up instead of one, and serves more of them.
  // Each send is stamped on its own (send_request), so a batch does not lend its first
  // timestamp to the others.
  for (Connection* c : ready_to_send_) {
    if (c->state == ConnState::kIdle && may_send_more()) send_request(*c, -1);
  }
  ready_to_send_.clear();
}

void LoadWorker::send_request(Connection& c, std::int64_t due) {
  std::int64_t now = monotonic_ns();
  // Closed model: once the window is over nothing new is sent (the loop notices at its top;
  // a batch of events may run past the end before that).
  if (due < 0 && plan_.end_ns != 0 && now >= plan_.end_ns) return;
  c.sent_ns = now;
  c.latency_start_ns = due >= 0 ? due : now;
  c.deadline_ns = now + options_.timeout.count();
  c.measured = c.latency_start_ns >= plan_.measure_start_ns;
  if (c.measured) ++measured_sent_;
  if (options_.request_set.empty() && options_.observer == nullptr) {
    c.request = options_.request.data();
    c.request_size = options_.request.size();
    c.parser.reset(options_.head_request);
  } else {
    next_request(c);
  }
  // In flight from here: a send that fails at once is this request's outcome.
  c.state = ConnState::kWriting;
  ssize_t n = ::send(c.fd, c.request, c.request_size, MSG_NOSIGNAL);
  if (n == static_cast<ssize_t>(c.request_size)) {
    c.state = ConnState::kReading;
    return;
  }
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    on_transport_error(c, now, &ErrorCounts::reset);
    return;
  }
  c.written = n > 0 ? static_cast<std::size_t>(n) : 0;
  set_interest(c, EPOLLIN | EPOLLOUT);
}

void LoadWorker::next_request(Connection& c) {
  std::uint64_t seq = takes_seq_ ? sequence_.fetch_add(1, std::memory_order_relaxed) : 0;
  c.seq = seq;
  if (options_.observer != nullptr) {
    options_.observer->on_sent({.seq = seq, .scheduled_ns = c.latency_start_ns, .sent_ns = c.sent_ns,
                                .measured = c.measured, .worker = plan_.index});
  }
  const auto& set = options_.request_set;
  if (set.empty()) {
    c.request = options_.request.data();
    c.request_size = options_.request.size();
    c.parser.reset(options_.head_request);
    return;
  }
  const PreparedRequest& r = set.size() == 1 ? set.front() : set[seq % set.size()];
  c.parser.reset(r.head_request);
  if (!r.templated) {
    c.request = r.fixed.data();
    c.request_size = r.fixed.size();
    return;
  }
  template_values_.seq = seq;
  if (r.templated->uses_now_ms()) template_values_.now_ms = static_cast<std::uint64_t>(wall_ns() / 1'000'000);
  c.request = c.send_buffer.get();
  c.request_size = r.templated->write(c.send_buffer.get(), template_values_);
}

void LoadWorker::on_writable(Connection& c, std::int64_t now) {
  ssize_t n = ::send(c.fd, c.request + c.written, c.request_size - c.written, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    on_transport_error(c, now, &ErrorCounts::reset);
    return;
  }
  c.written += static_cast<std::size_t>(n);
  if (c.written == c.request_size) {
    c.state = ConnState::kReading;
    set_interest(c, EPOLLIN);
  }
}

void LoadWorker::dispatch_due(std::int64_t now) {
  if (!started_) return;
  while (!idle_.empty() && may_send_more()) {
    std::int64_t due = scheduled_ns(next_scheduled_);
    if (due > now || (plan_.end_ns != 0 && due >= plan_.end_ns)) break;  // not yet, or after the window
    // When could this request have gone out? At its time, or when the first connection came
    // free. idle_ is in the order connections became idle, so that is its front; the request
    // goes out on the back one (the warmest), which changes nothing of when it could have gone.
    std::int64_t ready = std::max(due, idle_.front()->idle_since_ns);
    Connection& c = *idle_.back();
    idle_.pop_back();
    ++next_scheduled_;
    send_request(c, due);
    if (due >= plan_.measure_start_ns) {
      if (ready > due) {
        ++stats_.waited_for_connection;
        stats_.max_connection_wait_ns = std::max(stats_.max_connection_wait_ns, ready - due);
      }
      stats_.send_lag.record(std::max<std::int64_t>(c.sent_ns - ready, 1));
    }
  }
}

void LoadWorker::abandon_due(std::int64_t due, std::int64_t now, bool timed) {
  ++next_scheduled_;
  if (due < plan_.measure_start_ns) return;
  ++measured_sent_;
  ++stats_.waited_for_connection;
  stats_.max_connection_wait_ns = std::max(stats_.max_connection_wait_ns, now - due);
  if (timed) {
    file_at(now);
    second_latency_.record(std::max<std::int64_t>(now - due, 1));
    ++stats_.error_classes.timeout;
  } else {
    ++stats_.error_classes.connect;
  }
  count_request(true, false, now);
}

void LoadWorker::abandon_unsent_at_end() {
  // Due before the end but never sent: they count, with the time they had waited.
  if (!plan_.open_model || plan_.end_ns == 0) return;
  while (plan_.request_budget == 0 || measured_sent_ < plan_.request_budget) {
    std::int64_t due = scheduled_ns(next_scheduled_);
    if (due >= plan_.end_ns) break;
    abandon_due(due, plan_.end_ns, true);
  }
}

void LoadWorker::abandon_in_flight(std::int64_t now) {
  for (auto& c : connections_) {
    if ((c.state == ConnState::kReading || c.state == ConnState::kWriting) && c.measured) on_timeout(c, now);
  }
}

void LoadWorker::file_at(std::int64_t now) {
  // Completions awaited after the end (the grace period) belong to the window's last second.
  std::int64_t at = plan_.end_ns != 0 ? std::min(now, plan_.end_ns - 1) : now;
  while (at >= second_end_ns_) roll_second(second_end_ns_);
}

void LoadWorker::count_request(bool measured, bool ok, std::int64_t now) {
  if (!measured) return;
  file_at(now);
  ++measured_done_;
  ++stats_.total;
  ++second_requests_;
  if (ok) {
    ++stats_.ok;
  } else {
    ++stats_.errors;
    ++second_errors_;
  }
  stats_.measured_until_ns = now;
  completed_published_.store(stats_.total, std::memory_order_relaxed);
  errors_published_.store(stats_.errors, std::memory_order_relaxed);
}

void LoadWorker::on_response_complete(Connection& c, std::int64_t now) {
  int status = c.parser.status();
  bool ok = status < 400;
  if (c.measured) {
    file_at(now);
    // Only the current second's histogram is touched per response; it is merged into the
    // run's histogram once a second (roll_second), which halves the recording work.
    second_latency_.record(now - c.latency_start_ns);
    if (plan_.open_model) stats_.uncorrected.record(now - c.sent_ns);
    if (status >= 0 && status < 1000) ++stats_.status[static_cast<std::size_t>(status)];
    if (options_.observer != nullptr) options_.observer->on_response(c.seq, ok);
  }
  count_request(c.measured, ok, now);
  if (!c.parser.keep_alive()) {
    close_connection(c);
    if (!stopping_) open_connection(c, now);
    return;
  }
  became_idle(c, now);
}

void LoadWorker::on_timeout(Connection& c, std::int64_t now) {
  // A stalled request shows in the percentiles at the latency it had when abandoned.
  if (c.measured) {
    file_at(now);
    second_latency_.record(now - c.latency_start_ns);
    if (plan_.open_model) stats_.uncorrected.record(now - c.sent_ns);
  }
  on_transport_error(c, now, &ErrorCounts::timeout);
}

void LoadWorker::on_transport_error(Connection& c, std::int64_t now, std::uint64_t ErrorCounts::*error_class) {
  bool in_flight = c.state == ConnState::kReading || c.state == ConnState::kWriting;
  if (in_flight && c.measured) {
    ++(stats_.error_classes.*error_class);
  }
  if (in_flight) count_request(c.measured, false, now);
  close_connection(c);
  if (!stopping_) open_connection(c, now);
}

void LoadWorker::on_readable(Connection& c) {
  while (true) {
    ssize_t n = ::read(c.fd, read_buffer_.data(), read_buffer_.size());
    std::int64_t now = monotonic_ns();
    if (n > 0) {
      if (c.measured) stats_.bytes_read += static_cast<std::uint64_t>(n);
      if (c.state != ConnState::kReading && c.state != ConnState::kWriting) {
        // Bytes nobody asked for: the connection can no longer be trusted.
        on_transport_error(c, now, &ErrorCounts::protocol);
        return;
      }
      ParseResult result = c.parser.feed(read_buffer_.data(), static_cast<std::size_t>(n));
      if (result.state == ParseState::kError) {
        on_transport_error(c, now, &ErrorCounts::protocol);
        return;
      }
      if (result.state == ParseState::kComplete) {
        if (result.consumed != static_cast<std::size_t>(n)) {
          on_transport_error(c, now, &ErrorCounts::protocol);
          return;
        }
        on_response_complete(c, now);
        return;  // level-triggered epoll tells us if more is waiting
      }
      if (static_cast<std::size_t>(n) < read_buffer_.size()) return;
      continue;  // a full buffer: more is probably waiting
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    // End of stream or an error: the server closed the connection.
    bool in_flight = c.state == ConnState::kReading || c.state == ConnState::kWriting;
    if (in_flight && n == 0 && c.parser.finish_on_eof() == ParseState::kComplete) {
      on_response_complete(c, now);  // an HTTP/1.0 body ended by the close
      return;
    }
    on_transport_error(c, now, &ErrorCounts::reset);
    return;
  }
}

void LoadWorker::on_event(Connection& c, std::uint32_t events) {
  if (c.state == ConnState::kConnecting) {
    std::int64_t now = monotonic_ns();
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
      on_connect_failed(c, now, error != 0 ? error : ECONNREFUSED);
    } else if ((events & EPOLLOUT) != 0) {
      on_connected(c, now);
    }
    return;
  }
  if ((events & EPOLLOUT) != 0 && c.state == ConnState::kWriting) on_writable(c, monotonic_ns());
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && c.fd >= 0) on_readable(c);
}

void LoadWorker::scan_deadlines(std::int64_t now) {
  bool connected = false;
  for (auto& c : connections_) {
    switch (c.state) {
      case ConnState::kReading:
      case ConnState::kWriting:
        if (now >= c.deadline_ns) {
          on_timeout(c, now);
        } else {
          connected = true;
        }
        break;
      case ConnState::kIdle:
        connected = true;
        break;
      case ConnState::kConnecting:
        if (now >= c.deadline_ns) on_connect_failed(c, now, ETIMEDOUT);
        break;
      case ConnState::kBackoff:
        if (now >= c.deadline_ns && !stopping_) open_connection(c, now);
        break;
      default:
        break;
    }
  }
  // Open model: a request that found no connection within its timeout fails, once. With no
  // connection at all that is a connect error; otherwise it timed out waiting for one.
  if (plan_.open_model && started_) {
    while (may_send_more()) {
      std::int64_t due = scheduled_ns(next_scheduled_);
      if (due + options_.timeout.count() > now) break;
      abandon_due(due, now, connected);
    }
  }
  next_scan_ns_ = now + scan_interval_ns_;
}

PublishedSecond close_second(Histogram& second_latency, Histogram& run_latency, std::uint64_t requests,
                             std::uint64_t errors, double end_s) {
  PublishedSecond second;
  second.requests = requests;
  second.errors = errors;
  second.end_s = end_s;
  run_latency.merge(second_latency);
  for (std::int32_t i = 0; i < second_latency.counts_len(); ++i) {
    if (std::int64_t count = second_latency.count_at_index(i); count != 0) second.counts.emplace_back(i, count);
  }
  second_latency.reset();
  return second;
}

void LoadWorker::roll_second(std::int64_t end) {
  PublishedSecond second = close_second(second_latency_, stats_.latency, second_requests_, second_errors_,
                                        static_cast<double>(end - plan_.measure_start_ns) / 1e9);
  second_requests_ = 0;
  second_errors_ = 0;
  second_end_ns_ += kSecondNs;
  published_.publish(std::move(second));
}

bool LoadWorker::done(std::int64_t now) const noexcept {
  if (plan_.end_ns != 0 && now >= plan_.end_ns) return true;
  if (plan_.request_budget != 0 && measured_done_ >= plan_.request_budget) return true;
  return false;
}

std::int64_t LoadWorker::next_wakeup(std::int64_t now) const noexcept {
  std::int64_t wake = std::min(now + kMaxSleepNs, next_scan_ns_);
  if (second_end_ns_ > now) wake = std::min(wake, second_end_ns_);
  if (plan_.end_ns > now) wake = std::min(wake, plan_.end_ns);
  if (plan_.open_model && !idle_.empty() && may_send_more()) wake = std::min(wake, scheduled_ns(next_scheduled_));
  return std::max<std::int64_t>(wake - now, 0);
}

void LoadWorker::connect_all() {
  // Make the connections before the clock starts, bounded by the timeout (and a stop). A
  // connection that fails here retries later, as in the run.
  std::int64_t now = monotonic_ns();
  for (auto& c : connections_) open_connection(c, now);
  epoll_event events[kMaxEvents];
  while (!stop_.load(std::memory_order_relaxed)) {
    bool connecting = false;
    for (auto& c : connections_) {
      if (c.state != ConnState::kConnecting) continue;
      if (now >= c.deadline_ns) {
        on_connect_failed(c, now, ETIMEDOUT);
      } else {
        connecting = true;
      }
    }
    if (!connecting) break;
    int n = wait_for_events(epoll_fd_, events, kMaxSleepNs);
    for (int i = 0; i < n; ++i) on_event(*static_cast<Connection*>(events[i].data.ptr), events[i].events);
    now = monotonic_ns();
  }
  ready_to_send_.clear();  // sent once the clock starts: every idle connection
}

void LoadWorker::start_clock(std::int64_t start) {
  plan_.start_ns = start;
  plan_.measure_start_ns = start + plan_.warmup_ns;
  plan_.end_ns = plan_.duration_ns != 0 ? plan_.measure_start_ns + plan_.duration_ns : 0;
  plan_.first_send_ns = start + plan_.first_send_offset_ns;
  second_end_ns_ = plan_.measure_start_ns + kSecondNs;
  next_scan_ns_ = start + scan_interval_ns_;
  started_ = true;
  for (auto& c : connections_) {
    if (c.state != ConnState::kIdle) continue;
    c.idle_since_ns = start;
    if (!plan_.open_model) ready_to_send_.push_back(&c);
  }
}

void LoadWorker::run() noexcept {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  connect_all();
  start_clock(start_line_.arrive_and_wait());
  std::int64_t now = monotonic_ns();
  double cpu_at_measure_start = thread_cpu_seconds();
  bool measuring = now >= plan_.measure_start_ns;
  bool draining = false;
  bool interrupted = false;
  std::int64_t drain_until = 0;
  epoll_event events[kMaxEvents];
  if (!ready_to_send_.empty()) send_ready();
  while (true) {
    now = monotonic_ns();
    if (!measuring && now >= plan_.measure_start_ns) {
      measuring = true;
      cpu_at_measure_start = thread_cpu_seconds();
    }
    if (unreachable_ || stop_.load(std::memory_order_relaxed)) {
      interrupted = true;  // what is in flight is dropped, not awaited
      break;
    }
    if (!draining && done(now)) {
      // Nothing new is sent; what is in flight is awaited up to the grace period.
      abandon_unsent_at_end();
      stopping_ = true;
      draining = true;
      drain_until = std::max(now, plan_.end_ns) + plan_.grace_ns;
    }
    if (draining && (measured_done_ >= measured_sent_ || now >= drain_until)) break;
    if (measuring) file_at(now);
    if (now >= next_scan_ns_) scan_deadlines(now);
    if (plan_.open_model) dispatch_due(now);
    std::int64_t sleep_ns = next_wakeup(now);
    if (draining) sleep_ns = std::min(sleep_ns, std::max<std::int64_t>(drain_until - now, 0));
    int n = wait_for_events(epoll_fd_, events, sleep_ns);
    for (int i = 0; i < n; ++i) {
      on_event(*static_cast<Connection*>(events[i].data.ptr), events[i].events);
    }
    if (!ready_to_send_.empty()) send_ready();
  }
  stopping_ = true;
  now = monotonic_ns();
  if (!interrupted) abandon_in_flight(now);  // still not complete after the grace period: timeouts
  if (interrupted) {
    stats_.measured_until_ns = plan_.end_ns != 0 ? std::min(now, plan_.end_ns) : now;
  } else if (plan_.end_ns != 0 && (plan_.request_budget == 0 || measured_done_ < plan_.request_budget)) {
    stats_.measured_until_ns = plan_.end_ns;
  }
  stats_.measured_until_ns = std::max(stats_.measured_until_ns, plan_.measure_start_ns);
  if (second_requests_ != 0 || second_end_ns_ - kSecondNs < stats_.measured_until_ns) {
    roll_second(std::min(stats_.measured_until_ns, second_end_ns_));
  }
  stats_.cpu_s = thread_cpu_seconds() - cpu_at_measure_start;
  for (auto& c : connections_) close_connection(c);
}

}  // namespace perfgate::http
