// Drives one suite benchmark through its engine; see suite_benchmark.hpp.
#include "run/suite_benchmark.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cmd/cmd_result.hpp"
#include "cmd/command_line.hpp"
#include "cmd/process.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "http/load_result.hpp"
#include "http/url.hpp"
#include "core/redaction.hpp"
#include "run/service_supervisor.hpp"
#include "run/suite_ingest.hpp"

namespace perfgate::run {
namespace {

[[noreturn]] void fail(const suite::BenchmarkSpec& spec, const std::string& what) {
  throw UsageError(fmt::format("{}: benchmark '{}': {}", spec.position.to_string(), spec.name, what));
}

// The suite's text as written, for what is shown; the value itself when the spec was built in
// code, not loaded (nothing was filled in then).
const std::string& as_written(const std::string& written, const std::string& value) {
  return written.empty() ? value : written;
}

// Messages of the engines quote what they ran; they must quote what the suite says instead.
std::string quoting_as_written(std::string message, const suite::CmdBenchmarkOptions& o) {
  auto replace = [&](const std::optional<std::string>& value, const std::optional<std::string>& written) {
    if (!value || !written || value->empty() || *value == *written) return;
    for (auto at = message.find(*value); at != std::string::npos; at = message.find(*value, at + written->size())) {
      message.replace(at, value->size(), *written);
    }
  };
  replace(o.command, o.command_as_written.empty() ? std::nullopt : std::optional<std::string>(o.command_as_written));
  replace(o.prepare, o.prepare_as_written);
  replace(o.cleanup, o.cleanup_as_written);
  return message;
}

PreparedHttp prepare_http(const suite::BenchmarkSpec& spec) {
  const suite::HttpBenchmarkOptions& o = spec.http;
  PreparedHttp p;
  const Redaction redaction(o.redact);
  const std::string& url_written = as_written(o.url_as_written, o.url);
  std::string error;
  auto url = http::parse_url(o.url, &error);
  if (!url) fail(spec, fmt::format("url '{}': {}", redaction.url(url_written), error));
  p.load.url = *url;
  try {
    p.load.address = http::resolve(*url);
  } catch (const RunError&) {
    // The resolver's message names the host, which may have been filled in from the environment.
    throw RunError(fmt::format("{}: benchmark '{}': cannot resolve the host of {}", spec.position.to_string(),
                               spec.name, redaction.url(url_written)));
  }
  p.load.connections = o.connections;
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  p.load.threads = std::min(o.threads.value_or(cpus), o.connections);
  p.load.duration = o.duration;
  p.load.requests = o.requests;
  p.load.rate_per_s = o.rate_per_s;
  p.load.warmup = o.warmup;
  p.load.timeout = o.timeout;
  p.request.method = o.method;
  p.request.headers = o.headers;
  if (o.body_file) {
    std::ifstream in(*o.body_file, std::ios::binary);
    if (!in) fail(spec, fmt::format("body: cannot read file '{}'", as_written(o.body_file_as_written, *o.body_file)));
    std::stringstream ss;
    ss << in.rdbuf();
    p.request.body = ss.str();
  } else {
    p.request.body = o.body;
  }
  p.load.head_request = o.method == "HEAD";
  p.load.request = http::build_request(*url, p.request);
  http::RequestSpec shown = p.request;
  if (!o.headers_as_written.empty()) shown.headers = o.headers_as_written;
  p.config = http::http_config_json(p.load, url_written, shown, redaction);
  return p;
}

cmd::RunnerOptions prepare_cmd(const suite::BenchmarkSpec& spec) {
  const suite::CmdBenchmarkOptions& o = spec.cmd;
  cmd::RunnerOptions r;
  cmd::BenchmarkCommand command;
  command.name = spec.name;
  command.text = o.command;
  if (!o.shell) {
    std::string error;
    auto argv = cmd::split_command_line(o.command, &error);
    if (!argv || argv->empty()) {
      fail(spec, fmt::format("command '{}': {}", as_written(o.command_as_written, o.command), argv ? "empty" : error));
    }
  }
  r.commands.push_back(command);
  r.shell = o.shell;
  r.warmup_runs = o.warmup_runs;
  r.exact_runs = o.runs;
  r.min_runs = o.min_runs;
  r.max_runs = o.max_runs;
  if (r.max_runs && *r.max_runs < r.min_runs) r.min_runs = *r.max_runs;
  r.prepare = o.prepare;
  r.cleanup = o.cleanup;
  r.ignore_failure = o.ignore_failure;
  return r;
}

double metric_value(const nlohmann::json& benchmark, const std::string& name) {
  for (const auto& m : benchmark.value("metrics", nlohmann::json::array())) {
    if (m.value("name", "") == name && m["value"].is_number()) return m["value"].get<double>();
  }
  return 0;
}

std::string http_summary_lines(const http::LoadResult& r) {
  std::string out = fmt::format("  {} requests in {:.1f} s, {:.1f} req/s, {} errors ({:.2f}%)\n", format_count(r.total),
                                r.duration_s, r.throughput_rps(), format_count(r.errors),
                                r.total > 0 ? 100.0 * static_cast<double>(r.errors) / static_cast<double>(r.total) : 0.0);
  auto ms = [&](double p) { return format_ms(static_cast<double>(r.latency.value_at_percentile(p)) / 1e6); };
  out += fmt::format("  latency{} p50 {}  p90 {}  p95 {}  p99 {}  max {}\n", r.open_model ? " (from schedule)" : "",
                     ms(50), ms(90), ms(95), ms(99), format_ms(static_cast<double>(r.latency.max()) / 1e6));
  if (!r.valid) out += "  INVALID: " + r.invalid_reason + "\n";
  for (const auto& note : r.notes) out += "  note: " + note + "\n";
  return out;
}

BenchmarkOutcome run_http(const suite::BenchmarkSpec& spec, const PreparedHttp& prepared, const BenchmarkHooks& hooks) {
  BenchmarkOutcome outcome;
  http::LoadRun load(prepared.load);
  load.start();
  while (!load.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (hooks.stop != nullptr && hooks.stop->load()) load.request_stop();
    if (hooks.http_progress) hooks.http_progress(load.snapshot());
  }
  http::LoadResult result = load.wait();
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
    outcome.failure = quoting_as_written(e.what(), spec.cmd);
    outcome.failure_exit_code = 1;
    return outcome;
  } catch (const RunError& e) {
    throw RunError(quoting_as_written(e.what(), spec.cmd));
  }
  if (results.empty() || results.front().wall_s.empty()) {
    outcome.interrupted = true;
    return outcome;
  }
  const cmd::CommandResult& r = results.front();
  outcome.interrupted = r.interrupted;
  nlohmann::json benchmark = cmd::cmd_benchmark_json(r, options, runner.shell_spawn_wall_s());
  // The document holds the suite's text as written, never the values filled in.
  const suite::CmdBenchmarkOptions& o = spec.cmd;
  if (benchmark.contains("config")) {
    nlohmann::json& config = benchmark["config"];
    config["command"] = as_written(o.command_as_written, o.command);
    if (o.prepare) config["prepare"] = o.prepare_as_written.value_or(*o.prepare);
    if (o.cleanup) config["cleanup"] = o.cleanup_as_written.value_or(*o.cleanup);
  }
  outcome.benchmarks.push_back(std::move(benchmark));
  double scale = r.wall.mean >= 1 ? 1 : 1e3;
  const char* unit = r.wall.mean >= 1 ? "s" : "ms";
  outcome.summary = fmt::format("  {} runs, wall {:.3f} {} ± {:.3f} {} (median {:.3f} {}), user {:.3f} {}, sys {:.3f} {}, "
                                "peak RSS {}\n",
                                r.wall_s.size(), r.wall.mean * scale, unit, r.wall.stddev * scale, unit,
                                r.wall.median * scale, unit, r.user_mean_s * scale, unit, r.system_mean_s * scale,
                                unit, format_bytes(metric_value(outcome.benchmarks.front(), "rss_max")));
  for (const auto& w : r.warnings) outcome.summary += "  warning: " + w + "\n";
  return outcome;
}

}  // namespace

