// One run's callbacks; see callback_session.hpp.
#include "callback/callback_session.hpp"

#include <algorithm>
#include <thread>

#include "core/clock.hpp"

namespace perfgate::callback {
namespace {

constexpr std::int64_t kSettleNs = 200'000'000;

}  // namespace

CallbackSession::CallbackSession(ListenerOptions options, Nanos timeout, std::uint32_t run_nonce)
    : id_from_(options.id.text()), timeout_(timeout), run_nonce_(run_nonce),
      ledger_(std::make_unique<http::CallbackLedger>(timeout.count())),
      listener_(std::make_unique<CallbackListener>(std::move(options), *ledger_, run_nonce)) {}

http::CallbackTotals CallbackSession::finish(const std::atomic<bool>* stop) {
  const std::int64_t deadline = monotonic_ns() + timeout_.count();
  auto stopped = [&] { return stop != nullptr && stop->load(); };
  while (!ledger_->all_arrived() && monotonic_ns() < deadline && !stopped()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // A duplicate usually follows its first copy closely: listen a moment longer to count it.
  const std::int64_t settle_until = std::min(deadline, monotonic_ns() + kSettleNs);
  while (monotonic_ns() < settle_until && !stopped()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  listener_->stop();
  http::CallbackTotals totals;
  totals.url = listener_->url();
  totals.id_from = id_from_;
  totals.timeout_s = static_cast<double>(timeout_.count()) / 1e9;
  totals.latency = listener_->latency();
  totals.duplicate = listener_->duplicates();
  totals.unknown = listener_->unknown();
  ledger_->count_into(totals);
  return totals;
}

}  // namespace perfgate::callback
