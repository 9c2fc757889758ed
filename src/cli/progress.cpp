// The live progress lines; see progress.hpp.
#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "core/units.hpp"

namespace perfgate::cli {

ProgressLine::ProgressLine(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

void ProgressLine::update(const http::ProgressSnapshot& s) {
  if (!enabled_) return;
  std::string when = s.planned_s > 0 ? fmt::format("{:.1f}s/{:.0f}s", s.elapsed_s, s.planned_s)
                                     : fmt::format("{:.1f}s", s.elapsed_s);
  std::string count = s.planned_requests > 0
                          ? fmt::format("{}/{}", format_count(s.completed), format_count(s.planned_requests))
                          : format_count(s.completed);
  std::string line = fmt::format("  {}{}  {} req  {:.0f} req/s  p50 {}  p99 {}  errors {}",
                                 s.warming_up ? "warm-up " : "", when, count, s.requests_per_s,
                                 format_ms(s.p50_ms), format_ms(s.p99_ms), format_count(s.errors));
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::clear() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

CommandProgressBar::CommandProgressBar(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

void CommandProgressBar::update(const cmd::RunnerProgress& p) {
  if (!enabled_) return;
  int width = 30;
  int filled = p.planned > 0 ? std::min(width, p.run * width / p.planned) : 0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(width - filled), '.');
  std::string eta = p.warmup || p.remaining_s <= 0 ? "" : fmt::format("  ETA {:.1f}s", p.remaining_s);
  std::fprintf(stderr, "\r\033[K  %s %zu/%zu [%s] %d/%d%s", p.warmup ? "Warm-up" : "Benchmark", p.command_index + 1,
               p.command_count, bar.c_str(), p.run, p.planned, eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void CommandProgressBar::clear() {
  if (drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

StatusLine::StatusLine(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

void StatusLine::show(const std::string& line) {
  if (!enabled_) return;
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void StatusLine::clear() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace perfgate::cli
