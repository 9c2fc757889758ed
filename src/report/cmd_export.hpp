// Exports of command benchmark results in hyperfine's layouts, so tables and scripts
// written for hyperfine keep working: Markdown, AsciiDoc and org-mode tables, CSV, and
// hyperfine's JSON (tests/fixtures/hyperfine holds files hyperfine itself wrote).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cmd/benchmark_runner.hpp"

namespace perfgate::report {

// hyperfine's --time-unit. kAuto: the tables take seconds or milliseconds from the first row's
// mean; the terminal report chooses per command (see cmd_time_scale).
enum class CmdTimeUnit { kAuto, kSecond, kMillisecond, kMicrosecond };

struct CmdTimeScale {
  double per_second;  // multiply seconds by this
  const char* name;   // "s", "ms", "µs"
};
// The unit to show `seconds` in: the one asked for, else s from 1 s up, µs below 1 ms, else ms.
CmdTimeScale cmd_time_scale(CmdTimeUnit unit, double seconds);

struct CmdTableOptions {
  CmdTimeUnit unit = CmdTimeUnit::kAuto;
  // The order of the rows: indices into the results (empty: as given).
  std::vector<std::size_t> order;
  // The row whose Relative is 1.00 (--reference); the fastest when nullopt.
  std::optional<std::size_t> reference;
};

// | Command | Mean [ms] | Min [ms] | Max [ms] | Relative |
std::string cmd_markdown(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options = {});
// [cols="<,>,>,>,>"] |=== ... |===, one cell per line.
std::string cmd_asciidoc(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options = {});
// | Command  |  Mean [ms] | ... with =code= names.
std::string cmd_orgmode(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options = {});
// command,mean,stddev,median,user,system,min,max[,parameter_NAME...] in seconds.
std::string cmd_csv(const std::vector<cmd::CommandResult>& results);
// {"results": [{command, mean, stddev, median, user, system, min, max, times, exit_codes[,
// parameters]}]} in seconds: hyperfine's --export-json.
nlohmann::ordered_json cmd_hyperfine_json(const std::vector<cmd::CommandResult>& results);

}  // namespace perfgate::report
