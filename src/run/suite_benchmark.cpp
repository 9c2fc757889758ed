// Drives one suite benchmark through its engine; see suite_benchmark.hpp.
#include "run/suite_benchmark.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cmd/cmd_result.hpp"
#include "cmd/process.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/units.hpp"
#include "exec/exec_result.hpp"
#include "http/load_result.hpp"
#include "core/redaction.hpp"
#include "run/engine_options.hpp"
#include "run/http_load.hpp"
#include "run/service_supervisor.hpp"
#include "run/suite_ingest.hpp"
#include "sse/sse_result.hpp"

namespace perfgate::run {
namespace {

[[noreturn]] void fail(const suite::BenchmarkSpec& spec, const std::string& what) {
  throw UsageError(fmt::format("{}: benchmark '{}': {}", spec.position.to_string(), spec.name, what));
}

// Names an option of the benchmark for a message that fail() puts after the benchmark's position.
std::string option_name(const suite::BenchmarkSpec& spec, std::string_view key) {
  auto at = spec.option_positions.find(std::string(key));
  if (at == spec.option_positions.end()) return fmt::format("'{}'", key);
  return fmt::format("'{}' (line {})", key, at->second.line);
}

// The suite's text as written, for what is shown; the value itself when the spec was built in
// code, not loaded (nothing was filled in then).
const std::string& as_written(const std::string& written, const std::string& value) {
  return written.empty() ? value : written;
}

// Messages of the engines quote what they ran; they must quote what the suite says instead.
std::string quoting_as_written(std::string message, const cmd::RunnerOptions& options,
                               const suite::CmdBenchmarkOptions& o) {
  auto replace = [&](const std::optional<std::string>& value, const std::optional<std::string>& written) {
    if (!value || !written || value->empty() || *value == *written) return;
    for (auto at = message.find(*value); at != std::string::npos; at = message.find(*value, at + written->size())) {
      message.replace(at, value->size(), *written);
    }
  };
  for (const auto& command : options.commands) {
    if (!command.shown.empty()) replace(command.text, command.shown);
  }
  replace(o.setup, o.setup_as_written);
  replace(o.prepare, o.prepare_as_written);
  replace(o.conclude, o.conclude_as_written);
  replace(o.cleanup, o.cleanup_as_written);
  return message;
}

std::string http_summary_lines(const http::LoadResult& r) {
  std::string out = fmt::format("  {} requests in {:.1f} s, {:.1f} req/s, {} errors ({:.2f}%)\n", format_count(r.total),
                                r.duration_s, r.throughput_rps(), format_count(r.errors),
                                r.total > 0 ? 100.0 * static_cast<double>(r.errors) / static_cast<double>(r.total) : 0.0);
  auto ms = [&](double p) { return format_ms(static_cast<double>(r.latency.value_at_percentile(p)) / 1e6); };
  out += fmt::format("  latency{} p50 {}  p90 {}  p95 {}  p99 {}  max {}\n", r.open_model ? " (from schedule)" : "",
                     ms(50), ms(90), ms(95), ms(99), format_ms(static_cast<double>(r.latency.max()) / 1e6));
  if (r.callbacks) out += http::callback_summary(*r.callbacks, r.open_model);
  if (!r.valid) out += "  INVALID: " + r.invalid_reason + "\n";
  for (const auto& note : r.notes) out += "  note: " + note + "\n";
  return out;
}

// Starts a load run (http::LoadRun, exec::ExecRun) and follows it to its end: progress about
// every 100 ms, a stop passed on.
template <typename Run>
auto follow(Run& run, const BenchmarkHooks& hooks) {
  run.start();
  while (!run.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (hooks.stop != nullptr && hooks.stop->load()) run.request_stop();
    if (hooks.http_progress) hooks.http_progress(run.snapshot());
  }
  return run.wait();
}

BenchmarkOutcome run_http(const suite::BenchmarkSpec& spec, const PreparedHttp& prepared, const BenchmarkHooks& hooks) {
  BenchmarkOutcome outcome;
  http::LoadResult result =
      run_http_load(prepared, {.progress = hooks.http_progress,
                               .stop_requested = [&] { return hooks.stop != nullptr && hooks.stop->load(); },
                               .measured_window_started = hooks.measured_window_started,
                               .measured_window_ended = hooks.measured_window_ended,
                               .each_poll = nullptr});
  outcome.interrupted = result.interrupted || (hooks.stop != nullptr && hooks.stop->load());
  if (result.unreachable) {
    outcome.failure = fmt::format("cannot connect to {}: {}", prepared.config.value("url", ""), result.connect_error);
    outcome.failure_exit_code = 3;
    return outcome;
  }
  outcome.benchmarks.push_back(http::http_benchmark_json(spec.name, prepared.config, result));
  outcome.summary = http_summary_lines(result);
  return outcome;
}

BenchmarkOutcome run_sse(const suite::BenchmarkSpec& spec, const PreparedSse& prepared, const BenchmarkHooks& hooks) {
  BenchmarkOutcome outcome;
  sse::SseRun run(prepared.options);
  run.start();
  while (!run.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (hooks.stop != nullptr && hooks.stop->load()) run.request_stop();
  }
  sse::SseResult result = run.wait();
  outcome.interrupted = result.interrupted || (hooks.stop != nullptr && hooks.stop->load());
  if (result.unreachable && !outcome.interrupted) {
    outcome.failure = fmt::format("cannot subscribe to {}: {}", prepared.config.value("url", ""), result.connect_error);
    outcome.failure_exit_code = 3;
    return outcome;
  }
  if (result.publish_unreachable && !outcome.interrupted) {
    outcome.failure = fmt::format("cannot connect to the publish URL {}: {}", prepared.config["publish"].value("url", ""),
                                  result.publish_error);
    outcome.failure_exit_code = 3;
    return outcome;
  }
  outcome.benchmarks.push_back(sse::sse_benchmark_json(spec.name, prepared.config, result));
  outcome.summary = sse::sse_summary_lines(result);
  return outcome;
}

BenchmarkOutcome run_exec(const suite::BenchmarkSpec& spec, const PreparedExec& prepared, const BenchmarkHooks& hooks) {
  BenchmarkOutcome outcome;
  exec::ExecOptions options = prepared.options;
  options.stderr_directory = (hooks.run_directory.empty() ? std::string(".") : hooks.run_directory) + "/exec-" + spec.name;
  std::error_code dir_error;
  std::filesystem::create_directories(options.stderr_directory, dir_error);
  if (dir_error) {
    throw RunError(fmt::format("cannot create '{}' for the workers' stderr: {}", options.stderr_directory, dir_error.message()));
  }
  exec::ExecRun run(options);
  try {
    run.start_workers(hooks.stop);
  } catch (const RunError& e) {
    outcome.interrupted = hooks.stop != nullptr && hooks.stop->load();
    outcome.failure = e.what();
    outcome.failure_exit_code = outcome.interrupted ? exit_code::kInterrupted : exit_code::kRunFailed;
    return outcome;
  }
  pid_t group = run.process_group();
  if (hooks.process_group_started) hooks.process_group_started(group);
  exec::ExecResult result = follow(run, hooks);
  if (hooks.process_group_stopping) hooks.process_group_stopping(group);
  outcome.interrupted = result.load.interrupted || (hooks.stop != nullptr && hooks.stop->load());
  if (result.failure) {
    outcome.failure = *result.failure;
    outcome.failure_exit_code = exit_code::kRunFailed;
    return outcome;
  }
  outcome.benchmarks.push_back(exec::exec_benchmark_json(spec.name, prepared.config, result));
  outcome.summary = http_summary_lines(result.load) + exec::error_message_lines(result);
  return outcome;
}

BenchmarkOutcome run_cmd(const suite::BenchmarkSpec& spec, const cmd::RunnerOptions& options,
                         const BenchmarkHooks& hooks) {
  BenchmarkOutcome outcome;
  std::optional<std::vector<std::string>> environment;
  if (spec.env_clear || !spec.env.empty()) environment = child_environment(spec.env_clear, spec.env);
  auto executor = cmd::make_process_executor(std::move(environment));
  cmd::BenchmarkRunner runner(*executor, options);
  std::vector<cmd::CommandResult> results;
  try {
    results = runner.run(
        [&](const cmd::RunnerProgress& p) {
          if (hooks.cmd_progress) hooks.cmd_progress(p);
        },
        hooks.stop);
  } catch (const cmd::CommandFailed& e) {
    outcome.failure = quoting_as_written(e.what(), options, spec.cmd);
    outcome.failure_exit_code = 1;
    return outcome;
  } catch (const RunError& e) {
    throw RunError(quoting_as_written(e.what(), options, spec.cmd));
  }
  if (results.empty() || results.front().wall_s.empty()) {
    outcome.interrupted = true;
    return outcome;
  }
  // One benchmark object per command (several with parameters); the runs of a command cut
  // short by Ctrl-C are kept, the commands not started are not.
  for (const cmd::CommandResult& r : results) {
    if (r.wall_s.empty()) continue;
    outcome.interrupted = outcome.interrupted || r.interrupted;
    nlohmann::json benchmark = cmd::cmd_benchmark_json(r, options, runner.shell_spawn_wall_s());
    // The document holds the suite's text as written, never the values filled in.
    if (benchmark.contains("config")) {
      const suite::CmdBenchmarkOptions& o = spec.cmd;
      nlohmann::json& config = benchmark["config"];
      if (o.setup) config["setup"] = o.setup_as_written.value_or(*o.setup);
      if (o.prepare) config["prepare"] = o.prepare_as_written.value_or(*o.prepare);
      if (o.conclude) config["conclude"] = o.conclude_as_written.value_or(*o.conclude);
      if (o.cleanup) config["cleanup"] = o.cleanup_as_written.value_or(*o.cleanup);
    }
    outcome.benchmarks.push_back(std::move(benchmark));
    double scale = r.wall.mean >= 1 ? 1 : 1e3;
    const char* unit = r.wall.mean >= 1 ? "s" : "ms";
    if (results.size() > 1) outcome.summary += fmt::format("  {}\n", r.command.name);
    outcome.summary += fmt::format(
        "  {} runs, wall {:.3f} {} ± {:.3f} {} (median {:.3f} {}), user {:.3f} {}, sys {:.3f} {}, peak RSS {}\n",
        r.wall_s.size(), r.wall.mean * scale, unit, r.wall.stddev * scale, unit, r.wall.median * scale, unit,
        r.user_mean_s * scale, unit, r.system_mean_s * scale, unit,
        format_bytes(metric_value(outcome.benchmarks.back(), "rss_max").value_or(0)));
    for (const auto& w : r.warnings) outcome.summary += "  warning: " + w + "\n";
  }
  outcome.interrupted = outcome.interrupted || results.size() < options.commands.size();
  return outcome;
}

}  // namespace

PreparedBenchmark prepare_benchmark(const suite::BenchmarkSpec& spec) {
  PreparedBenchmark p;
  p.spec = &spec;
  auto name = [&](std::string_view key) { return option_name(spec, key); };
  try {
    if (spec.kind == suite::BenchmarkKind::kHttp) {
      p.http = build_http(spec.http, name);
    } else if (spec.kind == suite::BenchmarkKind::kCmd) {
      p.cmd = build_runner(spec.cmd, name, &spec.name);
    } else if (spec.kind == suite::BenchmarkKind::kSse) {
      p.sse = build_sse(spec.sse, name);
    } else if (spec.kind == suite::BenchmarkKind::kExec) {
      p.exec = build_exec(spec.exec, name);
    }
  } catch (const UsageError& error) {
    fail(spec, error.what());
  }
  if (spec.kind == suite::BenchmarkKind::kIngest) check_ingest_format(spec);
  return p;
}

BenchmarkOutcome run_benchmark(const PreparedBenchmark& prepared, const BenchmarkHooks& hooks) {
  if (prepared.http) return run_http(*prepared.spec, *prepared.http, hooks);
  // cmd and ingest: the whole benchmark is the window, ended on every way out.
  if (hooks.measured_window_started) hooks.measured_window_started();
  struct WindowEnd {
    const BenchmarkHooks& hooks;
    ~WindowEnd() {
      if (hooks.measured_window_ended) hooks.measured_window_ended();
    }
  } window_end{hooks};
  if (prepared.cmd) return run_cmd(*prepared.spec, *prepared.cmd, hooks);
  if (prepared.sse) return run_sse(*prepared.spec, *prepared.sse, hooks);
  if (prepared.exec) return run_exec(*prepared.spec, *prepared.exec, hooks);
  return run_ingest(*prepared.spec, hooks);
}

std::string description(const PreparedBenchmark& p) {
  if (p.http) {
    const auto& l = p.http->load;
    std::string bound = l.duration ? format_duration(*l.duration) : fmt::format("{} requests", l.requests);
    std::string model = l.rate_per_s ? fmt::format("open model {:g}/s", *l.rate_per_s)
                                     : fmt::format("{} connections", l.connections);
    return fmt::format("http {} {}  ({}, {})", p.http->request.method, p.http->config.value("url", ""), model, bound);
  }
  if (p.sse) {
    const auto& o = p.sse->options;
    std::string publish = o.publish ? fmt::format("publishing {:g}/s", o.publish->rate_per_s) : "timed by their own field";
    return fmt::format("sse {}  ({} subscribers, {}, {})", p.sse->config.value("url", ""), o.subscribers, publish,
                       format_duration(o.duration));
  }
  if (p.exec) {
    const auto& e = p.exec->options;
    std::string bound = e.duration ? format_duration(*e.duration) : fmt::format("{} operations", e.operations);
    std::string model = e.rate_per_s ? fmt::format("open model {:g}/s", *e.rate_per_s)
                                     : fmt::format("{} in flight", e.concurrency);
    return fmt::format("exec {}  ({}, {} worker{}, {})", p.exec->shown_command, model, e.workers,
                       e.workers == 1 ? "" : "s", bound);
  }
  if (p.cmd) {
    const cmd::BenchmarkCommand& first = p.cmd->commands.front();
    const std::string& shown = as_written(first.shown, first.text);
    if (p.cmd->commands.size() > 1) return fmt::format("cmd {}  ({} commands)", shown, p.cmd->commands.size());
    return fmt::format("cmd {}", shown);
  }
  const auto& ingest = p.spec->ingest;
  const std::string& source = as_written(ingest.source_as_written, ingest.command ? *ingest.command : ingest.file.value_or(""));
  return ingest.command ? fmt::format("ingest {} from the output of: {}", ingest.format, source)
                        : fmt::format("ingest {} from {}", ingest.format, source);
}

bool produced_by(const suite::BenchmarkSpec& spec, const std::string& benchmark_name) {
  if (benchmark_name == spec.name) return true;
  return spec.kind != suite::BenchmarkKind::kHttp && benchmark_name.size() > spec.name.size() + 1 &&
         benchmark_name.starts_with(spec.name) && benchmark_name[spec.name.size()] == '/';
}

}  // namespace perfgate::run
