// `perfgate serve` as a library: a configurable HTTP/1.1 target server for perfgate's own
// tests, demos and calibration. Latency, jitter, whole-server stalls, error rates and body
// sizes are set per server (ServeOptions) and per request (query parameters, see below).
//
//   perfgate::serve::ServeOptions options;
//   options.port = 0;                                    // any free port
//   options.latency = std::chrono::milliseconds(5);
//   perfgate::serve::TargetServer server(options);        // binds now; RunError if it cannot
//   std::atomic<bool> stop{false};
//   std::thread t([&] { server.run(stop); });            // serves until stop is true
//   ... talk to http://127.0.0.1:<server.port()>/ ...
//   stop = true; t.join();
//
// Per request, on any path and for any method:
//   ?delay=5ms       added latency (≤ 1h)     ?status=503     the status code (200..599)
//   ?size=10KB       body size                ?interim=1      "100 Continue" before the response
//   ?chunked=1       chunked body (several chunks, a chunk extension, a trailer)
//   ?close=1         HTTP/1.0 style: no Content-Length, the body ends with the close
//   ?connection_close=1   Content-Length response with "Connection: close", then close
//   ?reset=1         read the request, then reset the connection (RST) without answering
//   ?cut=1           Content-Length larger than the body sent, then close (a cut-off body)
//   ?garbage=1       a malformed status line, then close
//   ?callback_delay=50ms&callback_url=URL&id=ID   202 now, POST {"id": ID} to URL later (callbacks.hpp)
// `/health` always answers 200 "ok\n" (no --error-rate, no --body-size), still delayed by
// --latency and stalls, so readiness checks work against any configuration.
//
// Delays are timers (a min-heap per thread driving a timerfd), never sleeps: one thread
// serves thousands of connections whatever their delays.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace perfgate::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";  // an address or a name to listen on
  std::uint16_t port = 8080;       // 0: any free port (see TargetServer::port())
  int threads = 1;                 // event-loop threads sharing the listening socket
  int max_connections = 10000;     // beyond this, new connections are closed at once
  // A connection that owes no response and has sent no complete request for this long is
  // closed, so idle or trickling clients cannot hold every slot. Zero: never.
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(5);

  std::chrono::nanoseconds latency{0};  // added to every response
  std::chrono::nanoseconds jitter{0};   // uniform ±jitter on top of latency, never below 0
  // Every `stall_every`, the whole server writes nothing for `stall` (like a GC pause);
  // requests are still read. Zero: never. Requires stall < stall_every.
  std::chrono::nanoseconds stall{0};
  std::chrono::nanoseconds stall_every{0};
  double error_rate = 0;  // fraction (0..1) of responses answered 500
  // Body size of ordinary responses; without it the body is "ok\n".
  std::optional<std::uint64_t> body_bytes;
  // A request naming a callback_url is answered 202 at once and called back after this
  // (± jitter); see callbacks.hpp. Per request: ?callback_delay=.
  std::optional<std::chrono::nanoseconds> callback_delay;
};

// Longest ?delay (all of a request's added up): longer ones are answered 400.
inline constexpr std::chrono::nanoseconds kMaxServeDelay = std::chrono::hours(1);

// Largest body a response may have (--body-size, ?size): a guard against typos like 10GB.
inline constexpr std::uint64_t kMaxServeBodyBytes = std::uint64_t{1} << 30;

class TargetServer {
 public:
  // Binds and listens. Throws RunError when it cannot (address in use, unknown host),
  // std::invalid_argument when the options are inconsistent.
  explicit TargetServer(ServeOptions options);
  ~TargetServer();
  TargetServer(const TargetServer&) = delete;
  TargetServer& operator=(const TargetServer&) = delete;

  // The port actually listened on (the chosen one when options.port was 0).
  std::uint16_t port() const noexcept { return port_; }

  // Serves on options.threads threads (the calling one among them) until `stop` becomes
  // true; notices it within ~100 ms. Throws RunError if the event loop cannot be set up.
  void run(const std::atomic<bool>& stop);

 private:
  ServeOptions options_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace perfgate::serve
