// Test support: one `perfgate serve` shared by the tests of a suite (started before its first
// test, ended after its last). Base is ::testing::Test or a ::testing::TestWithParam<T>.
#pragma once

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace perfgate::testing {

template <typename Base = ::testing::Test>
class SharedServe : public Base {
 protected:
  static void SetUpTestSuite() { server_ = new ServeProcess({"--quiet"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static inline ServeProcess* server_ = nullptr;
};

}  // namespace perfgate::testing
