// `perfgate cmd CMD [CMD...]`: hyperfine's options (and habits) parsed into RunnerOptions,
// the benchmark run with a progress line, the per-command report and the comparison,
// the result document and the Markdown/CSV exports.
#include <unistd.h>

#include <cstdio>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/progress.hpp"
#include "cli/signals.hpp"
#include "cli/verbs.hpp"
#include "cmd/benchmark_runner.hpp"
#include "cmd/cmd_result.hpp"
#include "cmd/command_line.hpp"
#include "cmd/process.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/units.hpp"
#include "report/cmd_export.hpp"

namespace perfgate::cli {
namespace {

struct CmdFlags {
  std::vector<std::string> commands;
  int warmup = 0;
  std::optional<int> runs;
  std::optional<int> min_runs;
  std::optional<int> max_runs;
  std::string min_time = "3s";
  std::string prepare;
  std::string cleanup;
  std::vector<std::vector<std::string>> scans;
  std::string scan_step;
  std::vector<std::vector<std::string>> lists;
  bool no_shell = false;
  std::string shell;
  bool ignore_failure = false;
  std::vector<std::string> names;
  std::string input;
  std::string output = "null";
  std::string json_path;
  std::string markdown_path;
  std::string csv_path;
  bool quiet = false;
};

int positive(const char* option, int value, bool allow_zero = false) {
  if (value < 0 || (!allow_zero && value == 0)) throw UsageError(fmt::format("{}: must be {}, got {}", option, allow_zero ? ">= 0" : "> 0", value));
  return value;
}

cmd::RunnerOptions validate(const CmdFlags& f) {
  cmd::RunnerOptions o;
  o.warmup_runs = positive("--warmup", f.warmup, true);
  if (f.runs) o.exact_runs = positive("--runs", *f.runs);
  if (f.min_runs) o.min_runs = positive("--min-runs", *f.min_runs);
  if (f.max_runs) o.max_runs = positive("--max-runs", *f.max_runs);
  if (f.runs && (f.min_runs || f.max_runs)) throw UsageError("--runs: cannot be combined with --min-runs or --max-runs");
  if (o.max_runs && *o.max_runs < o.min_runs) {
    if (f.min_runs) throw UsageError(fmt::format("--max-runs: {} is below --min-runs {}", *o.max_runs, o.min_runs));
    o.min_runs = *o.max_runs;  // -M 5 alone means at most 5
  }
  o.min_time = duration_option("--min-time", f.min_time);
  if (f.no_shell || f.shell == "none") {
    o.shell = std::nullopt;
  } else if (!f.shell.empty() && f.shell != "default") {
    o.shell = f.shell;
  }
  if (!f.prepare.empty()) o.prepare = f.prepare;
  if (!f.cleanup.empty()) o.cleanup = f.cleanup;
  o.ignore_failure = f.ignore_failure;
  if (!f.input.empty() && f.input != "null") {
    if (access(f.input.c_str(), R_OK) != 0) throw UsageError(fmt::format("--input: cannot read '{}'", f.input));
    o.input.path = f.input;
  }
  if (f.output == "null") o.output.kind = cmd::OutputMode::Kind::kNull;
  else if (f.output == "pipe") o.output.kind = cmd::OutputMode::Kind::kPipe;
  else if (f.output == "inherit") o.output.kind = cmd::OutputMode::Kind::kInherit;
  else if (!f.output.empty()) o.output = {cmd::OutputMode::Kind::kFile, f.output};

  std::vector<cmd::Parameter> parameters;
  std::string error;
  for (const auto& scan : f.scans) {
    std::optional<std::string> step = f.scan_step.empty() ? std::nullopt : std::optional(f.scan_step);
    auto p = cmd::parameter_scan(scan[0], scan[1], scan[2], step, &error);
    if (!p) throw UsageError("--parameter-scan: " + error);
    parameters.push_back(*p);
  }
  if (!f.scan_step.empty() && f.scans.empty()) throw UsageError("--parameter-step-size: needs --parameter-scan");
  for (const auto& list : f.lists) parameters.push_back(cmd::parameter_list(list[0], list[1]));
  auto combinations = cmd::parameter_combinations(parameters);
  if (!f.names.empty() && f.names.size() != f.commands.size()) {
    throw UsageError(fmt::format("--command-name: given {} times for {} commands", f.names.size(), f.commands.size()));
  }
  for (std::size_t i = 0; i < f.commands.size(); ++i) {
    if (f.commands[i].empty()) throw UsageError(fmt::format("command {} is empty", i + 1));
    for (const auto& values : combinations) {
      cmd::BenchmarkCommand c;
      c.text = cmd::substitute_parameters(f.commands[i], values);
      c.name = f.names.empty() ? c.text : cmd::substitute_parameters(f.names[i], values);
      c.parameters = values;
      if (!o.shell) {
        auto argv = cmd::split_command_line(c.text, &error);
        if (!argv || argv->empty()) throw UsageError(fmt::format("command '{}': {}", c.text, argv ? "empty" : error));
      }
      o.commands.push_back(std::move(c));
    }
  }
  return o;
}

// "52.1 ms" / "1.234 s" / "812.0 µs" in one unit chosen for the command.
struct TimeUnit {
  double scale;
  const char* name;
};
TimeUnit unit_for(double seconds) {
  if (seconds >= 1.0) return {1.0, "s"};
  if (seconds >= 1e-3 || seconds == 0) return {1e3, "ms"};
  return {1e6, "µs"};
}

std::string report_command(std::size_t index, const cmd::CommandResult& r) {
  TimeUnit u = unit_for(r.wall.mean);
  std::string out = fmt::format("Benchmark {}: {}\n", index + 1, r.command.name);
  if (r.wall_s.empty()) return out + "  no run completed\n";
  out += fmt::format("  Time (mean ± σ):   {:8.3f} {} ± {:6.3f} {}    [User: {:.3f} {}, System: {:.3f} {}]\n",
                     r.wall.mean * u.scale, u.name, r.wall.stddev * u.scale, u.name, r.user_mean_s * u.scale, u.name,
                     r.system_mean_s * u.scale, u.name);
  out += fmt::format("  Range (min … max): {:8.3f} {} … {:6.3f} {}    {} runs\n", r.wall.min * u.scale, u.name,
                     r.wall.max * u.scale, u.name, r.wall_s.size());
  out += fmt::format("  Median:            {:8.3f} {}      Peak RSS: {}\n", r.wall.median * u.scale, u.name,
                     format_bytes(static_cast<double>(r.max_rss_bytes)));
  if (r.interrupted) out += "  INTERRUPTED: these are the runs completed before the signal\n";
  for (const auto& w : r.warnings) out += "  Warning: " + w + "\n";
  return out;
}

std::string report_comparison(const std::vector<cmd::CommandResult>& results,
                               const std::vector<cmd::Comparison>& comparisons) {
  if (comparisons.empty()) return "";
  std::string out = fmt::format("Summary\n  '{}' ran\n", results[comparisons.front().fastest].command.name);
  for (const auto& c : comparisons) {
    const auto& t = c.mann_whitney;
    out += fmt::format("    {:.2f} ± {:.2f} times faster than '{}'   ({}: Mann-Whitney U p = {:.3g})\n", c.ratio.value,
                       c.ratio.stddev, results[c.other].command.name,
                       t.significant() ? "significant" : "NOT significant, indistinguishable from noise", t.p_value);
  }
  return out;
}

}  // namespace

int cmd_verb(const std::vector<std::string>& args) {
  CLI::App app{"Time commands over many runs and compare them (hyperfine-compatible options).\n"
               "Each command runs at least --min-runs times and for at least --min-time; with a shell,\n"
               "the shell's own start-up time is measured and subtracted.",
               "perfgate cmd"};
  CmdFlags f;
  app.add_option("commands", f.commands, "Commands to benchmark")->required();
  app.add_option("-w,--warmup", f.warmup, "Runs before measuring, not timed (default 0)");
  app.add_option("-r,--runs", f.runs, "Exactly N timed runs");
  app.add_option("-m,--min-runs", f.min_runs, "At least N runs (default 10)");
  app.add_option("-M,--max-runs", f.max_runs, "At most N runs");
  app.add_option("--min-time", f.min_time, "Run for at least this long per command (default 3s)");
  app.add_option("-p,--prepare", f.prepare, "Command run before each run (not timed)");
  app.add_option("-c,--cleanup", f.cleanup, "Command run after all runs of a command");
  app.add_option("-P,--parameter-scan", f.scans, "NAME MIN MAX: benchmark with {NAME} = MIN..MAX")->expected(3);
  app.add_option("-D,--parameter-step-size", f.scan_step, "Step of --parameter-scan (default 1)");
  app.add_option("-L,--parameter-list", f.lists, "NAME a,b,c: benchmark with {NAME} = each value")->expected(2);
  app.add_flag("-N", f.no_shell, "No shell: split the command here (same as --shell=none)");
  app.add_option("-S,--shell", f.shell, "Shell to run commands with (default sh), or 'none'");
  app.add_flag("-i,--ignore-failure", f.ignore_failure, "Keep going when a command exits non-zero");
  app.add_option("-n,--command-name", f.names, "Name of each command, in order (repeatable)");
  app.add_option("--input", f.input, "stdin of the commands: FILE, or null (default)");
  app.add_option("--output", f.output, "Their stdout/stderr: null (default), pipe, inherit, or a FILE");
  app.add_option("--json,--export-json", f.json_path, "Write the result document (perfgate.result/v1), - for stdout");
  app.add_option("--export-markdown", f.markdown_path, "Write a Markdown table (hyperfine's layout)");
  app.add_option("--export-csv", f.csv_path, "Write CSV (hyperfine's columns)");
  app.add_flag("-q,--quiet", f.quiet, "No progress bar");
  app.footer("Exit codes: 0 ok, 1 a command failed (without -i), 2 bad options, 3 a command could not be started,\n"
             "130 interrupted (what was measured is reported and written).");

  if (auto code = parse_verb_arguments(app, args)) return *code;
  cmd::RunnerOptions options = validate(f);
  FILE* text = check_output_paths(
      {{"--json", f.json_path}, {"--export-markdown", f.markdown_path}, {"--export-csv", f.csv_path}});
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  auto executor = cmd::make_process_executor();
  cmd::BenchmarkRunner runner(*executor, options);
  CommandProgressBar bar(f.quiet);
  std::vector<cmd::CommandResult> results;
  try {
    results = runner.run([&](const cmd::RunnerProgress& p) { bar.update(p); }, &interrupt_flag());
  } catch (const cmd::CommandFailed& e) {
    bar.clear();
    std::fprintf(stderr, "perfgate cmd: %s\n", e.what());
    return exit_code::kGateFailed;
  } catch (...) {
    bar.clear();
    throw;
  }
  bar.clear();

  if (options.shell) {
    std::fprintf(text, "(shell start-up of '%s -c' measured at %.3f ms and subtracted from every run)\n\n",
                 options.shell->c_str(), runner.shell_spawn_wall_s() * 1e3);
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::fputs((report_command(i, results[i]) + "\n").c_str(), text);
  }
  auto comparisons = cmd::compare_to_fastest(results);
  std::fputs(report_comparison(results, comparisons).c_str(), text);
  std::fflush(text);

  if (!f.json_path.empty()) {
    std::vector<nlohmann::json> benchmarks;
    for (const auto& r : results) benchmarks.push_back(cmd::cmd_benchmark_json(r, options, runner.shell_spawn_wall_s()));
    nlohmann::json doc = result_document(run_info, benchmarks);
    doc["comparisons"] = cmd::comparisons_json(results, comparisons);
    write_file_atomically(f.json_path, doc.dump(2) + "\n");
  }
  if (!f.markdown_path.empty()) write_file_atomically(f.markdown_path, report::cmd_markdown(results));
  if (!f.csv_path.empty()) write_file_atomically(f.csv_path, report::cmd_csv(results));
  return interrupted() ? exit_code::kInterrupted : exit_code::kOk;
}

}  // namespace perfgate::cli
