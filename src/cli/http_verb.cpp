// `perfgate http URL`: parses and validates the options into LoadOptions, runs the load
// engine with a live progress line, prints the summary and writes the result document.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/progress.hpp"
#include "cli/signals.hpp"
#include "cli/summary.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/redaction.hpp"
#include "core/result_document.hpp"
#include "core/units.hpp"
#include "http/load_engine.hpp"
#include "http/load_result.hpp"
#include "http/request_template.hpp"
#include "http/url.hpp"

namespace perfgate::cli {
namespace {

struct HttpFlags {
  std::string url;
  int connections = 10;
  int threads = 0;
  std::string duration;
  std::uint64_t requests = 0;
  std::string rate;
  std::string warmup;
  std::string timeout = "10s";
  std::string grace;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  std::string json_path;
  std::string name;
  std::vector<std::string> redact;
  bool quiet = false;
};

std::string read_body(const std::string& text) {
  if (text.empty() || text[0] != '@') return text;
  std::string path = text.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("--body: cannot read file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ValidatedHttp {
  http::LoadOptions load;
  http::RequestSpec spec;
};

ValidatedHttp validate(const HttpFlags& f, const Redaction& redaction) {
  ValidatedHttp v;
  std::string error;
  auto url = http::parse_url(f.url, &error);
  if (!url) throw UsageError(fmt::format("URL '{}': {}", redaction.url(f.url), error));
  v.load.url = *url;
  if (f.connections < 1 || f.connections > 100000) {
    throw UsageError(fmt::format("--connections: {} is out of range (1..100000)", f.connections));
  }
  v.load.connections = f.connections;
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (f.threads < 0 || f.threads > 1024) throw UsageError(fmt::format("--threads: {} is out of range (1..1024)", f.threads));
  v.load.threads = std::min(f.threads == 0 ? cpus : f.threads, f.connections);
  v.load.requests = f.requests;
  if (!f.duration.empty()) {
    v.load.duration = duration_option("--duration", f.duration, false);
  } else if (f.requests == 0) {
    v.load.duration = std::chrono::seconds(10);
  }
  if (!f.rate.empty()) {
    auto rate = parse_rate_per_s(f.rate);
    if (!rate || *rate > 10'000'000) {
      throw UsageError(fmt::format("--rate: invalid rate '{}' (expected e.g. 1000, 1000/s, 600/m)", f.rate));
    }
    v.load.rate_per_s = rate;
  }
  if (!f.warmup.empty()) v.load.warmup = duration_option("--warmup", f.warmup, true);
  v.load.timeout = duration_option("--timeout", f.timeout, false);
  if (!f.grace.empty()) v.load.grace = duration_option("--grace", f.grace, true);
  std::uint64_t descriptors = http::raise_descriptor_limit(f.connections);
  if (static_cast<std::uint64_t>(f.connections) + http::kDescriptorsBesideConnections > descriptors) {
    throw UsageError(fmt::format(
        "--connections: {} connections need {} file descriptors, but the limit is {} (ulimit -n; the hard "
        "limit could not be raised further)",
        f.connections, static_cast<std::uint64_t>(f.connections) + http::kDescriptorsBesideConnections, descriptors));
  }
  if (f.method.empty() || f.method.find_first_of(" \t\r\n") != std::string::npos) {
    throw UsageError(fmt::format("--method: invalid method '{}'", f.method));
  }
  v.spec.method = f.method;
  for (std::size_t i = 0; i < f.headers.size(); ++i) {
    // The message never quotes the header: it may hold a secret.
    auto header = parse_header_line(f.headers[i], &error);
    if (!header) throw UsageError(fmt::format("--header #{}: {}", i + 1, error));
    v.spec.headers.emplace_back(header->name, header->value);
  }
  v.spec.body = read_body(f.body);
  v.load.head_request = f.method == "HEAD";
  v.load.request = http::build_request(*url, v.spec);
  check_output_path("--json", f.json_path);
  return v;
}

}  // namespace

int http_verb(const std::vector<std::string>& args) {
  CLI::App app{"Load an HTTP endpoint and report throughput, errors and latency.\n"
               "Closed model by default (each connection sends its next request when the previous\n"
               "completes); with --rate, the open model: requests are scheduled at a constant rate and\n"
               "latency runs from each request's scheduled time (coordinated omission corrected).",
               "perfgate http"};
  HttpFlags f;
  app.add_option("url", f.url, "Target, e.g. http://127.0.0.1:8080/health")->required();
  app.add_option("-c,--connections", f.connections, "Connections kept open (default 10)");
  app.add_option("-t,--threads", f.threads, "Event-loop threads (default: CPUs, at most one per connection)");
  app.add_option("-d,--duration", f.duration, "How long to measure, e.g. 10s, 2m (default 10s, or until -n is done)");
  app.add_option("-n,--requests", f.requests, "Stop after exactly N requests");
  app.add_option("-r,--rate", f.rate, "Open model: aggregate arrival rate, e.g. 1000, 1000/s, 600/m");
  app.add_option("--warmup", f.warmup, "Apply load this long first, and discard it (e.g. 2s)");
  app.add_option("--timeout", f.timeout, "Per-request timeout (default 10s)");
  app.add_option("--grace", f.grace,
                 "When the duration ends, await requests in flight this long; then they are timeouts "
                 "(default: the smaller of --timeout and 10s)");
  app.add_option("-m,--method", f.method, "HTTP method (default GET)");
  app.add_option("-H,--header", f.headers, "Request header 'Name: value' (repeatable)");
  app.add_option("-b,--body", f.body, "Request body: TEXT, or @FILE");
  app.add_option("--json", f.json_path, "Write the result document (perfgate.result/v1) to FILE, or - for stdout");
  app.add_option("--name", f.name, "Benchmark name in the result document (default: METHOD path)");
  app.add_option("--redact", f.redact,
                 "Also show this header's or query parameter's value as *** in every output (repeatable)");
  app.add_flag("-q,--quiet", f.quiet, "No progress line");
  app.footer("Exit codes: 0 ok, 2 bad options, 3 target unreachable or no request completed, 130 interrupted "
             "(partial results written).");

  if (auto code = parse_verb_arguments(app, args)) return *code;

  Redaction redaction(f.redact);
  ValidatedHttp v = validate(f, redaction);
  v.load.address = http::resolve(v.load.url);
  std::string shown_url = redaction.url(v.load.url.to_string());
  std::string name = f.name.empty() ? v.spec.method + " " + redaction.url(v.load.url.target) : f.name;
  nlohmann::json config = http::http_config_json(v.load, v.load.url.to_string(), v.spec, redaction);
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  ProgressLine progress(f.quiet);
  http::LoadRun run(v.load);
  run.start();
  while (!run.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (interrupted()) run.request_stop();
    progress.update(run.snapshot());
  }
  progress.clear();
  http::LoadResult result = run.wait();
  result.interrupted = result.interrupted || interrupted();

  if (result.unreachable) {
    std::fprintf(stderr, "perfgate http: cannot connect to %s: %s\n", shown_url.c_str(),
                 result.connect_error.c_str());
    return exit_code::kRunFailed;
  }
  // With the document on stdout, the summary goes to stderr so the JSON stays clean.
  FILE* summary_stream = names_stdout(f.json_path) ? stderr : stdout;
  if (!f.quiet || summary_stream == stdout) {
    std::string summary = http_summary(v.load, v.spec, shown_url, result);
    std::fputs(summary.c_str(), summary_stream);
    std::fflush(summary_stream);
  }
  if (!f.json_path.empty()) {
    nlohmann::json doc = result_document(run_info, {http::http_benchmark_json(name, config, result)});
    write_file_atomically(f.json_path, doc.dump(2) + "\n");
  }
  if (result.interrupted) return exit_code::kInterrupted;
  if (result.nothing_completed) {
    std::fprintf(stderr, "perfgate http: %s\n", result.invalid_reason.c_str());
    return exit_code::kRunFailed;
  }
  return exit_code::kOk;
}

}  // namespace perfgate::cli
