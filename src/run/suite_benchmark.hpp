// One benchmark of a suite, driven through its engine: the suite model's options turned into
// the engine's (URL resolved, body read, request serialised), the engine run with a progress
// hook and a stop flag, and the result as the document's benchmark object. Its thresholds are
// checked by checks.hpp. Knows nothing about the terminal.
//
//   auto prepared = prepare_benchmark(spec);           // before any service starts: bad input exits 2
//   BenchmarkOutcome outcome = run_benchmark(prepared, hooks);
//   if (outcome.failure) ...                           // unreachable target, a failing command
//   for (auto& b : outcome.benchmarks) store->add_benchmark(run_id, b);
//
// http gives one benchmark object, and cmd one per command (one unless it has parameters or
// several commands: "SUITE-BENCHMARK/n=4", see run/engine_options.hpp); `ingest:` gives one
// per benchmark of the harness's output, named "SUITE-BENCHMARK/HARNESS-BENCHMARK" (the
// harness's own name is kept in "ingested_name").
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cmd/benchmark_runner.hpp"
#include "http/load_engine.hpp"
#include "run/engine_options.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

struct PreparedBenchmark {
  const suite::BenchmarkSpec* spec = nullptr;  // owned by the Suite; spec->ingest for `ingest:`
  std::optional<PreparedHttp> http;
  std::optional<cmd::RunnerOptions> cmd;
  std::optional<PreparedSse> sse;
  std::optional<PreparedExec> exec;
};

// Validates and converts (the loader already made `body: "@file"` relative to the suite).
// Throws UsageError "FILE:LINE:COL: benchmark 'NAME': ..." for anything the engine would refuse.
PreparedBenchmark prepare_benchmark(const suite::BenchmarkSpec& spec);

struct BenchmarkHooks {
  std::function<void(const http::ProgressSnapshot&)> http_progress;  // about every 100 ms
  std::function<void(const cmd::RunnerProgress&)> cmd_progress;
  const std::atomic<bool>* stop = nullptr;  // set: finish early, keep what was measured
  // The measured window (http: after the warm-up, to the end of the load; cmd and ingest: the
  // whole benchmark) begins and ends; each is called at most once, ended only after started.
  std::function<void()> measured_window_started;
  std::function<void()> measured_window_ended;
  std::string run_directory;                // exec: the workers' stderr go to RUN_DIRECTORY/exec-NAME/
  std::function<void(pid_t)> process_group_started;   // exec: the workers' group, to kill on a forced exit
  std::function<void(pid_t)> process_group_stopping;
};

struct BenchmarkOutcome {
  std::vector<nlohmann::json> benchmarks;  // the result document's benchmark objects (none when nothing was measured)
  bool interrupted = false;
  // The benchmark could not be done: "cannot connect to …" (exit 3), "'make' exited with 2" (exit 1),
  // an ingest command that failed or printed what its format cannot read (exit 3).
  std::optional<std::string> failure;
  int failure_exit_code = 0;
  std::string summary;  // two or three lines for the terminal: throughput, latency, notes
};

// Runs it. Throws RunError when a command cannot even be started.
BenchmarkOutcome run_benchmark(const PreparedBenchmark& prepared, const BenchmarkHooks& hooks);

// The line that introduces it on the terminal: "http GET URL  (10 connections, 10s)", "cmd make -s",
// with the suite's text as written and secrets redacted.
std::string description(const PreparedBenchmark& prepared);

// Whether a benchmark object's name (or a comparison row's) comes from this suite benchmark.
bool produced_by(const suite::BenchmarkSpec& spec, const std::string& benchmark_name);

}  // namespace perfgate::run
