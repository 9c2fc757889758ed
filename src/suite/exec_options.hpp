// The options of an exec benchmark, as `perfgate exec` flags and as the keys of a suite's `exec:`,
// read through one table (option_table.hpp); run/engine_options.hpp turns them into the exec
// engine's exec::ExecOptions (worker found, payload checked).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "suite/option_table.hpp"

namespace perfgate::suite {

struct ExecBenchmarkOptions {
  std::vector<std::string> command;  // program and arguments; a single string is split like a shell would
  std::string command_as_written;    // the suite's text (empty on the command line)
  std::optional<int> connections;    // closed model: operations in flight (default workers × in_flight)
  std::optional<int> workers;        // default 1, or enough for --connections at --in-flight each
  int in_flight = 1;
  std::optional<double> rate_per_s;  // set: open model
  std::optional<Nanos> duration;     // nullopt only when `requests` bounds the run
  std::uint64_t requests = 0;        // 0: no count limit
  std::optional<std::string> payload;
  Nanos warmup{0};
  Nanos timeout{std::chrono::seconds(10)};
  std::optional<Nanos> grace;
  Nanos ready_timeout{std::chrono::seconds(30)};
};

// The rows of `perfgate exec` / `exec:`, in the order of --help.
const OptionTable<ExecBenchmarkOptions>& exec_option_table();

}  // namespace perfgate::suite
