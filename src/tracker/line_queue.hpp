// The tracker's queue of formatted lines (internal to the library): many producers, one
// consumer, bounded.
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
constexpr std::size_t kMinSlotBytes = 256;   // most lines fit: slots rarely need a bigger buffer
constexpr std::size_t kSlotKeepBytes = 4096;  // a slot gives back a buffer bigger than this
constexpr std::size_t kCacheLine = 64;

// Dmitry Vyukov's bounded queue: each slot's sequence says whose turn it is, so producers
// contend only on the enqueue position and the consumer needs no atomic read-modify-write.
// Producers format their line straight into the slot's buffer, which the slot keeps: a steady
// stream of records neither allocates nor copies the line twice.
class LineQueue {
 public:
  enum class Push { kQueued, kFull, kFailed };

  explicit LineQueue(std::size_t capacity) : capacity_(capacity), slots_(new Slot[capacity]) {
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return capacity_; }

  // Any thread: claims a slot, and calls write(buffer) -> end of the line, with room for `bound`
  // bytes; write must not throw. `position` is the record's place in the queue's history.
  template <class Write>
  Push push(std::size_t bound, const Write& write, std::uint64_t& position) noexcept {
    std::uint64_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    Slot* slot;
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
    Push result = Push::kQueued;
    slot->size = 0;  // the slot must be published whatever happens; the writer skips empty ones
    if (slot->capacity < bound) {
      const std::size_t size = std::max(kMinSlotBytes, (bound + 63) / 64 * 64);
      slot->data.reset(new (std::nothrow) char[size]);
      slot->capacity = slot->data ? size : 0;
    }
    if (slot->capacity >= bound) {
      slot->size = static_cast<std::size_t>(write(slot->data.get()) - slot->data.get());
    } else {
      result = Push::kFailed;
    }
    slot->sequence.store(pos + 1, std::memory_order_release);
    position = pos;
    return result;
  }

  // Positions handed out so far: every record pushed before this call is below it.
  std::uint64_t claimed() const noexcept { return enqueue_pos_.load(std::memory_order_acquire); }

  // The consumer thread only: the next published line (false when empty or still being
  // written), and pop() to give its slot back.
  bool front(std::string_view& line) const noexcept {
    const Slot& slot = slots_[dequeue_pos_ & (capacity_ - 1)];
    if (slot.sequence.load(std::memory_order_acquire) != dequeue_pos_ + 1) return false;
    line = std::string_view(slot.data.get(), slot.size);
    return true;
  }
  void pop() noexcept {
    Slot& slot = slots_[dequeue_pos_ & (capacity_ - 1)];
    if (slot.capacity > kSlotKeepBytes) {
      slot.data.reset();
      slot.capacity = 0;
    }
    slot.sequence.store(dequeue_pos_ + capacity_, std::memory_order_release);
    ++dequeue_pos_;
  }
  std::uint64_t consumed() const noexcept { return dequeue_pos_; }

 private:
  struct alignas(kCacheLine) Slot {
    std::atomic<std::uint64_t> sequence{0};
    std::size_t size = 0;
    std::size_t capacity = 0;
    std::unique_ptr<char[]> data;
  };

  const std::size_t capacity_;  // a power of two
  const std::unique_ptr<Slot[]> slots_;
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
