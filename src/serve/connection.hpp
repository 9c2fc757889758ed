// What one connection of `perfgate serve` holds: the bytes read but not yet parsed, the
// responses it owes (each with the time it is due), and the bytes waiting to be written.
// Plain state; the event loop in serve.cpp moves it along.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "http/request_reader.hpp"
#include "serve/event_stream.hpp"
#include "serve/callbacks.hpp"
#include "serve/response.hpp"

namespace perfgate::serve::detail {


// The bytes read from one connection that the request reader has not consumed yet.
class InputBuffer {
 public:
  static constexpr std::size_t kInitialBytes = 4096;
  static constexpr std::size_t kMaxBytes = RequestReader::kMaxHeadBytes + 4096;

  std::string_view view() const noexcept { return {data_.get() + start_, end_ - start_}; }
  void consume(std::size_t bytes) noexcept {
    start_ += bytes;
    if (start_ == end_) start_ = end_ = 0;
  }
  void clear() noexcept { start_ = end_ = 0; }
  // Whether a read could add bytes (after prepare_for_read moves or grows the buffer).
  bool can_take_more() const noexcept { return end_ - start_ < kMaxBytes; }
  // Makes room at the end (moving unread bytes to the front, growing up to kMaxBytes
  // while a request head does not fit) and returns its size.
  std::size_t prepare_for_read() {
    if (!data_) {
      data_ = std::make_unique_for_overwrite<char[]>(kInitialBytes);
      capacity_ = kInitialBytes;
    }
    if (start_ > 0 && capacity_ - end_ < capacity_ / 4) {
      std::memmove(data_.get(), data_.get() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (end_ == capacity_ && capacity_ < kMaxBytes) {
      std::size_t grown = capacity_ * 2 < kMaxBytes ? capacity_ * 2 : kMaxBytes;
      auto bigger = std::make_unique_for_overwrite<char[]>(grown);
      std::memcpy(bigger.get(), data_.get() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
      data_ = std::move(bigger);
      capacity_ = grown;
    }
    return capacity_ - end_;
  }
  char* tail() noexcept { return data_.get() + end_; }
  void commit(std::size_t bytes) noexcept { end_ += bytes; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
};

struct DueResponse {
  ResponsePlan plan;
  std::int64_t due_ns;
};

// The responses a connection owes, oldest first. Bounded: when full, requests stay unread
// in the buffer (and then in the kernel), which is the back-pressure a pipelining client
// feels from a real server.
class PendingResponses {
 public:
  static constexpr std::size_t kCapacity = 32;
  bool empty() const noexcept { return count_ == 0; }
  std::size_t free_slots() const noexcept { return kCapacity - count_; }
  const DueResponse& front() const noexcept { return items_[first_]; }
  void push(const ResponsePlan& plan, std::int64_t due_ns) noexcept {
    items_[(first_ + count_) % kCapacity] = DueResponse{plan, due_ns};
    ++count_;
  }
  void pop() noexcept {
    first_ = (first_ + 1) % kCapacity;
    --count_;
  }
  void clear() noexcept { first_ = count_ = 0; }

 private:
  std::array<DueResponse, kCapacity> items_{};
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};

struct ServeConnection {
  int fd = -1;
  std::uint32_t slot = 0;
  std::uint32_t token = 0;      // changes when the slot is reused: stale events and timers miss
  std::uint32_t interest = 0;   // the epoll events registered
  std::int64_t wake_at_ns = 0;  // the one timer this connection waits for; 0: none
  std::int64_t active_ns = 0;   // accepted, or the last complete request or response: idleness runs from here
  bool read_eof = false;        // the client sent FIN
  bool input_closed = false;    // a closing response is queued: read no more requests
  bool finish_after_output = false;
  bool lingering = false;       // FIN sent; discarding input until the client closes
  ResponsePlan current;         // the plan of the request whose body is being read
  std::unique_ptr<CallbackRequest> callback;  // made on the first request that asks for a callback
  RequestReader reader;
  InputBuffer in;
  PendingResponses pending;
  OutputQueue out;
  StreamState stream;           // Server-Sent Events (event_stream.hpp)
};

}  // namespace perfgate::serve::detail
