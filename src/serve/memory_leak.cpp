// The deliberate leak of `perfgate serve --leak`; see memory_leak.hpp.
#include "serve/memory_leak.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace perfgate::serve {

MemoryLeak::MemoryLeak(double bytes_per_s) : bytes_per_s_(bytes_per_s) {
  thread_ = std::thread([this] { run(); });
}

MemoryLeak::~MemoryLeak() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t MemoryLeak::leaked_bytes() const {
  std::lock_guard lock(mutex_);
  return leaked_;
}

void MemoryLeak::run() {
  // The amount due is computed from the elapsed time, so a late wake-up catches up instead of
  // slowing the rate; small steps (every 100 ms) make the growth a ramp, not a staircase.
  const auto start = std::chrono::steady_clock::now();
  for (int step = 1;; ++step) {
    std::unique_lock lock(mutex_);
    if (wake_.wait_until(lock, start + step * std::chrono::milliseconds(100), [this] { return stopping_; })) {
      return;
    }
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double due = std::min(bytes_per_s_ * elapsed_s, static_cast<double>(kMaxLeakBytes));
    if (due < static_cast<double>(leaked_) + 4096) {
      continue;
    }
    const auto bytes = static_cast<std::size_t>(due) - leaked_;
    lock.unlock();
    void* block = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) {
      continue;  // out of address space or memory: the leak simply stops growing
    }
    std::memset(block, 0xa5, bytes);  // touched: resident, not just reserved
    lock.lock();
    leaked_ += bytes;
  }
}

}  // namespace perfgate::serve
