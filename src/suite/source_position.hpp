// Where something was written in a suite file, so that every later message — a loader
// error, a failed threshold, a service that would not start — can point at it.
#pragma once

#include <fmt/format.h>

#include <string>

namespace perfgate::suite {

// 1-based line and column, like compilers print them.
struct SourcePosition {
  std::string file;
  int line = 0;
  int column = 0;

  // "suite.yaml:12:7"
  std::string to_string() const { return fmt::format("{}:{}:{}", file, line, column); }
  bool operator==(const SourcePosition&) const = default;
};

}  // namespace perfgate::suite
