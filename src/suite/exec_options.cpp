// The option table of exec benchmarks; see exec_options.hpp and, for adding a row, option_table.hpp.
#include "suite/exec_options.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text_template.hpp"

namespace perfgate::suite {
namespace {

using O = ExecBenchmarkOptions;
using V = OptionValue;
constexpr double kMaxRatePerS = 10'000'000;
constexpr int kMaxWorkers = 1024;
constexpr int kMaxInFlight = 100'000;

void finish_exec(O& o, const OptionNamer& name) {
  if (o.rate_per_s && o.connections) {
    throw UsageError(fmt::format("{}: cannot be combined with {} (the open model's concurrency is whatever the rate "
                                 "needs, up to {} × {})",
                                 name("connections"), name("rate"), name("workers"), name("in_flight")));
  }
  if (!o.workers) o.workers = o.connections ? (*o.connections + o.in_flight - 1) / o.in_flight : 1;
  std::int64_t places = static_cast<std::int64_t>(*o.workers) * o.in_flight;
  if (o.connections && *o.connections > places) {
    throw UsageError(fmt::format("{}: {} operations in flight need more than {} workers × {} in flight each", name("connections"),
                                 *o.connections, *o.workers, o.in_flight));
  }
  if (!o.duration && o.requests == 0) o.duration = std::chrono::seconds(10);
}

}  // namespace

// A function-local table: built on first use, whatever order static objects start in.
const OptionTable<ExecBenchmarkOptions>& exec_option_table() {
  static const OptionTable<O> table{
      {
          {.flags = "command", .key = "command", .value_name = "WORKER ARGS",
           .help = "The worker and its arguments, after --; a suite's one string is split like a shell would",
           .apply =
               [](O& o, const V& v) {
                 for (const auto& word : v.texts()) {
                   if (word.empty()) v.fail_because("a word of the worker command is empty");
                 }
                 o.command = v.texts();
               },
           .shape = OptionShape::kList, .required = true},
          {.flags = "-c,--connections", .key = "connections", .value_name = "N",
           .help = "Closed model: operations in flight over all workers (default workers × in-flight)",
           .apply = [](O& o, const V& v) { o.connections = v.small_number(1, kMaxWorkers * 1000); }},
          {.flags = "-r,--rate", .key = "rate", .value_name = "RATE",
           .help = "Open model: aggregate arrival rate, e.g. 1000, 1000/s, 1000/m",
           .apply = [](O& o, const V& v) { o.rate_per_s = v.rate_per_s(kMaxRatePerS); }},
          {.flags = "-d,--duration", .key = "duration", .value_name = "DURATION",
           .help = "How long to measure, e.g. 10s, 2m (default 10s, or until -n is done)",
           .apply = [](O& o, const V& v) { o.duration = v.positive_duration(); }},
          {.flags = "-n,--requests", .key = "requests", .value_name = "N", .help = "Stop after exactly N operations",
           .apply = [](O& o, const V& v) { o.requests = v.whole_number(1, 1'000'000'000'000); }},
          {.flags = "--workers", .key = "workers", .value_name = "W",
           .help = "Worker processes (default 1, or enough for -c at --in-flight each)",
           .apply = [](O& o, const V& v) { o.workers = v.small_number(1, kMaxWorkers); }},
          {.flags = "--in-flight", .key = "in_flight", .value_name = "K",
           .help = "Operations one worker has at a time (default 1); it may answer them in any order",
           .apply = [](O& o, const V& v) { o.in_flight = v.small_number(1, kMaxInFlight); }},
          {.flags = "--payload", .key = "payload", .value_name = "TEMPLATE",
           .help = "Written after each ID and a tab; a template: ${seq} (= the ID), ${uuid}, ${rand:1-100}, "
                   "${now_ms}, ${request_id} (default: the ID alone)",
           .apply =
               [](O& o, const V& v) {
                 if (v.text().find_first_of("\r\n") != std::string::npos) {
                   v.fail_because("a payload is one line: it cannot hold a line break");
                 }
                 try {
                   TextTemplate::compile(v.text());  // checked here, so a mistake names the option
                 } catch (const TemplateError& e) {
                   v.fail_because(e.what());
                 }
                 o.payload = v.text();
               }},
          {.flags = "--warmup", .key = "warmup", .value_name = "DURATION",
           .help = "Apply load this long first, and discard it (e.g. 2s)",
           .apply = [](O& o, const V& v) { o.warmup = v.duration(); }},
          {.flags = "--timeout", .key = "timeout", .value_name = "DURATION",
           .help = "An operation not answered by then is a timeout (default 10s)",
           .apply = [](O& o, const V& v) { o.timeout = v.positive_duration(); }},
          {.flags = "--grace", .key = "grace", .value_name = "DURATION",
           .help = "When the duration ends, await operations in flight this long; then they are timeouts "
                   "(default: the smaller of --timeout and 10s)",
           .apply = [](O& o, const V& v) { o.grace = v.duration(); }},
          {.flags = "--ready-timeout", .key = "ready_timeout", .value_name = "DURATION",
           .help = "How long each worker has to print 'ready' (default 30s)",
           .apply = [](O& o, const V& v) { o.ready_timeout = v.positive_duration(); }},
      },
      finish_exec,
  };
  return table;
}

}  // namespace perfgate::suite
