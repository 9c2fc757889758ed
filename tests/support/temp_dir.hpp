// A test's own folder under /tmp: made before each test, removed with everything in it after.
//
//   class RunSuite : public perfgate::testing::TempDirTest {
//    protected:
//     RunSuite() : TempDirTest("perfgate-run") {}
//   };
//   TEST_F(RunSuite, X) { write("suite.yaml", "..."); perfgate({"run", "suite.yaml"}); read("out.json"); }
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

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
  std::string read(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  nlohmann::json json_file(const std::string& name) const { return nlohmann::json::parse(read(name)); }

  // `perfgate ARGS...` with the folder as working directory: as a command line, and run.
  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> v{"sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir_, perfgate_binary()};
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }
  ProcessOutput perfgate(const std::vector<std::string>& args) const { return run_process(argv(args)); }

  std::string dir_;

 private:
  std::string prefix_;
};

}  // namespace perfgate::testing
