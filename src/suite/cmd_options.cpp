// The option table of command benchmarks; see cmd_options.hpp and, for adding a row, option_table.hpp.
#include "suite/cmd_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::suite {
namespace {

using O = CmdBenchmarkOptions;
using V = OptionValue;
constexpr int kMaxRuns = 100'000'000;

void finish_cmd(O& o, const OptionNamer& name) {
  if (o.runs && (o.min_runs || o.max_runs)) {
    throw UsageError(fmt::format("{}: cannot be combined with {} or {}", name("runs"), name("min_runs"), name("max_runs")));
  }
  if (o.max_runs && o.min_runs && *o.max_runs < *o.min_runs) {
    throw UsageError(fmt::format("{}: {} is below {} ({})", name("max_runs"), *o.max_runs, name("min_runs"), *o.min_runs));
  }
  if (o.parameter_step && o.parameter_scans.empty()) {
    throw UsageError(fmt::format("{}: needs {}", name("parameter_step_size"), name("parameter_scan")));
  }
  if (o.show_output && o.output != "null" && o.output != "inherit") {
    throw UsageError(fmt::format("{}: cannot be combined with {} {}", name("show_output"), name("output"), o.output));
  }
  if (!o.command_names.empty() && o.command_names.size() != o.commands.size()) {
    throw UsageError(fmt::format("{}: given {} times for {} commands", name("command_name"), o.command_names.size(),
                                 o.commands.size()));
  }
}

}  // namespace

