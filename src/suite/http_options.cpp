// The option table of HTTP benchmarks; see http_options.hpp and, for adding a row, option_table.hpp.
#include "suite/http_options.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/text_template.hpp"

namespace perfgate::suite {
namespace {

using O = HttpBenchmarkOptions;
using V = OptionValue;
constexpr double kMaxRatePerS = 10'000'000;

void finish_http(O& o, const OptionNamer& name) {
  // Like wrk and hey: 10 s unless a request count bounds the run.
  if (!o.duration && o.requests == 0) o.duration = std::chrono::seconds(10);
  if (!o.callback_host && (o.callback_id_from || o.callback_timeout)) {
    throw UsageError(fmt::format("{}: needs {} (where perfgate listens for the callbacks)",
                                 name(o.callback_id_from ? "callback.id_from" : "callback.timeout"),
                                 name("callback.listen")));
  }
  if (o.url.empty() && !o.targets_file) {
    throw UsageError(fmt::format("no target url: give {} or {} FILE", name("url"), name("targets")));
  }
  if (!o.url.empty() && o.targets_file) {
    throw UsageError(fmt::format("{}: the URLs come from the file; give no other URL", name("targets")));
  }
  if (o.body_file && !o.body.empty()) {
    throw UsageError(fmt::format("{}: give the body inline or as a file, not both", name("body_file")));
  }
}

// HOST:PORT where the callback listener listens: this machine only (127.0.0.1, [::1] or
// localhost), so a run never opens a port to the network.
void apply_callback_listen(O& o, const V& v) {
  const std::string& text = v.text();
  auto colon = text.rfind(':');
  if (colon == std::string::npos) v.fail("HOST:PORT like 127.0.0.1:0 (port 0 picks a free one)");
  std::string host = text.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host == "[::1]") host = "::1";
  if (host != "127.0.0.1" && host != "::1") {
    v.fail_because(fmt::format("the callback listener listens on this machine only: expected 127.0.0.1:PORT or "
                               "[::1]:PORT, got '{}'", text));
  }
  OptionValue port(v.where(), {text.substr(colon + 1)});
  o.callback_port = static_cast<std::uint16_t>(port.whole_number(0, 65535));
  o.callback_host = host;
}

// A template in an option's text: compiled now, so a bad "${" is exit 2 naming the option.
void check_template(const V& v, const std::string& text) {
  try {
    TextTemplate::compile(text);
  } catch (const TemplateError& e) {
    v.fail_because(e.what());
  }
}

}  // namespace

