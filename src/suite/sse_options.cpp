// The option table of SSE benchmarks; see sse_options.hpp and, for adding a row, option_table.hpp.
#include "suite/sse_options.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/redaction.hpp"

namespace perfgate::suite {
namespace {

using O = SseBenchmarkOptions;
using V = OptionValue;
constexpr double kMaxRatePerS = 1'000'000;

std::string http_url(const V& v) {
  const std::string& url = v.text();
  if (!url.starts_with("http://")) {
    v.fail_because(fmt::format("expected a URL like http://127.0.0.1:8080/events, got '{}'", Redaction().url(url)));
  }
  return url;
}

std::string data_field(const V& v) {
  const std::string& text = v.text();
  if (!text.starts_with("json:") || text.size() == 5 || text.find('"') != std::string::npos) {
    v.fail("json:FIELD, the name of a field in the event's JSON data, like json:seq");
  }
  return text;
}

void finish_sse(O& o, const OptionNamer& name) {
  const bool publishing = o.publish_url.has_value();
  if (!publishing && (o.rate_per_s || o.body)) {
    throw UsageError(fmt::format("{} and {} need {} (where perfgate publishes the events)",
                                 name("rate"), name("body"), name("publish")));
  }
  if (publishing && o.ts_field) {
    throw UsageError(fmt::format("{} is for events perfgate does not publish: with {} the latency runs from the "
                                 "scheduled publish",
                                 name("ts_field"), name("publish")));
  }
  if (!publishing && !o.ts_field) {
    throw UsageError(fmt::format("nothing to time: give {} URL (perfgate publishes at {}) or {} json:FIELD "
                                 "(the events carry their own timestamp)",
                                 name("publish"), name("rate"), name("ts_field")));
  }
  if (publishing && !o.rate_per_s) o.rate_per_s = 10;
  if (publishing && !o.body) o.body = kDefaultSseBody;
}

}  // namespace

const OptionTable<SseBenchmarkOptions>& sse_option_table() {
  static const OptionTable<O> table{
      {
          {.flags = "url", .key = "url", .value_name = "URL", .help = "The event stream, e.g. http://127.0.0.1:8080/events",
           .apply = [](O& o, const V& v) { o.url = http_url(v); },
           .required = true},
          {.flags = "-s,--subscribers", .key = "subscribers", .value_name = "N",
           .help = "Subscribers, each holding its own stream (default 10)",
           .apply = [](O& o, const V& v) { o.subscribers = v.small_number(1, 1'000'000); }},
          {.flags = "-t,--threads", .key = "threads", .value_name = "N",
           .help = "Subscriber threads (default: one per 1,000 subscribers, at most one per CPU)",
           .apply = [](O& o, const V& v) { o.threads = v.small_number(1, 1024); }},
          {.flags = "-d,--duration", .key = "duration", .value_name = "DURATION",
           .help = "How long to publish (or listen), e.g. 10s (default 10s)",
           .apply = [](O& o, const V& v) { o.duration = v.positive_duration(); }},
          {.flags = "--timeout", .key = "timeout", .value_name = "DURATION",
           .help = "An event not received by a subscriber within this after its publish is lost (default 10s)",
           .apply = [](O& o, const V& v) { o.timeout = v.positive_duration(); }},
          {.flags = "--publish", .key = "publish", .value_name = "URL",
           .help = "perfgate POSTs each event here on schedule; delivery latency runs from the scheduled publish",
           .apply = [](O& o, const V& v) { o.publish_url = http_url(v); }},
          {.flags = "-r,--rate", .key = "rate", .value_name = "RATE",
           .help = "Publishes per second with --publish, e.g. 100, 100/s, 600/m (default 10/s)",
           .apply = [](O& o, const V& v) { o.rate_per_s = v.rate_per_s(kMaxRatePerS); }},
          {.flags = "-b,--body", .key = "body", .value_name = "TEMPLATE",
           .help = "The publish body; ${seq} is the event's id (default {\"seq\":${seq}})",
           .apply = [](O& o, const V& v) { o.body = v.text(); }},
          {.flags = "--publish-connections", .key = "publish_connections", .value_name = "N",
           .help = "Connections kept open to the publish URL (default 4)",
           .apply = [](O& o, const V& v) { o.publish_connections = v.small_number(1, 1024); }},
          {.flags = "--id-field", .key = "id_field", .value_name = "json:FIELD",
           .help = "Where an event's data carries the id that matches it to its publish (default json:seq)",
           .apply = [](O& o, const V& v) { o.id_field = data_field(v); }},
          {.flags = "--ts-field", .key = "ts_field", .value_name = "json:FIELD",
           .help = "Without --publish: the event's own timestamp (ms since the epoch, this machine's clock)",
           .apply = [](O& o, const V& v) { o.ts_field = data_field(v); }},
          {.flags = "--reconnect-delay", .key = "reconnect_delay", .value_name = "DURATION",
           .help = "Wait before reconnecting a dropped stream, unless it sent retry: (default 100ms)",
           .apply = [](O& o, const V& v) { o.reconnect_delay = v.duration(); }},
          {.flags = "-H,--header", .key = "headers", .value_name = "'NAME: VALUE'",
           .help = "Header sent with each subscription and publish (repeatable); in a suite a mapping",
           .apply = [](O& o, const V& v) { o.headers = v.header_pairs(); },
           .shape = OptionShape::kPairs},
          {.flags = "--redact", .key = "redact", .value_name = "HEADER",
           .help = "Also write this header's value as *** in results (repeatable)",
           .apply = [](O& o, const V& v) { o.redact = v.texts(); },
           .shape = OptionShape::kList},
      },
      finish_sse,
  };
  return table;
}

}  // namespace perfgate::suite
