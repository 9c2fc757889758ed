// One benchmark of a suite, driven through its engine: the suite model's options turned into
// the engine's (URL resolved, body read, request serialised), the engine run with a progress
// hook and a stop flag, and the result as the document's benchmark object. Its thresholds are
// checked by checks.hpp. Knows nothing about the terminal.
//
//   auto prepared = prepare_benchmark(spec);           // before any service starts: bad input exits 2
//   BenchmarkOutcome outcome = run_benchmark(prepared, hooks);
//   if (outcome.failure) ...                           // unreachable target, a failing command
//   store->add_benchmark(run_id, outcome.benchmark);
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cmd/benchmark_runner.hpp"
#include "http/load_engine.hpp"
#include "http/request_template.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

struct PreparedHttp {
  http::LoadOptions load;
  http::RequestSpec request;
  nlohmann::json config;  // the document's `config`, secrets as ***
};

struct PreparedBenchmark {
  const suite::BenchmarkSpec* spec = nullptr;  // owned by the Suite
  std::optional<PreparedHttp> http;
  std::optional<cmd::RunnerOptions> cmd;
};

// Validates and converts (the loader already made `body: "@file"` relative to the suite).
// Throws UsageError "FILE:LINE:COL: benchmark 'NAME': ..." for anything the engine would refuse.
PreparedBenchmark prepare_benchmark(const suite::BenchmarkSpec& spec);

struct BenchmarkHooks {
  std::function<void(const http::ProgressSnapshot&)> http_progress;  // about every 100 ms
  std::function<void(const cmd::RunnerProgress&)> cmd_progress;
  const std::atomic<bool>* stop = nullptr;  // set: finish early, keep what was measured
};

struct BenchmarkOutcome {
  nlohmann::json benchmark;  // the result document's benchmark object (null when nothing was measured)
  bool interrupted = false;
  // The benchmark could not be done: "cannot connect to …" (exit 3), "'make' exited with 2" (exit 1).
  std::optional<std::string> failure;
  int failure_exit_code = 0;
  std::string summary;  // two or three lines for the terminal: throughput, latency, notes
};

// Runs it. Throws RunError when a command cannot even be started.
BenchmarkOutcome run_benchmark(const PreparedBenchmark& prepared, const BenchmarkHooks& hooks);

}  // namespace perfgate::run
