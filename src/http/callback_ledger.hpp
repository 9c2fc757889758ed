// The ledger of callbacks a run expects: for each request's seq, when its latency starts (the
// scheduled send in the open model, the send in the closed one) and whether its direct
// response was ok and its callback came. The load threads write it as they send and as
// responses complete; the callback listener (src/callback) reads it as callbacks arrive. Both
// sides are lock-free, and a request costs no allocation: entries live in chunks of
// kChunkEntries made once per chunk, found by seq / kChunkEntries.
//
//   CallbackLedger ledger(timeout);
//   ledger.sent(seq, latency_start_ns, measured);     // a load thread, before the bytes go out
//   ledger.responded_ok(seq);                         // its direct response was ok
//   auto arrival = ledger.arrived(seq, now_ns);       // the listener: first, duplicate, ...
//   CallbackTotals totals = ledger.totals(...);       // at the end
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/histogram.hpp"

namespace perfgate::http {

// What the run learned about callbacks; in the result document's `callbacks` and its metrics.
struct CallbackTotals {
  std::string url;              // where the listener listened
  std::string id_from;          // "json:id"
  double timeout_s = 0;
  Histogram latency;            // first arrivals within the timeout, from the latency start
  std::uint64_t expected = 0;   // measured requests whose direct response was ok
  std::uint64_t received = 0;   // first arrivals within the timeout (measured requests)
  std::uint64_t lost = 0;       // expected, and no callback within the timeout
  std::uint64_t duplicate = 0;  // arrivals after the first for one id
  std::uint64_t unknown = 0;    // an id that was never sent, not ours, or none could be read
  std::uint64_t late = 0;       // of `lost`: the callback came, after the timeout
};

enum class CallbackArrival : std::uint8_t {
  kFirst,      // counted, timed
  kLate,       // the first, but after the timeout: lost
  kDuplicate,  // not the first for this id
  kUnknown,    // no request was sent with this id
  kWarmup,     // for a request of the warm-up: ignored
};

class CallbackLedger {
 public:
  static constexpr std::uint64_t kChunkEntries = 1 << 16;
  static constexpr std::size_t kMaxChunks = 1 << 16;  // 2^32 requests

  explicit CallbackLedger(std::int64_t timeout_ns);
  ~CallbackLedger();
  CallbackLedger(const CallbackLedger&) = delete;
  CallbackLedger& operator=(const CallbackLedger&) = delete;

  std::int64_t timeout_ns() const noexcept { return timeout_ns_; }

  // The load side. `sent` comes before the request's bytes are written, so a callback can never
  // arrive before its entry. Seqs beyond the ledger's capacity are not tracked.
  void sent(std::uint64_t seq, std::int64_t latency_start_ns, bool measured) noexcept;
  void responded_ok(std::uint64_t seq) noexcept;

  // The listener side: one call per callback whose id was read; times a first arrival into
  // the listener's histogram (`latency`, owned by the listener thread).
  CallbackArrival arrived(std::uint64_t seq, std::int64_t now_ns, Histogram& latency) noexcept;

  // Called now and then by the listener's thread: makes the next chunk as soon as the last one
  // is in use, so a load thread does not stop to allocate (it still would if this fell behind).
  void prepare_ahead() noexcept;

  // Whether every expected callback has come (the end's wait for stragglers).
  bool all_arrived() const noexcept {
    return matched_.load(std::memory_order_acquire) == expected_.load(std::memory_order_acquire);
  }
  std::uint64_t expected() const noexcept { return expected_.load(std::memory_order_acquire); }

  // Fills the counts of `totals` (latency, duplicate and unknown come from the listener).
  void count_into(CallbackTotals& totals) const noexcept;

 private:
  struct Entry {
    std::atomic<std::int64_t> start_ns{0};  // 0: never sent
    std::atomic<std::uint8_t> state{0};
  };
  struct Chunk {
    std::array<Entry, kChunkEntries> entries;
  };
  Entry* entry(std::uint64_t seq, bool create) noexcept;

  std::int64_t timeout_ns_;
  std::array<std::atomic<Chunk*>, kMaxChunks> chunks_{};
  std::size_t chunks_prepared_ = 0;  // chunks [0, this) exist (prepare_ahead's thread only)
  std::atomic<std::uint64_t> expected_{0};
  std::atomic<std::uint64_t> matched_{0};   // expected and arrived in time
  std::atomic<std::uint64_t> received_{0};  // first arrivals in time (measured)
  std::atomic<std::uint64_t> late_{0};
};

}  // namespace perfgate::http
