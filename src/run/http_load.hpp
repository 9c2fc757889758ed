// One HTTP load as `perfgate http` and a suite's `http:` run it: the callback listener first
// when the benchmark expects callbacks, the load engine with a progress hook and a stop, then
// the wait for the stragglers (callbacks/, up to the callback timeout) before the result.
#pragma once

#include <functional>

#include "http/load_engine.hpp"
#include "run/engine_options.hpp"

namespace perfgate::run {

struct HttpLoadHooks {
  std::function<void(const http::ProgressSnapshot&)> progress;  // about every 100 ms
  std::function<bool()> stop_requested;                         // polled as often
  // The measured window (after the warm-up, to the end of the load): profilers and monitors.
  std::function<void()> measured_window_started;
  std::function<void()> measured_window_ended;
  // After each poll and once more when the load has finished: the caller may read the run (e.g.
  // LoadRun::take_seconds for an interval log).
  std::function<void(http::LoadRun&)> each_poll;
};

// Throws RunError when the callback listener cannot listen.
http::LoadResult run_http_load(const PreparedHttp& prepared, const HttpLoadHooks& hooks);

}  // namespace perfgate::run