PreparedBenchmark prepare_benchmark(const suite::BenchmarkSpec& spec) {
  PreparedBenchmark p;
  p.spec = &spec;
  if (spec.kind == suite::BenchmarkKind::kHttp) {
    p.http = prepare_http(spec);
  } else if (spec.kind == suite::BenchmarkKind::kCmd) {
    p.cmd = prepare_cmd(spec);
  } else {
    check_ingest_format(spec);
  }
  return p;
}

BenchmarkOutcome run_benchmark(const PreparedBenchmark& prepared, const BenchmarkHooks& hooks) {
  if (prepared.http) return run_http(*prepared.spec, *prepared.http, hooks);
  if (prepared.cmd) return run_cmd(*prepared.spec, *prepared.cmd, hooks);
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
  if (p.cmd) return fmt::format("cmd {}", as_written(p.spec->cmd.command_as_written, p.spec->cmd.command));
  const auto& ingest = p.spec->ingest;
  const std::string& source = as_written(ingest.source_as_written, ingest.command ? *ingest.command : ingest.file.value_or(""));
  return ingest.command ? fmt::format("ingest {} from the output of: {}", ingest.format, source)
                        : fmt::format("ingest {} from {}", ingest.format, source);
}

bool produced_by(const suite::BenchmarkSpec& spec, const std::string& benchmark_name) {
  if (benchmark_name == spec.name) return true;
  return spec.kind == suite::BenchmarkKind::kIngest && benchmark_name.size() > spec.name.size() + 1 &&
         benchmark_name.starts_with(spec.name) && benchmark_name[spec.name.size()] == '/';
}

}  // namespace perfgate::run