// A function-local table: built on first use, whatever order static objects start in.
const OptionTable<CmdBenchmarkOptions>& cmd_option_table() {
  static const OptionTable<O> table{
      {
          {.flags = "commands", .key = "command", .value_name = "COMMAND", .help = "Commands to benchmark",
           .apply =
               [](O& o, const V& v) {
                 for (std::size_t i = 0; i < v.texts().size(); ++i) {
                   if (v.texts()[i].empty()) v.fail_because(fmt::format("command {} is empty", i + 1));
                 }
                 o.commands = v.texts();
               },
           .shape = OptionShape::kList, .required = true},
          {.flags = "-w,--warmup", .key = "warmup", .value_name = "N", .help = "Runs before measuring, not timed (default 0)",
           .apply = [](O& o, const V& v) { o.warmup_runs = v.small_number(0, kMaxRuns); }},
          {.flags = "-r,--runs", .key = "runs", .value_name = "N", .help = "Exactly N timed runs",
           .apply = [](O& o, const V& v) { o.runs = v.small_number(1, kMaxRuns); }},
          {.flags = "-m,--min-runs", .key = "min_runs", .value_name = "N", .help = "At least N runs (default 10)",
           .apply = [](O& o, const V& v) { o.min_runs = v.small_number(1, kMaxRuns); }},
          {.flags = "-M,--max-runs", .key = "max_runs", .value_name = "N", .help = "At most N runs",
           .apply = [](O& o, const V& v) { o.max_runs = v.small_number(1, kMaxRuns); }},
          {.flags = "--min-time", .key = "min_time", .value_name = "DURATION",
           .help = "Run for at least this long per command (default 3s)",
           .apply = [](O& o, const V& v) { o.min_time = v.duration(); }},
          {.flags = "-s,--setup", .key = "setup", .value_name = "COMMAND",
           .help = "Command run once before the runs of each command (not timed)",
           .apply = [](O& o, const V& v) { o.setup = v.non_empty_text("a command"); }},
          {.flags = "-p,--prepare", .key = "prepare", .value_name = "COMMAND",
           .help = "Command run before each run (not timed)",
           .apply = [](O& o, const V& v) { o.prepare = v.non_empty_text("a command"); }},
          {.flags = "--conclude", .key = "conclude", .value_name = "COMMAND",
           .help = "Command run after each run (not timed)",
           .apply = [](O& o, const V& v) { o.conclude = v.non_empty_text("a command"); }},
          {.flags = "-c,--cleanup", .key = "cleanup", .value_name = "COMMAND",
           .help = "Command run after all runs of a command",
           .apply = [](O& o, const V& v) { o.cleanup = v.non_empty_text("a command"); }},
          {.flags = "--reference", .key = "reference", .value_name = "COMMAND",
           .help = "Command benchmarked first that the others are compared with",
           .apply = [](O& o, const V& v) { o.reference = v.non_empty_text("a command"); }},
          {.flags = "-P,--parameter-scan", .key = "parameter_scan", .value_name = "NAME MIN MAX",
           .help = "Benchmark with {NAME} = MIN..MAX (whole numbers); in a suite [NAME, MIN, MAX]",
           .apply =
               [](O& o, const V& v) {
                 if (v.texts()[0].empty()) v.fail_because("expected NAME MIN MAX, got an empty NAME");
                 o.parameter_scans.push_back({v.texts()[0], v.texts()[1], v.texts()[2]});
               },
           .shape = OptionShape::kTuple, .arity = 3},
          {.flags = "-D,--parameter-step-size", .key = "parameter_step_size", .value_name = "STEP",
           .help = "Step of --parameter-scan (default 1)",
           .apply = [](O& o, const V& v) { o.parameter_step = v.non_empty_text("a step like 2"); }},
          {.flags = "-L,--parameter-list", .key = "parameter_list", .value_name = "NAME VALUES",
           .help = "Benchmark with {NAME} = each of the comma-separated VALUES; in a suite [NAME, \"a,b,c\"]",
           .apply =
               [](O& o, const V& v) {
                 if (v.texts()[0].empty()) v.fail_because("expected NAME VALUES, got an empty NAME");
                 if (v.texts()[1].empty()) v.fail_because(fmt::format("no values for '{}'", v.texts()[0]));
                 o.parameter_lists.push_back({v.texts()[0], v.texts()[1]});
               },
           .shape = OptionShape::kTuple, .arity = 2},
          {.flags = "-N", .key = "no_shell", .value_name = "",
           .help = "No shell: split the command here (same as --shell=none)",
           .apply =
               [](O& o, const V& v) {
                 if (v.flag()) o.shell = std::nullopt;
               },
           .shape = OptionShape::kFlag},
          {.flags = "-S,--shell", .key = "shell", .value_name = "SHELL",
           .help = "Shell to run commands with (default sh), or 'none'",
           .apply =
               [](O& o, const V& v) {
                 std::string shell = v.non_empty_text("a shell like sh or bash, or none");
                 if (shell == "none") {
                   o.shell = std::nullopt;
                 } else if (shell != "default") {
                   o.shell = shell;
                 }
               }},
          {.flags = "-i,--ignore-failure", .key = "ignore_failure", .value_name = "",
           .help = "Keep going when a command exits non-zero",
           .apply = [](O& o, const V& v) { o.ignore_failure = v.flag(); },
           .shape = OptionShape::kFlag},
          {.flags = "-n,--command-name", .key = "command_name", .value_name = "NAME",
           .help = "Name of each command, in order (repeatable; may use {PARAM})",
           .apply = [](O& o, const V& v) { o.command_names = v.texts(); },
           .shape = OptionShape::kList},
          {.flags = "--input", .key = "input", .value_name = "FILE|null",
           .help = "stdin of the commands: FILE, or null (default)",
           .apply =
               [](O& o, const V& v) {
                 if (v.text() == "null") {
                   o.input.reset();
                   return;
                 }
                 std::string path = v.path();
                 if (access(path.c_str(), R_OK) != 0) v.fail_because(fmt::format("cannot read '{}'", path));
                 o.input = path;
               }},
          {.flags = "--output", .key = "output", .value_name = "WHERE",
           .help = "Their stdout/stderr: null (default), pipe, inherit, or a FILE",
           .apply =
               [](O& o, const V& v) {
                 const std::string& t = v.non_empty_text("null, pipe, inherit or a file");
                 if (t == "null" || t == "pipe" || t == "inherit") {
                   o.output = t;
                   return;
                 }
                 std::string path = v.path();
                 auto slash = path.rfind('/');
                 std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
                 struct stat st {};
                 if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
                   v.fail_because(fmt::format("directory '{}' does not exist", dir));
                 }
                 o.output = path;
               }},
          {.flags = "--show-output", .key = "show_output", .value_name = "",
           .help = "Show their stdout/stderr (same as --output inherit)",
           .apply = [](O& o, const V& v) { o.show_output = v.flag(); },
           .shape = OptionShape::kFlag},
      },
      finish_cmd,
  };
  return table;
}

}  // namespace perfgate::suite
