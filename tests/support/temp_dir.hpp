// A test's own folder under /tmp: made before each test, removed with everything in it after.
//
//   class RunSuite : public perfgate::testing::TempDirTest {
//    protected:
//     RunSuite() : TempDirTest("perfgate-run") {}
//   };
//   TEST_F(RunSuite, X) { write("suite.yaml", "..."); run(path("suite.yaml")); }
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace perfgate::testing {

class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    std::string pattern = "/tmp/" + prefix_ + "-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path(name)) << text; }

  std::string dir_;

 private:
  std::string prefix_;
};

}  // namespace perfgate::testing
