// One run's callbacks from start to end: the ledger the load threads write, the listener that
// reads the callbacks, and the end's wait for the stragglers.
//
//   CallbackSession session(options, timeout, load_options.run_nonce);  // binds: RunError if it cannot
//   load_options.observer = &session;                       // the engine tells it each send and response
//   load_options.callback_url = session.url();              // what ${callback_url} expands to
//   session.start();  ... the load runs ...
//   http::CallbackTotals totals = session.finish(&stop);   // waits up to the timeout, stops
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "callback/callback_listener.hpp"
#include "core/units.hpp"
#include "http/callback_ledger.hpp"
#include "http/load_engine.hpp"

namespace perfgate::callback {

class CallbackSession : public http::RequestObserver {
 public:
  CallbackSession(ListenerOptions options, Nanos timeout, std::uint32_t run_nonce);

  // The load threads: a request's seq and latency start before it is written; an ok direct
  // response makes its callback expected.
  void on_sent(const http::SentRequest& request) noexcept override {
    ledger_->sent(request.seq, request.scheduled_ns, request.measured);
  }
  void on_response(std::uint64_t seq, bool ok) noexcept override {
    if (ok) ledger_->responded_ok(seq);
  }

  http::CallbackLedger& ledger() noexcept { return *ledger_; }
  const std::string& url() const noexcept { return listener_->url(); }
  std::uint32_t run_nonce() const noexcept { return run_nonce_; }

  void start() { listener_->start(); }
  // After the load: waits until every expected callback came, the timeout passed or `stop`
  // was set, then stops listening and counts. What never came is lost.
  http::CallbackTotals finish(const std::atomic<bool>* stop);

 private:
  std::string id_from_;
  Nanos timeout_;
  std::uint32_t run_nonce_;
  std::unique_ptr<http::CallbackLedger> ledger_;
  std::unique_ptr<CallbackListener> listener_;
};

}  // namespace perfgate::callback
