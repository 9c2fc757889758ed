// One builder per engine, shared by `perfgate http`/`perfgate cmd` and suite benchmarks: the
// options read through the option tables (suite/http_options.hpp, suite/cmd_options.hpp) turned
// into what the engines take. Checks what needs the engines' knowledge (URLs, command lines,
// parameter scans) and names the option through an OptionNamer, so a mistake reads
// "--parameter-scan: …" on the command line and "suite.yaml:9:7: 'parameter_scan': …" in a suite.
//
//   suite::HttpBenchmarkOptions options = table_flags.read();
//   run::PreparedHttp prepared = run::build_http(options, namer);  // throws UsageError
//   http::LoadRun run(prepared.load);
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "callback/callback_listener.hpp"
#include "cmd/benchmark_runner.hpp"
#include "exec/exec_engine.hpp"
#include "http/load_engine.hpp"
#include "http/request_template.hpp"
#include "suite/cmd_options.hpp"
#include "suite/exec_options.hpp"
#include "suite/http_options.hpp"
#include "sse/sse_engine.hpp"
#include "suite/sse_options.hpp"

namespace perfgate::run {

// Where and how a run listens for callbacks (src/callback).
struct CallbackPlan {
  callback::ListenerOptions listener;
  Nanos timeout{std::chrono::seconds(10)};
};

struct PreparedHttp {
  http::LoadOptions load;
  http::RequestSpec request;  // with --targets: the first target's
  std::string name;          // "METHOD /path" (its query's secrets as ***), or "targets FILE"
  nlohmann::json config;     // the document's `config`, secrets as ***
  std::optional<CallbackPlan> callback;
};

// URL parsed and resolved, threads defaulted (one per CPU, at most one per connection), body
// and targets read, requests serialised (fixed) or compiled (templated).
PreparedHttp build_http(const suite::HttpBenchmarkOptions& options, const suite::OptionNamer& name);

struct PreparedSse {
  sse::SseOptions options;
  nlohmann::json config;  // the document's `config`, secrets as ***
};

// URLs parsed and resolved, the publish body compiled (a template error is a UsageError naming
// the option), threads defaulted (one per 1,000 subscribers, at most one per CPU).
PreparedSse build_sse(const suite::SseBenchmarkOptions& options, const suite::OptionNamer& name);

struct PreparedExec {
  exec::ExecOptions options;
  std::string shown_command;  // as written (a suite's text, unfilled)
  nlohmann::json config;
};

// The worker found (exit 2 when it is not an executable file), a single command string split like
// a shell would, the closed model's concurrency defaulted. The workers' stderr goes to
// `stderr_directory` (set later when it is not known yet).
PreparedExec build_exec(const suite::ExecBenchmarkOptions& options, const suite::OptionNamer& name);

// Parameters expanded (the first varies slowest), commands named and, without a shell, split.
// A command is named by --command-name, else its text; in a suite (`suite_benchmark` set) the
// one command of a benchmark is named as the benchmark, and several are "BENCHMARK/NAME", NAME
// being its command_name, else its parameters ("n=1,mode=fast"), else its text.
cmd::RunnerOptions build_runner(const suite::CmdBenchmarkOptions& options, const suite::OptionNamer& name,
                                const std::string* suite_benchmark = nullptr);

}  // namespace perfgate::run
