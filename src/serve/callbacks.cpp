// serve's callbacks; see callbacks.hpp.
#include "serve/callbacks.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <span>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "http/message_fields.hpp"
#include "http/response_parser.hpp"
#include "http/url.hpp"

namespace perfgate::serve::detail {
namespace {

constexpr std::size_t kBodyBytes = 16 * 1024;  // a request body read for callback_url and id
constexpr int kIoTimeoutS = 5;                 // a callback receiver that hangs does not hang serve

constexpr std::string_view kAccepted = "accepted\n";
constexpr std::string_view kNoUrl = "?callback_delay needs a callback_url (query or JSON body field)\n";
constexpr std::string_view kNotLocal =
    "callback_url must be http:// on this machine (127.0.0.1, [::1] or localhost); serve calls back nowhere else\n";
constexpr std::string_view kNoId = "a callback needs an id (?id= or the JSON body field \"id\")\n";
constexpr std::string_view kBadDelay = "invalid ?callback_delay: expected a duration up to 1h like 50ms\n";

void answer(ResponsePlan& plan, std::uint16_t status, std::string_view body) {
  plan.shape = ResponseShape::kContentLength;
  plan.status = status;
  plan.body_period = body.data();
  plan.body_period_size = static_cast<std::uint32_t>(body.size());
  plan.body_bytes = body.size();
}

// One keep-alive connection per address the sender calls back to.
class Poster {
 public:
  ~Poster() {
    for (auto& [key, fd] : connections_) ::close(fd);
  }

  void post(const std::string& url_text, const std::string& id) {
    std::string error;
    auto url = http::parse_url(url_text, &error);
    if (!url) return;
    std::string body = nlohmann::json{{"id", id}}.dump();
    std::string request = fmt::format(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: perfgate-serve\r\nContent-Type: application/json\r\n"
        "Content-Length: {}\r\n\r\n{}",
        url->target, url->host_header(), body.size(), body);
    std::string key = url->host_header();
    // A reused connection may have been closed by the receiver meanwhile: one fresh try.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = connections_.count(key) != 0;
      int fd = reused ? connections_[key] : connect_to(*url);
      if (fd < 0) return;
      connections_[key] = fd;
      bool keep = false;
      if (exchange(fd, request, keep)) {
        if (!keep) drop(key);
        return;
      }
      drop(key);
      if (!reused) return;
    }
  }

 private:
  static int connect_to(const http::Url& url) {
    http::ResolvedAddress address;
    try {
      address = http::resolve(url);
    } catch (const RunError&) {
      return -1;
    }
    int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval timeout{kIoTimeoutS, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Sends the request and reads the whole response; false when the connection failed.
  static bool exchange(int fd, const std::string& request, bool& keep_alive) {
    std::size_t sent = 0;
    while (sent < request.size()) {
      ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    http::ResponseParser parser;
    parser.reset();
    char buffer[4096];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n == 0) return parser.started() && parser.finish_on_eof() == http::ParseState::kComplete;
      if (n < 0) return false;
      http::ParseResult result = parser.feed(buffer, static_cast<std::size_t>(n));
      if (result.state == http::ParseState::kError) return false;
      if (result.state == http::ParseState::kComplete) {
        keep_alive = parser.keep_alive();
        return true;
      }
    }
  }

  void drop(const std::string& key) {
    auto it = connections_.find(key);
    if (it == connections_.end()) return;
    ::close(it->second);
    connections_.erase(it);
  }

  std::map<std::string, int> connections_;
};

std::int64_t jittered(std::int64_t delay_ns, const ServeOptions& options, FastRandom& random) {
  if (options.jitter.count() <= 0) return delay_ns;
  double offset = (random.uniform() * 2.0 - 1.0) * static_cast<double>(options.jitter.count());
  return std::max<std::int64_t>(0, delay_ns + static_cast<std::int64_t>(offset));
}

}  // namespace

bool is_local_callback_url(std::string_view text) {
  std::string error;
  auto url = http::parse_url(text, &error);
  if (!url || url->scheme != "http") return false;
  return url->host == "127.0.0.1" || url->host == "::1" || url->host == "localhost";
}

CallbackSender::~CallbackSender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CallbackSender::post_at(std::int64_t due_ns, std::string url, std::string id) {
  {
    std::lock_guard lock(mutex_);
    queue_.push(Due{due_ns, next_order_++, std::move(url), std::move(id)});
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  changed_.notify_one();
}

void CallbackSender::run() {
  Poster poster;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      changed_.wait(lock);
      continue;
    }
    std::int64_t wait_ns = queue_.top().due_ns - monotonic_ns();
    if (wait_ns > 0) {
      changed_.wait_for(lock, std::chrono::nanoseconds(wait_ns));
      continue;
    }
    Due due = queue_.top();
    queue_.pop();
    lock.unlock();
    poster.post(due.url, due.id);
    lock.lock();
  }
}

void callback_on_head(const http::RequestHead& head, const ServeOptions& options, FastRandom& random,
                      http::RequestReader& reader, std::unique_ptr<CallbackRequest>& state, ResponsePlan& plan) {
  if (state) state->wanted = false;
  reader.keep_body_in({});
  auto query_delay = http::query_parameter(head.query(), "callback_delay");
  if (!query_delay && !options.callback_delay) return;
  // Readiness checks stay plain; a request answered 400 (a bad parameter) or 500 (--error-rate) has no job to call back about.
  if (head.path() == "/health" || plan.status >= 400) return;
  std::int64_t delay_ns = options.callback_delay ? options.callback_delay->count() : 0;
  if (query_delay) {
    auto delay = parse_duration(*query_delay);
    if (!delay || delay->count() < 0 || *delay > kMaxServeDelay) {
      answer(plan, 400, kBadDelay);
      return;
    }
    delay_ns = delay->count();
  }
  if (!state) state = std::make_unique<CallbackRequest>();
  CallbackRequest& r = *state;
  r.wanted = true;
  r.url_required = query_delay.has_value();
  r.delay_ns = jittered(delay_ns, options, random);
  auto url = http::query_parameter(head.query(), "callback_url");
  auto id = http::query_parameter(head.query(), "id");
  r.url = url ? http::percent_decode(*url) : std::string();
  r.id = id ? http::percent_decode(*id) : std::string();
  if (r.url.empty() && (head.content_length > 0 || head.chunked)) {
    if (r.body.empty()) r.body.resize(kBodyBytes);
    reader.keep_body_in(std::span<char>(r.body));
  }
}

void callback_on_complete(std::unique_ptr<CallbackRequest>& state, http::RequestReader& reader, std::int64_t now_ns,
                          CallbackSender& sender, ResponsePlan& plan) {
  if (!state || !state->wanted) return;
  CallbackRequest& r = *state;
  r.wanted = false;
  if (r.url.empty() && !reader.body().empty()) {
    r.url = http::json_field(reader.body(), "callback_url").value_or("");
    if (r.id.empty()) r.id = http::json_field(reader.body(), "id").value_or("");
  }
  reader.keep_body_in({});
  if (r.url.empty()) {
    if (r.url_required) answer(plan, 400, kNoUrl);
    return;  // --callback-delay, but this request wants no callback: answered as usual
  }
  if (!is_local_callback_url(r.url)) {
    answer(plan, 400, kNotLocal);
    return;
  }
  if (r.id.empty()) {
    answer(plan, 400, kNoId);
    return;
  }
  answer(plan, 202, kAccepted);
  sender.post_at(now_ns + r.delay_ns, std::move(r.url), std::move(r.id));
  r.url.clear();
  r.id.clear();
}

}  // namespace perfgate::serve::detail
