// The engines' options built from the option tables' structs; see engine_options.hpp.
#include "run/engine_options.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cmd/command_line.hpp"
#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/text_template.hpp"
#include "exec/exec_result.hpp"
#include "exec/worker_process.hpp"
#include "http/load_engine.hpp"
#include "http/load_result.hpp"
#include "http/url.hpp"

namespace perfgate::run {
namespace {

std::string read_body_file(const std::string& path, const std::string& shown, const suite::OptionNamer& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot read file '{}'", name("body"), shown));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<cmd::Parameter> parameters_of(const suite::CmdBenchmarkOptions& o, const suite::OptionNamer& name) {
  std::vector<cmd::Parameter> parameters;
  for (const auto& scan : o.parameter_scans) {
    std::string error;
    auto p = cmd::parameter_scan(scan.name, scan.min, scan.max, o.parameter_step, &error);
    if (!p) throw UsageError(fmt::format("{}: {}", name("parameter_scan"), error));
    parameters.push_back(*p);
  }
  for (const auto& list : o.parameter_lists) parameters.push_back(cmd::parameter_list(list.name, list.values));
  return parameters;
}

std::string parameters_text(const std::map<std::string, std::string>& values, const std::vector<cmd::Parameter>& order) {
  std::string out;
  for (const auto& p : order) {
    if (!out.empty()) out += ",";
    out += p.name + "=" + values.at(p.name);
  }
  return out;
}

}  // namespace

PreparedHttp build_http(const suite::HttpBenchmarkOptions& o, const suite::OptionNamer& name) {
  PreparedHttp p;
  const Redaction redaction(o.redact);
  // What is shown: the suite's text (its `${VAR}` unfilled) with the redacted names as ***.
  const std::string& url_written = o.url_as_written.empty() ? o.url : o.url_as_written;
  std::string error;
  auto url = http::parse_url(o.url, &error);
  if (!url) throw UsageError(fmt::format("{} '{}': {}", name("url"), redaction.url(url_written), error));
  p.load.url = *url;
  p.load.connections = o.connections;
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  p.load.threads = std::min(o.threads.value_or(cpus), o.connections);
  p.load.duration = o.duration;
  p.load.requests = o.requests;
  p.load.rate_per_s = o.rate_per_s;
  p.load.warmup = o.warmup;
  p.load.timeout = o.timeout;
  p.load.grace = o.grace;
  std::uint64_t descriptors = http::raise_descriptor_limit(o.connections);
  std::uint64_t needed = static_cast<std::uint64_t>(o.connections) + http::kDescriptorsBesideConnections;
  if (needed > descriptors) {
    throw UsageError(fmt::format("{}: {} connections need {} file descriptors, but the limit is {} (ulimit -n; the "
                                 "hard limit could not be raised further)",
                                 name("connections"), o.connections, needed, descriptors));
  }
  p.request.method = o.method;
  p.request.headers = o.headers;
  if (o.body_file) {
    p.request.body = read_body_file(*o.body_file, o.body_file_as_written.empty() ? *o.body_file : o.body_file_as_written,
                                    name);
  } else {
    p.request.body = o.body;
  }
  p.load.head_request = o.method == "HEAD";
  p.load.request = http::build_request(*url, p.request);
  try {
    p.load.address = http::resolve(*url);
  } catch (const RunError&) {
    // The resolver's message names the host, which may have been filled in from the environment.
    throw RunError(fmt::format("cannot resolve the host of {}", redaction.url(url_written)));
  }
  http::RequestSpec shown = p.request;
  if (!o.headers_as_written.empty()) shown.headers = o.headers_as_written;
  p.config = http::http_config_json(p.load, url_written, shown, redaction);
  return p;
}

PreparedExec build_exec(const suite::ExecBenchmarkOptions& o, const suite::OptionNamer& name) {
  PreparedExec p;
  std::vector<std::string> argv = o.command;
  if (argv.size() == 1) {
    std::string error;
    auto words = cmd::split_command_line(argv.front(), &error);
    if (!words || words->empty()) {
      throw UsageError(fmt::format("{}: {}", name("command"), words ? "the worker command is empty" : error));
    }
    argv = *words;
  }
  std::string problem;
  if (!exec::find_executable(argv.front(), &problem)) {
    throw UsageError(fmt::format("{}: cannot run the worker: {}", name("command"), problem));
  }
  std::string shown;
  for (const auto& word : argv) shown += (shown.empty() ? "" : " ") + word;
  p.shown_command = o.command_as_written.empty() ? shown : o.command_as_written;
  exec::ExecOptions& e = p.options;
  e.argv = std::move(argv);
  e.workers = o.workers.value_or(1);
  e.in_flight = o.in_flight;
  e.concurrency = o.connections.value_or(e.workers * e.in_flight);
  e.duration = o.duration;
  e.operations = o.requests;
  e.rate_per_s = o.rate_per_s;
  e.warmup = o.warmup;
  e.timeout = o.timeout;
  e.grace = o.grace;
  e.ready_timeout = o.ready_timeout;
  e.payload = o.payload;
  if (o.payload) {
    try {
      TextTemplate::compile(*o.payload);  // the engine compiles it again; a mistake is exit 2 here
    } catch (const TemplateError& error) {
      throw UsageError(fmt::format("{}: {}", name("payload"), error.what()));
    }
  }
  // Two pipes per worker.
  std::uint64_t descriptors = http::raise_descriptor_limit(2 * e.workers);
  std::uint64_t needed = 2 * static_cast<std::uint64_t>(e.workers) + http::kDescriptorsBesideConnections;
  if (needed > descriptors) {
    throw UsageError(fmt::format("{}: {} workers need {} file descriptors, but the limit is {} (ulimit -n)",
                                 name("workers"), e.workers, needed, descriptors));
  }
  p.config = exec::exec_config_json(e, p.shown_command);
  return p;
}

cmd::RunnerOptions build_runner(const suite::CmdBenchmarkOptions& o, const suite::OptionNamer& name,
                                const std::string* suite_benchmark) {
  cmd::RunnerOptions r;
  r.shell = o.shell;
  r.warmup_runs = o.warmup_runs;
  r.exact_runs = o.runs;
  r.max_runs = o.max_runs;
  r.min_runs = o.min_runs.value_or(10);
  if (r.max_runs && *r.max_runs < r.min_runs) r.min_runs = *r.max_runs;  // -M 5 alone means at most 5
  r.min_time = o.min_time;
  r.setup = o.setup;
  r.prepare = o.prepare;
  r.conclude = o.conclude;
  r.cleanup = o.cleanup;
  r.ignore_failure = o.ignore_failure;
  if (suite_benchmark != nullptr) r.ignore_failure_hint = "ignore_failure: true (in the benchmark's cmd:)";
  r.input.path = o.input;
  if (o.show_output || o.output == "inherit") {
    r.output.kind = cmd::OutputMode::Kind::kInherit;
  } else if (o.output == "null") {
    r.output.kind = cmd::OutputMode::Kind::kNull;
  } else if (o.output == "pipe") {
    r.output.kind = cmd::OutputMode::Kind::kPipe;
  } else if (o.output == "inherit") {
    r.output.kind = cmd::OutputMode::Kind::kInherit;
  } else {
    r.output = {cmd::OutputMode::Kind::kFile, o.output};
  }

  std::vector<cmd::Parameter> parameters = parameters_of(o, name);
  auto combinations = cmd::parameter_combinations(parameters);
  bool one = o.commands.size() * combinations.size() == 1;
  if (o.reference) {
    // Benchmarked first, once, as hyperfine does; the comparison is with it.
    if (!r.shell) {
      std::string error;
      auto argv = cmd::split_command_line(*o.reference, &error);
      if (!argv || argv->empty()) {
        throw UsageError(fmt::format("{} '{}': {}", name("reference"), *o.reference, argv ? "empty" : error));
      }
    }
    cmd::BenchmarkCommand c;
    c.text = *o.reference;
    if (o.reference_as_written && *o.reference_as_written != *o.reference) c.shown = *o.reference_as_written;
    c.name = suite_benchmark == nullptr ? *o.reference : *suite_benchmark + "/reference";
    r.commands.push_back(std::move(c));
    one = false;
  }
  for (std::size_t i = 0; i < o.commands.size(); ++i) {
    for (const auto& values : combinations) {
      cmd::BenchmarkCommand c;
      c.text = cmd::substitute_parameters(o.commands[i], values);
      if (i < o.commands_as_written.size() && o.commands_as_written[i] != o.commands[i]) {
        c.shown = cmd::substitute_parameters(o.commands_as_written[i], values);
      }
      c.parameters = values;
      std::string own = !o.command_names.empty() ? cmd::substitute_parameters(o.command_names[i], values)
                        : !values.empty() && o.commands.size() == 1 ? parameters_text(values, parameters)
                                                                     : c.text;
      if (suite_benchmark == nullptr) {
        c.name = o.command_names.empty() ? c.text : own;
      } else {
        c.name = one ? *suite_benchmark : *suite_benchmark + "/" + own;
      }
      if (!r.shell) {
        std::string error;
        auto argv = cmd::split_command_line(c.text, &error);
        if (!argv || argv->empty()) {
          throw UsageError(fmt::format("{} '{}': {}", name("command"), c.shown.empty() ? c.text : c.shown,
                                       argv ? "empty" : error));
        }
      }
      r.commands.push_back(std::move(c));
    }
  }
  return r;
}

}  // namespace perfgate::run
