// The publisher of an SSE run: POSTs the k-th event's body (the template with seq = k) to the
// publish URL at start + k / rate, over a few keep-alive connections on its own thread. A
// publish due while every connection is busy waits for one (its events' latency still runs
// from the schedule). Knows each publish's outcome, so that only events that were published
// can be lost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/histogram.hpp"
#include "http/response_parser.hpp"
#include "sse/run_state.hpp"
#include "sse/sse_engine.hpp"

namespace perfgate::sse {

class Publisher {
 public:
  Publisher(const SseOptions& options, RunState& state);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void run() noexcept;

  struct Stats {
    std::vector<std::uint8_t> ok;  // per seq: 1 when the publish was answered 2xx
    std::uint64_t published = 0, errors = 0;
    Histogram lag;  // actual send - due, for publishes that found a connection free
    std::string last_error;
    bool ever_connected = false;
    double cpu_s = 0;
  };
  const Stats& stats() const noexcept { return stats_; }

 private:
  enum class State : std::uint8_t { kClosed, kConnecting, kIdle, kBusy };
  struct Connection {
    int fd = -1;
    State state = State::kClosed;
    std::uint64_t seq = 0;
    std::int64_t deadline_ns = 0;
    std::string unsent;
    http::ResponseParser parser;
  };

  void open(Connection& c, std::int64_t now);
  void close(Connection& c);
  void fail(Connection& c, const std::string& why);
  void send(Connection& c, std::uint64_t seq, std::int64_t now);
  void on_event(Connection& c, std::uint32_t events, std::int64_t now);
  void flush(Connection& c);
  Connection* idle_connection();

  const SseOptions& options_;
  const PublishOptions& publish_;
  RunState& state_;
  int epoll_fd_ = -1;
  std::vector<Connection> connections_;
  std::string head_;  // the request up to Content-Length's value
  std::string body_;
  std::vector<char> buffer_;
  Stats stats_;
  std::uint64_t planned_ = 0;
  std::uint32_t run_nonce_ = 0;
  std::uint64_t rng_state_ = 0;
};

}  // namespace perfgate::sse
