// The callback listener: a small HTTP/1.1 server on its own thread and epoll loop that a
// service under test calls back when an asynchronous job is done. It answers every request
// 200 at once (keep-alive or one-shot, as the caller asks), reads the id the callback carries
// (IdSource), and files the arrival in the run's CallbackLedger: the first arrival per id is
// timed, the others are duplicates, an id the run never sent is unknown.
//
//   CallbackListener listener({.host = "127.0.0.1", .port = 0, .id = source}, ledger, run_nonce);
//   listener.start();                       // binds in the constructor; serves on its thread
//   ... the load runs; requests carry listener.url() as ${callback_url} ...
//   listener.stop();
//   listener.latency(), listener.duplicates(), listener.unknown()
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "callback/id_source.hpp"
#include "core/histogram.hpp"
#include "http/callback_ledger.hpp"

namespace perfgate::callback {

struct ListenerOptions {
  std::string host = "127.0.0.1";  // 127.0.0.1 or ::1
  std::uint16_t port = 0;          // 0: any free port
  IdSource id;
};

class CallbackListener {
 public:
  // Binds and listens; throws RunError when it cannot (the port is taken).
  CallbackListener(ListenerOptions options, http::CallbackLedger& ledger, std::uint32_t run_nonce);
  ~CallbackListener();
  CallbackListener(const CallbackListener&) = delete;
  CallbackListener& operator=(const CallbackListener&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // "http://127.0.0.1:PORT/callback" ("http://[::1]:PORT/callback").
  const std::string& url() const noexcept { return url_; }

  void start();
  void stop();  // idempotent; also in the destructor

  // Counts so far (any thread); the latency histogram once stopped.
  std::uint64_t callbacks() const noexcept { return callbacks_.load(std::memory_order_relaxed); }
  std::uint64_t duplicates() const noexcept { return duplicates_.load(std::memory_order_relaxed); }
  std::uint64_t unknown() const noexcept { return unknown_.load(std::memory_order_relaxed); }
  const Histogram& latency() const noexcept { return latency_; }

 private:
  class Loop;
  void file(const std::optional<std::string>& id, std::int64_t now_ns);

  ListenerOptions options_;
  http::CallbackLedger& ledger_;
  std::uint32_t run_nonce_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string url_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::unique_ptr<Loop> loop_;
  Histogram latency_;
  std::atomic<std::uint64_t> callbacks_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> unknown_{0};
};

}  // namespace perfgate::callback
