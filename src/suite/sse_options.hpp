// The options of an SSE benchmark, as `perfgate sse` flags and as the keys of a suite's `sse:`,
// read through one table (option_table.hpp); run/engine_options.hpp turns them into the SSE
// engine's sse::SseOptions (URLs resolved, the body template compiled).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.hpp"
#include "suite/option_table.hpp"

namespace perfgate::suite {

struct SseBenchmarkOptions {
  std::string url;
  std::string url_as_written;  // the suite's text (empty on the command line)
  int subscribers = 10;
  std::optional<int> threads;  // nullopt: one per 1,000 subscribers, at most one per CPU
  Nanos duration{std::chrono::seconds(10)};
  Nanos timeout{std::chrono::seconds(10)};
  std::optional<std::string> publish_url;
  std::string publish_url_as_written;
  std::optional<double> rate_per_s;
  std::optional<std::string> body;  // the publish body template
  int publish_connections = 4;
  std::string id_field = "json:seq";
  std::optional<std::string> ts_field;
  Nanos reconnect_delay{std::chrono::milliseconds(100)};
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> redact;
};

// The default publish body: a JSON object carrying the event's id.
inline constexpr const char* kDefaultSseBody = R"({"seq":${seq}})";

// The rows of `perfgate sse` / `sse:`, in the order of --help.
const OptionTable<SseBenchmarkOptions>& sse_option_table();

}  // namespace perfgate::suite
