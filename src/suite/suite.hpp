// The suite model: what `perfgate run SUITE.yaml` does, validated and typed. The loader
// (suite_loader.hpp) builds it; after that no code looks at YAML or raw strings. Every
// item keeps the position it was written at, so later messages can point at it.
//
// Options mirror the engines' (http::LoadOptions, cmd::RunnerOptions) field for field, but
// are separate structs so the suite model does not depend on the engines; `perfgate run`
// copies them across (resolving the URL and serialising the request on the way).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.hpp"
#include "suite/source_position.hpp"
#include "suite/threshold.hpp"

namespace perfgate::suite {

// A process started before the benchmarks and stopped after them.
struct ServiceSpec {
  std::string name;
  std::string command;                   // run by `sh -c`
  std::optional<std::string> ready_url;  // polled until 2xx
  Nanos ready_timeout{std::chrono::seconds(30)};
  bool monitor = false;                    // sample CPU, RSS, threads, fds of its process tree
  std::map<std::string, std::string> env;  // added to the inherited environment
  SourcePosition position;                 // of the `- name:` item
};

// `http:` — the options of `perfgate http` (see http::LoadOptions).
struct HttpBenchmarkOptions {
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // in the order written
  std::string body;                                          // the text, when given inline
  std::optional<std::string> body_file;                      // `body: "@file"`: path, relative to the suite's folder
  int connections = 10;
  std::optional<int> threads;        // nullopt: one per CPU, at most one per connection
  std::optional<double> rate_per_s;  // set: open model
  std::optional<Nanos> duration;     // nullopt only when `requests` bounds the run
  std::uint64_t requests = 0;        // 0: no count limit
  Nanos warmup{0};
  Nanos timeout{std::chrono::seconds(10)};
};

// `cmd:` — the options of `perfgate cmd` for one command (see cmd::RunnerOptions).
struct CmdBenchmarkOptions {
  std::string command;
  std::optional<int> runs;  // exact number of timed runs (-r)
  int warmup_runs = 0;
  int min_runs = 10;
  std::optional<int> max_runs;
  std::optional<std::string> prepare;                    // before every timed run
  std::optional<std::string> cleanup;                    // after all runs
  std::optional<std::string> shell = std::string("sh");  // nullopt: `shell: none`
  bool ignore_failure = false;
};

// `ingest:` — another harness's results: a command whose stdout is parsed, or a file.
struct IngestBenchmarkOptions {
  std::string format;                  // "google-benchmark", "hyperfine", ... (checked when the run prepares it)
  std::optional<std::string> command;  // run by `sh -c`; its stdout is the input
  std::optional<std::string> file;     // relative to the suite's folder, as `body: "@file"` is
  SourcePosition format_position;
};

enum class BenchmarkKind { kHttp, kCmd, kIngest };

struct BenchmarkSpec {
  std::string name;
  BenchmarkKind kind = BenchmarkKind::kHttp;
  HttpBenchmarkOptions http;  // meaningful when kind == kHttp
  CmdBenchmarkOptions cmd;    // meaningful when kind == kCmd
  IngestBenchmarkOptions ingest;  // meaningful when kind == kIngest
  std::vector<Threshold> thresholds;
  // `needs: [api]`: the services it talks to; with --only only those of the selected benchmarks
  // start. nullopt: it needs them all.
  std::optional<std::vector<std::string>> needs;
  SourcePosition position;  // of the `- name:` item
};

// When a change against the baseline fails the gate: significant and larger than this.
struct RegressionPolicy {
  double max_change = 0.10;                  // fraction: 10% -> 0.10
  std::map<std::string, double> per_metric;  // result-document metric name -> fraction
  std::string baseline_branch = "main";
  // `metrics: [latency_p99, ...]`: the metrics that gate; empty: the default set (others are shown).
  std::vector<std::string> metrics;
  std::size_t min_history = 2;  // runs of history a regression needs; 1: the baseline alone
  // Where each metric name of per_metric and metrics is written, for "did you mean" messages.
  std::map<std::string, SourcePosition> metric_positions;
  SourcePosition position;  // of `regression:`; empty file when absent

  // The allowed change for one metric: its override, else max_change.
  double max_change_for(const std::string& metric) const {
    auto it = per_metric.find(metric);
    return it == per_metric.end() ? max_change : it->second;
  }
};

struct Suite {
  std::string path;  // the suite file, as given
  std::string name;
  std::optional<std::string> store;  // nullopt: the default .perfgate/history.db
  std::vector<ServiceSpec> services;
  std::vector<BenchmarkSpec> benchmarks;
  RegressionPolicy regression;
  SourcePosition position;  // of the document
};

}  // namespace perfgate::suite
