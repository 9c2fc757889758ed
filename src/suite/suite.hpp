// The suite model: what `perfgate run SUITE.yaml` does, validated and typed. The loader
// (suite_loader.hpp) builds it; after that no code looks at YAML or raw strings. Every
// item keeps the position it was written at, so later messages can point at it.
//
// `http:` and `cmd:` hold the options of `perfgate http` and `perfgate cmd`, read through the same
// option tables (http_options.hpp, cmd_options.hpp); the suite model does not depend on the
// engines: run/engine_options.hpp builds the engines' options from them.
//
// Strings that may hold `${VAR}` keep two forms: the field itself with the variables filled in
// (what is sent, run or read) and `…_as_written` (what is shown, stored and quoted in messages),
// so that secrets from the environment never reach an output.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.hpp"
#include "suite/cmd_options.hpp"
#include "suite/exec_options.hpp"
#include "suite/http_options.hpp"
#include "suite/source_position.hpp"
#include "suite/sse_options.hpp"
#include "suite/threshold.hpp"

namespace perfgate::suite {

// Service and benchmark names are labels, and a service's name becomes a file name (NAME.log):
// letters, digits, '-', '_' and '.', not starting with '.'.
bool is_label(std::string_view name);

// `attach:` — a process (tree) or cgroup perfgate did not start, to be sampled like a monitored
// service: `{pid: N}`, `{pid_file: PATH}` (read once the services are up) or `{cgroup: PATH}`
// (a cgroup v2 folder; CPU, memory and tasks from cpu.stat, memory.current, pids.current).
struct AttachTarget {
  enum class Kind { kPid, kPidFile, kCgroup };
  Kind kind = Kind::kPid;
  long pid = 0;            // kPid
  std::string path;        // kPidFile, kCgroup: relative paths start at the suite's folder
  std::string shown;       // "pid 4242", "pid_file run/api.pid", "cgroup /sys/fs/cgroup/api" (as written)
  SourcePosition position;
};

// A process started before the benchmarks and stopped after them, and/or one sampled while they run.
struct ServiceSpec {
  std::string name;
  std::string command;                   // run by `sh -c`; empty for a service perfgate only attaches to
  // At most one of the three ready checks, each repeated until it succeeds or ready_timeout:
  std::optional<std::string> ready_url;      // `ready: http://…`: GET until 2xx
  std::optional<std::string> ready_tcp;      // `ready: tcp://HOST:PORT`: "HOST:PORT", until it accepts
  std::optional<std::string> ready_command;  // `ready: {command: …}`: sh -c until it exits 0
  std::string ready_url_shown;               // as written, with the suite's `redact:` applied
  Nanos ready_timeout{std::chrono::seconds(30)};
  // Sample CPU, RSS, threads and fds of its process tree (its cgroup when perfgate put it in one)
  // during every benchmark's measured window; `attach:` implies it.
  bool monitor = false;
  std::optional<AttachTarget> attach;
  Nanos monitor_interval{std::chrono::milliseconds(250)};  // `monitor: {interval: 100ms}`
  bool profile = false;                    // CPU flame graph of it during each benchmark (perf)
  bool env_clear = false;                  // start from an empty environment, not perfgate's
  std::map<std::string, std::string> env;  // added to the inherited (or empty) environment
  SourcePosition position;                 // of the `- name:` item

  bool monitored() const { return monitor || attach.has_value(); }
  bool started_by_perfgate() const { return !command.empty(); }
};

// `ingest:` — another harness's results: a command whose stdout is parsed, or a file.
struct IngestBenchmarkOptions {
  std::string format;                  // "google-benchmark", "hyperfine", ... (checked when the run prepares it)
  std::optional<std::string> command;  // run by `sh -c`; its stdout is the input
  std::optional<std::string> file;     // relative to the suite's folder, as `body: "@file"` is
  std::string source_as_written;       // the command or the file
  SourcePosition format_position;
};

enum class BenchmarkKind { kHttp, kCmd, kIngest, kSse, kExec };

struct BenchmarkSpec {
  std::string name;
  BenchmarkKind kind = BenchmarkKind::kHttp;
  HttpBenchmarkOptions http;  // meaningful when kind == kHttp
  CmdBenchmarkOptions cmd;    // meaningful when kind == kCmd
  IngestBenchmarkOptions ingest;  // meaningful when kind == kIngest
  SseBenchmarkOptions sse;        // meaningful when kind == kSse
  ExecBenchmarkOptions exec;      // meaningful when kind == kExec
  std::vector<Threshold> thresholds;
  // `needs: [api]`: the services it talks to; with --only only those of the selected benchmarks
  // start. nullopt: it needs them all.
  std::optional<std::vector<std::string>> needs;
  bool env_clear = false;                  // cmd: start from an empty environment, not perfgate's
  std::map<std::string, std::string> env;  // cmd: added to the inherited (or empty) environment
  SourcePosition position;  // of the `- name:` item
  std::map<std::string, SourcePosition> option_positions;  // of each key under http: or cmd:, for messages

  // Whether it talks to the service: named in `needs:`, or no `needs:` at all.
  bool needs_service(const std::string& service) const {
    return !needs || std::find(needs->begin(), needs->end(), service) != needs->end();
  }
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

// `soak:` — run the selected load benchmarks at once for a long time (run/soak_run.hpp).
struct SoakPolicy {
  std::optional<Nanos> duration;    // nullopt: only with --soak DUR
  std::optional<Nanos> checkpoint;  // nullopt: a tenth of the duration
  std::optional<double> leak_threshold_bytes_per_h;  // RSS growth allowed; nullopt: 1MB/h
  bool warn_on_leak = false;        // on_leak: warn (a leak is reported, the run does not fail)
  bool warn_on_drift = false;       // on_drift: warn
  SourcePosition position;          // of `soak:`
};

struct Suite {
  std::string path;  // the suite file, as given
  std::string name;
  std::optional<std::string> store;  // nullopt: the default .perfgate/history.db
  std::string store_as_written;
  std::vector<std::string> redact;  // `redact:`: header and query parameter names shown as ***
  std::vector<ServiceSpec> services;
  std::vector<BenchmarkSpec> benchmarks;
  // `resources: [api.rss < 500MB, ...]`: service thresholds for every benchmark that needs the
  // service. The loader also appends them to those benchmarks' `thresholds`, so they are checked,
  // reported and stored like the benchmark's own.
  std::vector<Threshold> resource_thresholds;
  RegressionPolicy regression;
  std::optional<SoakPolicy> soak;
  SourcePosition position;  // of the document
};

}  // namespace perfgate::suite
