// The options of a command benchmark, as `perfgate cmd` flags and as the keys of a suite's `cmd:`,
// read through one table (option_table.hpp); run/engine_options.hpp turns them into the cmd
// engine's cmd::RunnerOptions (parameters expanded, commands named and checked).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "suite/option_table.hpp"

namespace perfgate::suite {

// -P NAME MIN MAX: whole numbers MIN..MAX in steps of the --parameter-step-size.
struct ParameterScanSpec {
  std::string name;
  std::string min;
  std::string max;
};

// -L NAME a,b,c
struct ParameterListSpec {
  std::string name;
  std::string values;  // comma-separated
};

struct CmdBenchmarkOptions {
  std::vector<std::string> commands;       // a suite benchmark usually has one
  std::vector<std::string> commands_as_written;  // the suite's text (empty on the command line)
  std::vector<std::string> command_names;  // -n: one per command, may use {PARAM}
  int warmup_runs = 0;
  std::optional<int> runs;      // exact number of timed runs (-r)
  std::optional<int> min_runs;  // nullopt: 10 (or max_runs when lower)
  std::optional<int> max_runs;
  Nanos min_time{std::chrono::seconds(3)};
  std::optional<std::string> setup;      // once before the runs of each command
  std::optional<std::string> prepare;    // before every timed run
  std::optional<std::string> conclude;   // after every timed run
  std::optional<std::string> cleanup;    // after all runs
  std::optional<std::string> reference;  // benchmarked first; the others are compared with it
  // As the suite wrote them, `${VAR}` and all (nullopt on the command line).
  std::optional<std::string> setup_as_written, prepare_as_written, conclude_as_written, cleanup_as_written,
      reference_as_written;
  std::vector<ParameterScanSpec> parameter_scans;
  std::optional<std::string> parameter_step;  // of the scans (default 1)
  std::vector<ParameterListSpec> parameter_lists;
  std::optional<std::string> shell = std::string("sh");  // nullopt: no shell, the command is split here
  bool ignore_failure = false;
  std::optional<std::string> input;  // stdin of the commands; nullopt: /dev/null
  std::string output = "null";       // their stdout/stderr: null, pipe, inherit, or a file path
  bool show_output = false;          // --show-output: as output inherit
};

// The rows of `perfgate cmd` / `cmd:`, in the order of --help.
const OptionTable<CmdBenchmarkOptions>& cmd_option_table();

}  // namespace perfgate::suite
