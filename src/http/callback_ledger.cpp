// The ledger of expected callbacks; see callback_ledger.hpp.
#include "http/callback_ledger.hpp"

#include <algorithm>
#include <new>

namespace perfgate::http {
namespace {

constexpr std::uint8_t kMeasured = 1;  // sent while measuring (not in the warm-up)
constexpr std::uint8_t kExpected = 2;  // its direct response was ok
constexpr std::uint8_t kArrived = 4;   // its first callback came within the timeout
constexpr std::uint8_t kLate = 8;      // its first callback came after the timeout

}  // namespace

CallbackLedger::CallbackLedger(std::int64_t timeout_ns) : timeout_ns_(timeout_ns) {
  if (entry(0, true) != nullptr) chunks_prepared_ = 1;
}

void CallbackLedger::prepare_ahead() noexcept {
  if (chunks_prepared_ == 0 || chunks_prepared_ >= kMaxChunks) return;
  Chunk* last = chunks_[chunks_prepared_ - 1].load(std::memory_order_acquire);
  if (last == nullptr || last->entries[0].start_ns.load(std::memory_order_relaxed) == 0) return;
  if (entry(chunks_prepared_ * kChunkEntries, true) != nullptr) ++chunks_prepared_;
}

CallbackLedger::~CallbackLedger() {
  for (auto& chunk : chunks_) delete chunk.load(std::memory_order_relaxed);
}

CallbackLedger::Entry* CallbackLedger::entry(std::uint64_t seq, bool create) noexcept {
  std::uint64_t index = seq / kChunkEntries;
  if (index >= kMaxChunks) return nullptr;
  std::atomic<Chunk*>& slot = chunks_[static_cast<std::size_t>(index)];
  Chunk* chunk = slot.load(std::memory_order_acquire);
  if (chunk == nullptr && create) {
    // Once per kChunkEntries requests; the thread that loses the race frees its copy.
    auto* made = new (std::nothrow) Chunk();
    if (made == nullptr) return nullptr;
    if (slot.compare_exchange_strong(chunk, made, std::memory_order_acq_rel)) {
      chunk = made;
    } else {
      delete made;
    }
  }
  return chunk == nullptr ? nullptr : &chunk->entries[static_cast<std::size_t>(seq % kChunkEntries)];
}

void CallbackLedger::sent(std::uint64_t seq, std::int64_t latency_start_ns, bool measured) noexcept {
  Entry* e = entry(seq, true);
  if (e == nullptr) return;
  if (measured) e->state.store(kMeasured, std::memory_order_relaxed);
  e->start_ns.store(std::max<std::int64_t>(latency_start_ns, 1), std::memory_order_release);
}

void CallbackLedger::responded_ok(std::uint64_t seq) noexcept {
  Entry* e = entry(seq, false);
  if (e == nullptr || (e->state.load(std::memory_order_relaxed) & kMeasured) == 0) return;
  expected_.fetch_add(1, std::memory_order_acq_rel);
  std::uint8_t before = e->state.fetch_or(kExpected, std::memory_order_acq_rel);
  if ((before & kArrived) != 0) matched_.fetch_add(1, std::memory_order_acq_rel);
}

CallbackArrival CallbackLedger::arrived(std::uint64_t seq, std::int64_t now_ns, Histogram& latency) noexcept {
  Entry* e = entry(seq, false);
  if (e == nullptr) return CallbackArrival::kUnknown;
  std::int64_t start = e->start_ns.load(std::memory_order_acquire);
  if (start == 0) return CallbackArrival::kUnknown;
  if ((e->state.load(std::memory_order_relaxed) & kMeasured) == 0) return CallbackArrival::kWarmup;
  bool in_time = now_ns - start <= timeout_ns_;
  std::uint8_t before = e->state.fetch_or(in_time ? kArrived : kLate, std::memory_order_acq_rel);
  if ((before & (kArrived | kLate)) != 0) return CallbackArrival::kDuplicate;
  if (!in_time) {
    late_.fetch_add(1, std::memory_order_relaxed);
    return CallbackArrival::kLate;
  }
  latency.record(std::max<std::int64_t>(now_ns - start, 1));
  received_.fetch_add(1, std::memory_order_relaxed);
  if ((before & kExpected) != 0) matched_.fetch_add(1, std::memory_order_acq_rel);
  return CallbackArrival::kFirst;
}

void CallbackLedger::count_into(CallbackTotals& totals) const noexcept {
  totals.expected = expected_.load(std::memory_order_acquire);
  totals.received = received_.load(std::memory_order_acquire);
  std::uint64_t matched = matched_.load(std::memory_order_acquire);
  totals.lost = totals.expected > matched ? totals.expected - matched : 0;
  totals.late = late_.load(std::memory_order_acquire);
}

}  // namespace perfgate::http
