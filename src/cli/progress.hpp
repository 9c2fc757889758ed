// The live progress lines on stderr: shown only when stderr is a terminal and not --quiet.
#pragma once

#include <string>

#include "cmd/benchmark_runner.hpp"
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

// The runs of `perfgate cmd`: "Benchmark 1/2 [######....] 6/10  ETA 1.2s", on a terminal only.
class CommandProgressBar {
 public:
  explicit CommandProgressBar(bool quiet);
  void update(const cmd::RunnerProgress& progress);
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
};

// One status line redrawn in place ("12.0s  cpu 45%  rss 120 MiB ..."), on a terminal only.
class StatusLine {
 public:
  explicit StatusLine(bool quiet);
  bool enabled() const { return enabled_; }
  void show(const std::string& line);
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace perfgate::cli
