// The options of an HTTP benchmark, as `perfgate http` flags and as the keys of a suite's `http:`,
// read through one table (option_table.hpp); run/engine_options.hpp turns them into the load
// engine's http::LoadOptions (URL resolved, body read, request serialised).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.hpp"
#include "suite/option_table.hpp"

namespace perfgate::suite {

struct HttpBenchmarkOptions {
  std::string url;
  std::string url_as_written;  // the suite's text (empty on the command line: nothing is filled in)
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // in the order written
  std::vector<std::pair<std::string, std::string>> headers_as_written;
  std::string body;                                          // the text, when given inline
  std::string body_file_as_written;
  std::optional<std::string> body_file;                      // `@FILE`: in a suite, relative to its folder
  std::optional<std::string> targets_file;                   // --targets: JSON lines, instead of `url`
  std::string targets_file_as_written;
  int connections = 10;
  std::optional<int> threads;        // nullopt: one per CPU, at most one per connection
  std::optional<double> rate_per_s;  // set: open model
  std::optional<Nanos> duration;     // nullopt only when `requests` bounds the run
  std::uint64_t requests = 0;        // 0: no count limit
  Nanos warmup{0};
  Nanos timeout{std::chrono::seconds(10)};
  std::optional<Nanos> grace;       // nullopt: the smaller of timeout and 10 s
  std::vector<std::string> redact;  // header names written as *** in results

  // Callbacks (suite: `callback: {listen, id_from, timeout}`): set when perfgate listens.
  std::optional<std::string> callback_host;  // "127.0.0.1" or "::1"
  std::uint16_t callback_port = 0;           // 0: any free port
  std::optional<std::string> callback_id_from;  // "json:id" unless given; checked by the builder
  std::optional<Nanos> callback_timeout;        // default 10s
};

inline constexpr const char* kDefaultCallbackIdFrom = "json:id";
inline constexpr std::chrono::seconds kDefaultCallbackTimeout{10};

// The rows of `perfgate http` / `http:`, in the order of --help.
const OptionTable<HttpBenchmarkOptions>& http_option_table();

}  // namespace perfgate::suite
