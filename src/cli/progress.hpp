// The live progress line on stderr: shown only when stderr is a terminal and not --quiet.
#pragma once

#include "http/load_engine.hpp"

namespace perfgate::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool quiet);
  bool enabled() const { return enabled_; }
  void update(const http::ProgressSnapshot& snapshot);
  // Erases the line so the summary starts on a clean one.
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace perfgate::cli
