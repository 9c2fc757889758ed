// serve --leak's memory: it grows at the rate asked, in resident pages, and stops on destruction.
#include "serve/memory_leak.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace perfgate::serve {
namespace {

TEST(MemoryLeak, GrowsAtTheRateAskedAndNeverAhead) {
  const double rate = 20.0 * 1024 * 1024;  // 20MB/s
  const auto start = std::chrono::steady_clock::now();
  MemoryLeak leak(rate);
  // Due amounts come from elapsed time: a busy machine delays the steps, never the total, and
  // the leak is never ahead of rate x elapsed.
  std::uint64_t leaked = 0;
  while (leaked < 10 * 1024 * 1024 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    leaked = leak.leaked_bytes();
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LE(static_cast<double>(leaked), rate * elapsed_s + 4096);
  }
  EXPECT_GE(leaked, 10u * 1024 * 1024);
}

}  // namespace
}  // namespace perfgate::serve