// A function-local table: built on first use, whatever order static objects start in.
const OptionTable<HttpBenchmarkOptions>& http_option_table() {
  static const OptionTable<O> table{
      {
          {.flags = "url", .key = "url", .value_name = "URL", .help = "Target, e.g. http://127.0.0.1:8080/health",
           .apply =
               [](O& o, const V& v) {
                 // The host and port are checked by the builder, which knows URLs; a URL's user:password@
                 // is never quoted.
                 const std::string& url = v.text();
                 if (url.find("://") == std::string::npos) {
                   v.fail_because(fmt::format("expected a URL like http://127.0.0.1:8080/path, got '{}'",
                                              Redaction().url(url)));
                 }
                 if (!url.starts_with("http://") && !url.starts_with("https://")) {
                   v.fail_because(fmt::format("unsupported scheme in '{}' (expected a URL like http://127.0.0.1:8080/path)",
                                              Redaction().url(url)));
                 }
                 // The connections are reused: templates go in the path and query only.
                 std::size_t authority = url.find("://") + 3;
                 std::size_t path = url.find_first_of("/?", authority);
                 if (url.substr(authority, path - authority).find("${") != std::string::npos) {
                   v.fail_because("templates (${...}) go in the path and query, not in scheme://host:port");
                 }
                 check_template(v, url);
                 o.url = v.text();
               }},
          {.flags = "-c,--connections", .key = "connections", .value_name = "N",
           .help = "Connections kept open (default 10)",
           .apply = [](O& o, const V& v) { o.connections = v.small_number(1, 100'000); }},
          {.flags = "-t,--threads", .key = "threads", .value_name = "N",
           .help = "Event-loop threads (default: CPUs, at most one per connection)",
           .apply = [](O& o, const V& v) { o.threads = v.small_number(1, 1024); }},
          {.flags = "-d,--duration", .key = "duration", .value_name = "DURATION",
           .help = "How long to measure, e.g. 10s, 2m (default 10s, or until -n is done)",
           .apply = [](O& o, const V& v) { o.duration = v.positive_duration(); }},
          {.flags = "-n,--requests", .key = "requests", .value_name = "N", .help = "Stop after exactly N requests",
           .apply = [](O& o, const V& v) { o.requests = v.whole_number(1, 1'000'000'000'000); }},
          {.flags = "-r,--rate", .key = "rate", .value_name = "RATE",
           .help = "Open model: aggregate arrival rate, e.g. 1000, 1000/s, 600/m",
           .apply = [](O& o, const V& v) { o.rate_per_s = v.rate_per_s(kMaxRatePerS); }},
          {.flags = "--warmup", .key = "warmup", .value_name = "DURATION",
           .help = "Apply load this long first, and discard it (e.g. 2s)",
           .apply = [](O& o, const V& v) { o.warmup = v.duration(); }},
          {.flags = "--timeout", .key = "timeout", .value_name = "DURATION", .help = "Per-request timeout (default 10s)",
           .apply = [](O& o, const V& v) { o.timeout = v.positive_duration(); }},
          {.flags = "--grace", .key = "grace", .value_name = "DURATION",
           .help = "When the duration ends, await requests in flight this long; then they are timeouts "
                   "(default: the smaller of --timeout and 10s)",
           .apply = [](O& o, const V& v) { o.grace = v.duration(); }},
          {.flags = "-m,--method", .key = "method", .value_name = "METHOD", .help = "HTTP method (default GET)",
           .apply =
               [](O& o, const V& v) {
                 const std::string& m = v.text();
                 bool token = !m.empty() && std::all_of(m.begin(), m.end(), [](char c) {
                   return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
                 });
                 if (!token) v.fail("an HTTP method like GET or POST");
                 o.method = m;
               }},
          {.flags = "-H,--header", .key = "headers", .value_name = "'NAME: VALUE'",
           .help = "Request header (repeatable); in a suite a mapping {NAME: VALUE}",
           .apply =
               [](O& o, const V& v) {
                 o.headers = v.header_pairs();
                 for (const auto& [header, value] : o.headers) check_template(v, value);
               },
           .shape = OptionShape::kPairs},
          {.flags = "-b,--body", .key = "body", .value_name = "TEXT|@FILE",
           .help = "Request body: TEXT, or @FILE (templates: ${seq}, ${uuid}, ${rand:1-100}...)",
           .apply =
               [](O& o, const V& v) {
                 if (v.text().starts_with('@')) {
                   o.body_file = v.path(v.text().substr(1));
                 } else {
                   check_template(v, v.text());
                   o.body = v.text();
                 }
               }},
          {.flags = "--body-file", .key = "body_file", .value_name = "FILE",
           .help = "Request body read from FILE before the run (the same as -b @FILE)",
           .apply = [](O& o, const V& v) { o.body_file = v.path(); }},
          {.flags = "--targets", .key = "targets", .value_name = "FILE",
           .help = "JSON lines {\"method\", \"url\", \"headers\", \"body\"}, sent round-robin; "
                   "all on one scheme://host:port",
           .apply = [](O& o, const V& v) { o.targets_file = v.path(); }},
          {.flags = "--redact", .key = "redact", .value_name = "HEADER",
           .help = "Also write this header's value as *** in results (repeatable)",
           .apply = [](O& o, const V& v) { o.redact = v.texts(); },
           .shape = OptionShape::kList},
          {.flags = "--callback-listen", .key = "callback.listen", .value_name = "HOST:PORT",
           .help = "Listen for callbacks here (127.0.0.1:0 picks a port); ${callback_url} is its URL",
           .apply = apply_callback_listen},
          {.flags = "--callback-id", .key = "callback.id_from", .value_name = "json:FIELD|header:NAME|query:NAME",
           .help = "Where a callback carries its request's ${request_id} (default json:id)",
           .apply = [](O& o, const V& v) { o.callback_id_from = v.non_empty_text("json:FIELD, header:NAME or query:NAME"); }},
          {.flags = "--callback-timeout", .key = "callback.timeout", .value_name = "DURATION",
           .help = "A callback not come this long after its request's send is lost; the end waits this long at most "
                   "(default 10s)",
           .apply = [](O& o, const V& v) { o.callback_timeout = v.positive_duration(); }},
      },
      finish_http,
  };
  return table;
}

}  // namespace perfgate::suite
