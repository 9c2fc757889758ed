// The tracker's queue of records (internal to the library): many producers, one consumer,
// bounded. A slot holds one record's raw fields; the writer thread turns them into a line.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>

namespace perfgate::tracker_detail {

constexpr std::size_t kMaxQueueCapacity = std::size_t{1} << 30;
constexpr std::size_t kCacheLine = 64;
constexpr std::size_t kSlotBytes = 256;  // four cache lines; a small record touches one or two

// One record as record() left it: its scalars, and its strings one after the other (operation,
// error, context) inline, or, when they do not fit, in a block allocated by the caller and
// freed by the writer (`spill`).
struct alignas(kCacheLine) RecordSlot {
  enum Flags : std::uint8_t {
    kSuccess = 1,
    kHasError = 2,
    kRawContext = 4,  // the context is raw entries (json_line.hpp), not JSON
    kLost = 8,        // the spill could not be allocated: no line, counted as dropped
  };

  std::atomic<std::uint64_t> sequence{0};
  std::int64_t stamp = 0;  // the cycle counter, or system_clock's count since the epoch (Tracker::Impl)
  double duration_ms = 0;
  std::uint32_t operation_size = 0;
  std::uint32_t error_size = 0;
  std::uint32_t context_size = 0;
  std::uint8_t flags = 0;
  char* spill = nullptr;
  char inline_bytes[kSlotBytes - 48];

  const char* bytes() const noexcept { return spill != nullptr ? spill : inline_bytes; }
  std::string_view operation() const noexcept { return {bytes(), operation_size}; }
  std::string_view error() const noexcept { return {bytes() + operation_size, error_size}; }
  std::string_view context() const noexcept { return {bytes() + operation_size + error_size, context_size}; }
};
static_assert(sizeof(RecordSlot) == kSlotBytes);

// Asks for a cache line in the exclusive state, ready to be written: on x86-64 PREFETCHW
// (a no-op on the processors that lack it), which compilers emit for __builtin_prefetch only
// when told the target has it.
inline void prefetch_for_writing(const void* address) noexcept {
#if defined(__x86_64__) && !defined(__PRFCHW__)
  asm volatile("prefetchw %0" : : "m"(*static_cast<const char*>(address)));
#else
  __builtin_prefetch(address, 1);
#endif
}

// Dmitry Vyukov's bounded queue: each slot's sequence says whose turn it is, so producers
// contend only on the enqueue position and the consumer needs no atomic read-modify-write.
class RecordQueue {
 public:
  enum class Push { kQueued, kFull, kLost };

  explicit RecordQueue(std::size_t capacity) : capacity_(capacity), slots_(new RecordSlot[capacity]) {
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
  }
  ~RecordQueue() {
    // Records still queued (a writer that never ran) own their spills.
    for (std::size_t i = 0; i < capacity_; ++i) delete[] slots_[i].spill;
  }
  RecordQueue(const RecordQueue&) = delete;
  RecordQueue& operator=(const RecordQueue&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }

  // Any thread: claims a slot and calls fill(slot) -> false when the record is lost; fill must
  // not throw. `position` is the record's place in the queue's history.
  template <class Fill>
  Push push(const Fill& fill, std::uint64_t& position) noexcept {
    std::uint64_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    RecordSlot* slot;
    for (;;) {
      slot = &slots_[pos & (capacity_ - 1)];
      const std::uint64_t sequence = slot->sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(sequence - pos);
      if (lag == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (lag < 0) {
        return Push::kFull;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    // The next record's slot, most likely last touched by the writer on another core: fetching
    // it now, for writing, saves the next call that wait.
    const RecordSlot* next = &slots_[(pos + 1) & (capacity_ - 1)];
    prefetch_for_writing(next);
    prefetch_for_writing(reinterpret_cast<const char*>(next) + kCacheLine);
    // The slot must be published whatever happens; the writer skips a lost one.
    const Push result = fill(*slot) ? Push::kQueued : Push::kLost;
    if (result == Push::kLost) slot->flags = RecordSlot::kLost;
    slot->sequence.store(pos + 1, std::memory_order_release);
    position = pos;
    return result;
  }

  // Positions handed out so far: every record pushed before this call is below it.
  std::uint64_t claimed() const noexcept { return enqueue_pos_.load(std::memory_order_acquire); }

  // The consumer thread only: the next published record (null when empty or still being
  // written), and pop() to give its slot back.
  const RecordSlot* front() const noexcept {
    const RecordSlot& slot = slots_[dequeue_pos_ & (capacity_ - 1)];
    return slot.sequence.load(std::memory_order_acquire) == dequeue_pos_ + 1 ? &slot : nullptr;
  }
  void pop() noexcept {
    RecordSlot& slot = slots_[dequeue_pos_ & (capacity_ - 1)];
    delete[] slot.spill;
    slot.spill = nullptr;
    slot.sequence.store(dequeue_pos_ + capacity_, std::memory_order_release);
    ++dequeue_pos_;
  }
  std::uint64_t consumed() const noexcept { return dequeue_pos_; }

 private:
  const std::size_t capacity_;  // a power of two
  const std::unique_ptr<RecordSlot[]> slots_;
  alignas(kCacheLine) std::atomic<std::uint64_t> enqueue_pos_{0};
  alignas(kCacheLine) std::uint64_t dequeue_pos_ = 0;
};

inline std::size_t queue_capacity(std::size_t requested) {
  std::size_t capacity = 2;
  while (capacity < requested && capacity < kMaxQueueCapacity) capacity *= 2;
  return capacity;
}

inline std::chrono::milliseconds clamp_interval(std::chrono::milliseconds interval) {
  return std::clamp<std::chrono::milliseconds>(interval, std::chrono::milliseconds(1), std::chrono::hours(24));
}

}  // namespace perfgate::tracker_detail
