// The callback listener; see callback_listener.hpp. One epoll loop (level-triggered) over the
// listening socket and the callers' connections. Each connection reads into its own buffer,
// the shared request reader (src/http) finds the requests in it, and each complete request
// is answered at once from a constant response. Callbacks are few next to the load's
// requests, so this side favours plainness over the load engine's care.
#include "callback/callback_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text_template.hpp"
#include "http/request_reader.hpp"

namespace perfgate::callback {
namespace {

constexpr int kMaxEvents = 64;
constexpr int kPollMs = 20;  // how soon the loop notices stop()
constexpr std::size_t kMaxConnections = 4096;
constexpr std::size_t kBodyBytes = 64 * 1024;  // a callback's body kept for json:FIELD
constexpr std::size_t kInputBytes = http::RequestReader::kMaxHeadBytes + 16 * 1024;
constexpr std::uint64_t kListenTag = ~std::uint64_t{0};

constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
constexpr std::string_view kOkClose = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view kBadRequest =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

[[noreturn]] void fail_system(const std::string& what) { throw RunError(what + ": " + std::strerror(errno)); }

struct Caller {
  int fd = -1;
  http::RequestReader reader;
  std::vector<char> input = std::vector<char>(kInputBytes);
  std::size_t start = 0, end = 0;  // unconsumed input
  std::vector<char> body = std::vector<char>(kBodyBytes);
  std::optional<std::string> id;   // read from the head of the request being read
  std::string output;              // answers not yet written
  bool closing = false;             // the request being read asked to close after its answer
  bool close_after_output = false;
};

}  // namespace

class CallbackListener::Loop {
 public:
  explicit Loop(CallbackListener& owner) : owner_(owner) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) fail_system("callback listener: epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenTag;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, owner_.listen_fd_, &ev) != 0) fail_system("callback listener: epoll_ctl");
  }
  ~Loop() {
    for (auto& c : callers_) {
      if (c && c->fd >= 0) ::close(c->fd);
    }
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void run() {
    epoll_event events[kMaxEvents];
    while (!owner_.stop_.load(std::memory_order_acquire)) {
      owner_.ledger_.prepare_ahead();
      int n = epoll_wait(epoll_fd_, events, kMaxEvents, kPollMs);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kListenTag) {
          accept_callers();
        } else {
          on_event(static_cast<std::size_t>(events[i].data.u64), events[i].events);
        }
      }
    }
  }

 private:
  void accept_callers() {
    while (true) {
      int fd = accept4(owner_.listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      std::size_t slot = free_slot();
      if (slot == kMaxConnections) {
        ::close(fd);
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (!callers_[slot]) callers_[slot] = std::make_unique<Caller>();
      Caller& c = *callers_[slot];
      c.fd = fd;
      c.reader = http::RequestReader{};
      c.reader.keep_body_in(owner_.options_.id.needs_body() ? std::span<char>(c.body) : std::span<char>());
      c.start = c.end = 0;
      c.id.reset();
      c.output.clear();
      c.closing = c.close_after_output = false;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = slot;
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) close_caller(c);
    }
  }

  std::size_t free_slot() {
    for (std::size_t i = 0; i < callers_.size(); ++i) {
      if (!callers_[i] || callers_[i]->fd < 0) return i;
    }
    if (callers_.size() == kMaxConnections) return kMaxConnections;
    callers_.emplace_back();
    return callers_.size() - 1;
  }

  void close_caller(Caller& c) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }

  void on_event(std::size_t slot, std::uint32_t events) {
    if (slot >= callers_.size() || !callers_[slot] || callers_[slot]->fd < 0) return;
    Caller& c = *callers_[slot];
    if ((events & EPOLLOUT) != 0 && !flush(c, slot)) return;
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) return;
    if (c.start == c.end) c.start = c.end = 0;
    if (c.end == c.input.size() && c.start > 0) {
      std::memmove(c.input.data(), c.input.data() + c.start, c.end - c.start);
      c.end -= c.start;
      c.start = 0;
    }
    ssize_t n = ::read(c.fd, c.input.data() + c.end, c.input.size() - c.end);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      close_caller(c);
      return;
    }
    if (n < 0) return;
    c.end += static_cast<std::size_t>(n);
    std::int64_t now = monotonic_ns();
    while (!c.close_after_output) {
      std::string_view input(c.input.data() + c.start, c.end - c.start);
      http::RequestStep step = c.reader.feed(input);
      if (step.event == http::RequestEvent::kHead) {
        c.id = id_from_head(owner_.options_.id, c.reader.head());
        c.closing = !c.reader.head().keep_alive;
      }
      c.start += step.consumed;
      if (step.event == http::RequestEvent::kNeedMore) break;
      if (step.event == http::RequestEvent::kError) {
        c.output += kBadRequest;
        c.close_after_output = true;
      } else if (step.event == http::RequestEvent::kComplete) {
        if (owner_.options_.id.needs_body()) c.id = id_from_body(owner_.options_.id, c.reader.body());
        owner_.file(c.id, now);
        c.id.reset();
        c.output += c.closing ? kOkClose : kOk;
        c.close_after_output = c.closing;
      }
    }
    flush(c, slot);
  }

  // Writes what is owed; false when the connection was closed.
  bool flush(Caller& c, std::size_t slot) {
    if (!c.output.empty()) {
      ssize_t n = ::send(c.fd, c.output.data(), c.output.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        close_caller(c);
        return false;
      }
      if (n > 0) c.output.erase(0, static_cast<std::size_t>(n));
    }
    if (c.output.empty() && c.close_after_output) {
      close_caller(c);
      return false;
    }
    epoll_event ev{};
    ev.events = c.output.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT);
    ev.data.u64 = slot;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    return true;
  }

  CallbackListener& owner_;
  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<Caller>> callers_;
};

