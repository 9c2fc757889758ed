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
#include "core/text_template.hpp"
#include "http/load_result.hpp"
#include "http/targets.hpp"
#include "http/url.hpp"
#include "sse/sse_result.hpp"

namespace perfgate::run {
namespace {

std::string read_file(const std::string& path, const std::string& shown, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot read file '{}'", option, shown));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_body_file(const std::string& path, const std::string& shown, const suite::OptionNamer& name) {
  return read_file(path, shown, name("body"));
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
  std::string body_shown = o.body_file_as_written.empty() ? o.body_file.value_or("") : o.body_file_as_written;
  std::string body = o.body_file ? read_body_file(*o.body_file, body_shown, name) : o.body;
  if (o.body_file) {
    try {
      TextTemplate::compile(body);
    } catch (const TemplateError& e) {
      throw UsageError(fmt::format("{} '{}': {}", name("body"), body_shown, e.what()));
    }
  }
  p.request.method = o.method;
  p.request.headers = o.headers;
  p.request.body = body;
  std::vector<http::Target> targets;
  std::string url_written;
  if (o.targets_file) {
    std::string shown = o.targets_file_as_written.empty() ? *o.targets_file : o.targets_file_as_written;
    targets = http::parse_targets(read_file(*o.targets_file, shown, name("targets")), shown, p.request);
    p.request = targets.front().spec;
    url_written = targets.front().url.to_string();
    p.load.url = targets.front().url;
    p.name = fmt::format("targets {}", shown);
  } else {
    // What is shown: the suite's text (its `${VAR}` unfilled) with the redacted names as ***.
    url_written = o.url_as_written.empty() ? o.url : o.url_as_written;
    std::string error;
    auto url = http::parse_url(o.url, &error);
    if (!url) throw UsageError(fmt::format("{} '{}': {}", name("url"), redaction.url(url_written), error));
    p.load.url = *url;
    targets.push_back({*url, p.request, 0});
    p.name = p.request.method + " " + redaction.url(url->target);
  }
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
  // One fixed request keeps the zero-copy path: its bytes built once, shared by every connection.
  std::vector<http::PreparedRequest> prepared;
  try {
    for (const auto& target : targets) prepared.push_back(http::prepare_request(target.url, target.spec));
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", name(o.targets_file ? "targets" : "body"), e.what()));
  }
  // Callbacks are matched by ${request_id}: requests that carry no per-request id cannot be.
  bool carries_ids = std::any_of(prepared.begin(), prepared.end(),
                                 [](const http::PreparedRequest& r) { return r.templated && r.templated->uses_seq(); });
  if (o.callback_host && !carries_ids) {
    throw UsageError(fmt::format("{}: the requests carry no ${{request_id}} (put it in the URL, a header or the body, "
                                 "beside ${{callback_url}}), so no callback could be matched to its request",
                                 name("callback.listen")));
  }
  p.load.head_request = prepared.front().head_request;
  if (prepared.size() == 1 && !prepared.front().templated) {
    p.load.request = prepared.front().fixed;
  } else {
    p.load.request_set = std::move(prepared);
  }
  p.load.run_nonce = random_run_nonce();
  try {
    p.load.address = http::resolve(p.load.url);
  } catch (const RunError&) {
    // The resolver's message names the host, which may have been filled in from the environment.
    throw RunError(fmt::format("cannot resolve the host of {}", redaction.url(url_written)));
  }
  if (o.callback_host) {
    CallbackPlan plan;
    plan.listener.host = *o.callback_host;
    plan.listener.port = o.callback_port;
    std::string expected;
    const std::string id_from = o.callback_id_from.value_or(suite::kDefaultCallbackIdFrom);
    auto source = callback::parse_id_source(id_from, &expected);
    if (!source) throw UsageError(fmt::format("{}: expected {}, got '{}'", name("callback.id_from"), expected, id_from));
    plan.listener.id = *source;
    plan.timeout = o.callback_timeout.value_or(suite::kDefaultCallbackTimeout);
    p.callback = plan;
  }
  http::RequestSpec shown = p.request;
  if (!o.headers_as_written.empty() && !o.targets_file) shown.headers = o.headers_as_written;
  p.config = http::http_config_json(p.load, url_written, shown, redaction);
  if (o.targets_file) p.config["targets"] = targets.size();
  if (p.callback) {
    const CallbackPlan& c = *p.callback;
    bool v6 = c.listener.host.find(':') != std::string::npos;
    p.config["callback"] = {{"listen", fmt::format("{}{}{}:{}", v6 ? "[" : "", c.listener.host, v6 ? "]" : "", c.listener.port)},
                            {"id_from", c.listener.id.text()},
                            {"timeout_s", static_cast<double>(c.timeout.count()) / 1e9}};
  }
  return p;
}

PreparedSse build_sse(const suite::SseBenchmarkOptions& o, const suite::OptionNamer& name) {
  PreparedSse p;
  const Redaction redaction(o.redact);
  const std::string& url_written = o.url_as_written.empty() ? o.url : o.url_as_written;
  const std::string publish_written =
      o.publish_url ? (o.publish_url_as_written.empty() ? *o.publish_url : o.publish_url_as_written) : std::string();
  auto parse = [&](const std::string& text, const std::string& shown, std::string_view key) {
    std::string error;
    auto url = http::parse_url(text, &error);
    if (!url) throw UsageError(fmt::format("{} '{}': {}", name(key), redaction.url(shown), error));
    return *url;
  };
  sse::SseOptions& s = p.options;
  s.url = parse(o.url, url_written, "url");
  s.subscribers = o.subscribers;
  const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.threads = std::min(o.threads.value_or(std::min(cpus, (o.subscribers + 999) / 1000)), o.subscribers);
  s.duration = o.duration;
  s.timeout = o.timeout;
  s.reconnect_delay = o.reconnect_delay;
  s.headers = o.headers;
  s.id_field = *sse::parse_data_field(o.id_field);
  if (o.ts_field) s.ts_field = sse::parse_data_field(*o.ts_field);
  const int publish_connections = o.publish_url ? o.publish_connections : 0;
  std::uint64_t descriptors = http::raise_descriptor_limit(o.subscribers + publish_connections);
  std::uint64_t needed = static_cast<std::uint64_t>(o.subscribers + publish_connections) + http::kDescriptorsBesideConnections;
  if (needed > descriptors) {
    throw UsageError(fmt::format("{}: {} subscribers need {} file descriptors, but the limit is {} (ulimit -n)",
                                 name("subscribers"), o.subscribers, needed, descriptors));
  }
  if (o.publish_url) {
    sse::PublishOptions publish;
    publish.url = parse(*o.publish_url, publish_written, "publish");
    publish.rate_per_s = o.rate_per_s.value_or(10);
    publish.body_text = o.body.value_or(suite::kDefaultSseBody);
    try {
      publish.body = TextTemplate::compile(publish.body_text);
    } catch (const TemplateError& e) {
      throw UsageError(fmt::format("{}: {}", name("body"), e.what()));
    }
    if (!publish.body.uses_seq()) {
      throw UsageError(fmt::format("{}: the body must carry ${{seq}}, the id each event is matched to its publish by",
                                   name("body")));
    }
    publish.headers = o.headers;
    publish.connections = o.publish_connections;
    s.publish = std::move(publish);
  }
  try {
    s.address = http::resolve(s.url);
    if (s.publish) s.publish->address = http::resolve(s.publish->url);
  } catch (const RunError&) {
    throw RunError(fmt::format("cannot resolve the host of {}", redaction.url(s.publish ? publish_written : url_written)));
  }
  p.config = sse::sse_config_json(s, url_written, publish_written, redaction);
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
