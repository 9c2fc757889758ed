// The suite model: what `perfgate run SUITE.yaml` does, validated and typed. The loader
// (suite_loader.hpp) builds it; after that no code looks at YAML or raw strings. Every
// item keeps the position it was written at, so later messages can point at it.
//
// Strings that may hold `${VAR}` keep two forms: the field itself with the variables filled in
// (what is sent, run or read) and `…_as_written` (what is shown, stored and quoted in messages),
// so that secrets from the environment never reach an output.
//
// Options mirror the engines' (http::LoadOptions, cmd::RunnerOptions) field for field, but
// are separate structs so the suite model does not depend on the engines; `perfgate run`
// copies them across (resolving the URL and serialising the request on the way).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.hpp"
#include "suite/source_position.hpp"
#include "suite/threshold.hpp"

namespace perfgate::suite {

// Service and benchmark names are labels, and a service's name becomes a file name (NAME.log):
// letters, digits, '-', '_' and '.', not starting with '.'.
bool is_label(std::string_view name);

// A process started before the benchmarks and stopped after them.
struct ServiceSpec {
  std::string name;
  std::string command;                   // run by `sh -c`
  std::optional<std::string> ready_url;  // polled until 2xx
  std::string ready_url_shown;           // as written, with the suite's `redact:` applied
  Nanos ready_timeout{std::chrono::seconds(30)};
  bool monitor = false;                    // sample CPU, RSS, threads, fds of its process tree
  bool env_clear = false;                  // start from an empty environment, not perfgate's
  std::map<std::string, std::string> env;  // added to the inherited (or empty) environment
  SourcePosition position;                 // of the `- name:` item
};

// `http:` — the options of `perfgate http` (see http::LoadOptions).
struct HttpBenchmarkOptions {
  std::string url;
  std::string url_as_written;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // in the order written, checked, names trimmed
  std::vector<std::pair<std::string, std::string>> headers_as_written;
  std::string body;                                          // the text, when given inline
  std::optional<std::string> body_file;                      // `body: "@file"`: path, relative to the suite's folder
  std::string body_file_as_written;
  std::vector<std::string> redact;  // header and query parameter names shown as ***: the suite's and its own
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
  std::string command_as_written;
  std::optional<int> runs;  // exact number of timed runs (-r)
  int warmup_runs = 0;
  int min_runs = 10;
  std::optional<int> max_runs;
  std::optional<std::string> prepare;                    // before every timed run
  std::optional<std::string> cleanup;                    // after all runs
  std::optional<std::string> prepare_as_written;
  std::optional<std::string> cleanup_as_written;
  std::optional<std::string> shell = std::string("sh");  // nullopt: `shell: none`
  bool ignore_failure = false;
};

// `ingest:` — another harness's results: a command whose stdout is parsed, or a file.
struct IngestBenchmarkOptions {
  std::string format;                  // "google-benchmark", "hyperfine", ... (checked when the run prepares it)
  std::optional<std::string> command;  // run by `sh -c`; its stdout is the input
  std::optional<std::string> file;     // relative to the suite's folder, as `body: "@file"` is
  std::string source_as_written;       // the command or the file
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
  bool env_clear = false;                  // cmd: start from an empty environment, not perfgate's
  std::map<std::string, std::string> env;  // cmd: added to the inherited (or empty) environment
  SourcePosition position;  // of the `- name:` item
};

// When a change against the baseline fails the gate: significant and larger than this.
struct RegressionPolicy {
  double max_change = 0.10;                  // fraction: 10% -> 0.10
  std::map<std::string, double> per_metric;  // result-document metric name -> fraction
  std::string baseline_branch = "main";
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
  std::string store_as_written;
  std::vector<std::string> redact;  // `redact:`: header and query parameter names shown as ***
  std::vector<ServiceSpec> services;
  std::vector<BenchmarkSpec> benchmarks;
  RegressionPolicy regression;
  SourcePosition position;  // of the document
};

}  // namespace perfgate::suite
