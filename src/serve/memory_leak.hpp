// `perfgate serve --leak RATE`: memory that grows on purpose, so that suites and tests have a
// leaking target. A thread maps and touches RATE bytes per second (the pages are resident at
// once and never freed) until it is destroyed, up to kMaxLeakBytes.
//
//   serve::MemoryLeak leak(2.0 * 1024 * 1024);   // 2MB/s from now on
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace perfgate::serve {

// The leak stops growing here, so a forgotten `--leak` cannot take the machine's memory.
inline constexpr std::uint64_t kMaxLeakBytes = std::uint64_t{1} << 30;

class MemoryLeak {
 public:
  explicit MemoryLeak(double bytes_per_s);
  ~MemoryLeak();
  MemoryLeak(const MemoryLeak&) = delete;
  MemoryLeak& operator=(const MemoryLeak&) = delete;

  std::uint64_t leaked_bytes() const;

 private:
  void run();

  double bytes_per_s_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::uint64_t leaked_ = 0;
  std::thread thread_;
};

}  // namespace perfgate::serve