CallbackListener::CallbackListener(ListenerOptions options, http::CallbackLedger& ledger, std::uint32_t run_nonce)
    : options_(std::move(options)), ledger_(ledger), run_nonce_(run_nonce) {
  const bool v6 = options_.host.find(':') != std::string::npos;
  sockaddr_storage address{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(options_.port);
    if (inet_pton(AF_INET6, options_.host.c_str(), &a->sin6_addr) != 1) {
      throw RunError(fmt::format("callback listener: not an address: {}", options_.host));
    }
    length = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&address);
    a->sin_family = AF_INET;
    a->sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.host.c_str(), &a->sin_addr) != 1) {
      throw RunError(fmt::format("callback listener: not an address: {}", options_.host));
    }
    length = sizeof(sockaddr_in);
  }
  std::string where = fmt::format("{}{}{}:{}", v6 ? "[" : "", options_.host, v6 ? "]" : "", options_.port);
  listen_fd_ = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail_system("callback listener: socket");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listen_fd_, SOMAXCONN) != 0) {
    int error = errno;
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw RunError(fmt::format("cannot listen for callbacks on {}: {}", where, std::strerror(error)));
  }
  sockaddr_storage bound{};
  socklen_t bound_length = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_length);
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  url_ = fmt::format("http://{}{}{}:{}/callback", v6 ? "[" : "", options_.host, v6 ? "]" : "", port_);
  loop_ = std::make_unique<Loop>(*this);
}

CallbackListener::~CallbackListener() {
  stop();
  loop_.reset();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void CallbackListener::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop_->run(); });
}

void CallbackListener::stop() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

void CallbackListener::file(const std::optional<std::string>& id, std::int64_t now_ns) {
  callbacks_.fetch_add(1, std::memory_order_relaxed);
  std::optional<std::uint64_t> seq = id ? parse_request_id(*id, run_nonce_) : std::nullopt;
  if (!seq) {
    unknown_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  switch (ledger_.arrived(*seq, now_ns, latency_)) {
    case http::CallbackArrival::kDuplicate:
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      break;
    case http::CallbackArrival::kUnknown:
      unknown_.fetch_add(1, std::memory_order_relaxed);
      break;
    case http::CallbackArrival::kFirst:
    case http::CallbackArrival::kLate:
    case http::CallbackArrival::kWarmup:
      break;
  }
}

}  // namespace perfgate::callback
