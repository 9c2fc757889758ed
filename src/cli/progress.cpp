// The live progress line; see progress.hpp.
#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

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

}  // namespace perfgate::cli
