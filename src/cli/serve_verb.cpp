// `perfgate serve`: turns the command line into validated ServeOptions, listens, says so
// on stderr, and serves until SIGINT or SIGTERM (then exits 0).
#include <netdb.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <vector>

#include "cli/option_values.hpp"
#include "cli/signals.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "serve/memory_leak.hpp"
#include "serve/server.hpp"

namespace perfgate::cli {
namespace {

// The option values as typed, before validation.
struct RawServeArgs {
  std::string port = "8080";
  std::string host = "127.0.0.1";
  std::string threads = "1";
  std::string idle_timeout = "5s";
  std::string max_connections = "10000";
  std::string latency, jitter, stall, every, error_rate, body_size;
  bool quiet = false;
};

std::optional<long> parse_integer(const std::string& text) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}


void check_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (host.empty() || getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) {
    throw UsageError(fmt::format("--host: cannot resolve '{}'", host));
  }
  freeaddrinfo(found);
}

serve::ServeOptions validate(const RawServeArgs& raw) {
  serve::ServeOptions options;
  auto port = parse_integer(raw.port);
  if (!port || *port < 0 || *port > 65535) {
    throw UsageError(fmt::format("--port: expected a port number from 0 to 65535, got '{}'", raw.port));
  }
  options.port = static_cast<std::uint16_t>(*port);
  check_host(raw.host);
  options.host = raw.host;
  auto threads = parse_integer(raw.threads);
  if (!threads || *threads < 1 || *threads > 256) {
    throw UsageError(fmt::format("--threads: expected a number from 1 to 256, got '{}'", raw.threads));
  }
  options.threads = static_cast<int>(*threads);
  options.idle_timeout = duration_option("--idle-timeout", raw.idle_timeout);
  auto max_connections = parse_integer(raw.max_connections);
  if (!max_connections || *max_connections < 1 || *max_connections > 1'000'000) {
    throw UsageError(
        fmt::format("--max-connections: expected a number from 1 to 1000000, got '{}'", raw.max_connections));
  }
  options.max_connections = static_cast<int>(*max_connections);
  if (!raw.latency.empty()) options.latency = duration_option("--latency", raw.latency);
  if (!raw.jitter.empty()) options.jitter = duration_option("--jitter", raw.jitter);
  if (!raw.stall.empty() && raw.every.empty()) {
    throw UsageError("--stall needs --every (how often the server stalls), e.g. --stall 500ms --every 10s");
  }
  if (!raw.every.empty() && raw.stall.empty()) throw UsageError("--every needs --stall (how long each stall lasts)");
  if (!raw.stall.empty()) {
    options.stall = duration_option("--stall", raw.stall);
    options.stall_every = duration_option("--every", raw.every);
    if (options.stall.count() <= 0) throw UsageError("--stall: must be longer than 0");
    if (options.stall >= options.stall_every) {
      throw UsageError(fmt::format("--stall: must be shorter than --every ({} is not shorter than {})", raw.stall,
                                   raw.every));
    }
  }
  if (!raw.error_rate.empty()) {
    auto fraction = parse_percent_fraction(raw.error_rate);
    if (!fraction) {
      throw UsageError(
          fmt::format("--error-rate: expected a percentage from 0% to 100% like 5% or 0.1%, got '{}'", raw.error_rate));
    }
    options.error_rate = *fraction;
  }
  if (!raw.body_size.empty()) {
    auto bytes = parse_size_bytes(raw.body_size);
    if (!bytes || *bytes > serve::kMaxServeBodyBytes) {
      throw UsageError(fmt::format("--body-size: expected a size up to 1GB like 512B or 64KB, got '{}'", raw.body_size));
    }
    options.body_bytes = *bytes;
  }
  return options;
}

}  // namespace

int serve_verb(const std::vector<std::string>& args) {
  CLI::App app{
      "A configurable HTTP/1.1 target server for calibration, demos and tests.\n"
      "Per request: ?delay=5ms ?status=503 ?size=10KB, and the hooks ?chunked=1 ?close=1\n"
      "?connection_close=1 ?reset=1 ?cut=1 ?garbage=1 ?interim=1. /health always answers 200 ok.",
      "perfgate serve"};
  RawServeArgs raw;
  app.add_option("--port", raw.port, "TCP port to listen on; 0 picks a free one (default 8080)")
      ->type_name("PORT");
  app.add_option("--host", raw.host, "address to listen on (default 127.0.0.1)")->type_name("HOST");
  app.add_option("--latency", raw.latency, "added to every response, e.g. 5ms")->type_name("DUR");
  app.add_option("--jitter", raw.jitter, "uniform +/- jitter on top of --latency, never below 0")
      ->type_name("DUR");
  app.add_option("--stall", raw.stall, "the whole server writes nothing for this long ...")
      ->type_name("DUR");
  app.add_option("--every", raw.every, "... once every this period, e.g. --stall 500ms --every 10s")
      ->type_name("DUR");
  app.add_option("--error-rate", raw.error_rate, "this share of responses are 500, e.g. 1%")->type_name("PCT");
  app.add_option("--body-size", raw.body_size, "body size of responses, e.g. 10KB (default: \"ok\\n\")")
      ->type_name("SIZE");
  app.add_option("--threads", raw.threads, "event-loop threads (default 1)")->type_name("N");
  app.add_option("--idle-timeout", raw.idle_timeout,
                 "close a connection owed nothing and sent no complete request for this long; 0: never (default 5s)")
      ->type_name("DUR");
  app.add_option("--max-connections", raw.max_connections,
                 "connections served at once; more are closed at once (default 10000)")
      ->type_name("N");
  app.add_flag("-q,--quiet", raw.quiet, "do not print the listening line");
  std::string leak_rate;
  app.add_option("--leak", leak_rate, "grow memory on purpose by this much touched memory, e.g. 2MB/s (up to 1GB)")
      ->type_name("RATE");

  if (auto code = parse_verb_arguments(app, args)) return *code;
  serve::ServeOptions options = validate(raw);
  std::optional<double> leak_bytes_per_s;
  if (!leak_rate.empty() && !(leak_bytes_per_s = parse_byte_rate_per_s(leak_rate))) {
    throw UsageError(fmt::format("--leak: expected a growth like 2MB/s or 100MB/m, got '{}'", leak_rate));
  }

  install_interrupt_handlers();
  serve::TargetServer server(options);
  if (!raw.quiet) {
    const bool ipv6 = options.host.find(':') != std::string::npos;
    fmt::print(stderr, "perfgate serve: listening on http://{}{}{}:{}\n", ipv6 ? "[" : "", options.host,
               ipv6 ? "]" : "", server.port());
    std::fflush(stderr);
  }
  std::optional<serve::MemoryLeak> leak;
  if (leak_bytes_per_s && *leak_bytes_per_s > 0) leak.emplace(*leak_bytes_per_s);
  server.run(interrupt_flag());
  // The server runs until a signal; being stopped is its normal end, reported as DESIGN's 130.
  return interrupted() ? exit_code::kInterrupted : exit_code::kOk;
}

}  // namespace perfgate::cli
