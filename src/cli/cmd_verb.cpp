// `perfgate cmd CMD [CMD...]`: hyperfine's options (and habits) parsed into RunnerOptions,
// the benchmark run with a progress line, the per-command report and the comparison,
// the result document and hyperfine's exports (JSON, CSV, Markdown, AsciiDoc, org-mode).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
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
  std::string setup;
  std::string prepare;
  std::string conclude;
  std::string cleanup;
  std::string reference;
  std::vector<std::string> scans;  // NAME MIN MAX triples, flat (see lists)
  std::string scan_step;
  // NAME VALUES pairs, flat: in a vector of vectors CLI11 reads an empty VALUES as a group
  // break, and takes the command after the last group as one more value.
  std::vector<std::string> lists;
  bool no_shell = false;
  std::string shell;
  bool ignore_failure = false;
  std::vector<std::string> names;
  std::string input;
  std::string output = "null";
  bool show_output = false;
  std::string time_unit;
  std::string style = "auto";
  std::string sort = "auto";
  std::string json_path;
  std::string hyperfine_json_path;
  std::string markdown_path;
  std::string asciidoc_path;
  std::string orgmode_path;
  std::string csv_path;
  bool quiet = false;
};

// What the parsed flags mean beyond RunnerOptions: how the results are shown.
struct Presentation {
  report::CmdTimeUnit unit = report::CmdTimeUnit::kAuto;
  bool progress = true;      // --style basic/color/none and -q: no progress bar
  bool text = true;          // --style none: nothing on the terminal
  bool sort_by_mean_in_tables = false;
  bool sort_by_mean_in_summary = true;
  bool has_reference = false;  // the first command is --reference
};

// `value` must be one of `allowed`, else exit 2 naming the option and the choices.
const std::string& choice(const char* option, const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return value;
  }
  std::string names;
  for (const char* a : allowed) names += std::string(names.empty() ? "" : ", ") + a;
  throw UsageError(fmt::format("{}: '{}' is not one of {}", option, value, names));
}

Presentation presentation(const CmdFlags& f) {
  Presentation p;
  if (!f.time_unit.empty()) {
    const std::string& unit = choice("--time-unit", f.time_unit, {"second", "millisecond", "microsecond"});
    p.unit = unit == "second"        ? report::CmdTimeUnit::kSecond
             : unit == "millisecond" ? report::CmdTimeUnit::kMillisecond
                                     : report::CmdTimeUnit::kMicrosecond;
  }
  // There are no colours: nocolor and full look like auto, color like basic.
  const std::string& style = choice("--style", f.style, {"auto", "basic", "full", "nocolor", "color", "none"});
  p.progress = !f.quiet && (style == "auto" || style == "full" || style == "nocolor");
  p.text = style != "none";
  // auto (hyperfine's): the summary by mean time, the tables in the order given.
  const std::string& sort = choice("--sort", f.sort, {"auto", "command", "mean-time"});
  p.sort_by_mean_in_tables = sort == "mean-time";
  p.sort_by_mean_in_summary = sort != "command";
  p.has_reference = !f.reference.empty();
  return p;
}

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
  if (!f.setup.empty()) o.setup = f.setup;
  if (!f.prepare.empty()) o.prepare = f.prepare;
  if (!f.conclude.empty()) o.conclude = f.conclude;
  if (!f.cleanup.empty()) o.cleanup = f.cleanup;
  o.ignore_failure = f.ignore_failure;
  if (!f.input.empty() && f.input != "null") {
    if (access(f.input.c_str(), R_OK) != 0) throw UsageError(fmt::format("--input: cannot read '{}'", f.input));
    o.input.path = f.input;
  }
  if (f.show_output && f.output != "null" && f.output != "inherit") {
    throw UsageError("--show-output: cannot be combined with --output " + f.output);
  }
  if (f.output == "null" && !f.show_output) o.output.kind = cmd::OutputMode::Kind::kNull;
  else if (f.output == "pipe") o.output.kind = cmd::OutputMode::Kind::kPipe;
  else if (f.output == "inherit" || f.show_output) o.output.kind = cmd::OutputMode::Kind::kInherit;
  else if (f.output.empty()) throw UsageError("--output: give null, pipe, inherit or a file");
  else {
    check_output_path("--output", f.output);
    o.output = {cmd::OutputMode::Kind::kFile, f.output};
  }

  std::vector<cmd::Parameter> parameters;
  std::string error;
  for (std::size_t i = 0; i + 2 < f.scans.size(); i += 3) {
    std::optional<std::string> step = f.scan_step.empty() ? std::nullopt : std::optional(f.scan_step);
    auto p = cmd::parameter_scan(f.scans[i], f.scans[i + 1], f.scans[i + 2], step, &error);
    if (!p) throw UsageError("--parameter-scan: " + error);
    parameters.push_back(*p);
  }
  if (!f.scan_step.empty() && f.scans.empty()) throw UsageError("--parameter-step-size: needs --parameter-scan");
  for (std::size_t i = 0; i + 1 < f.lists.size(); i += 2) {
    const std::string& name = f.lists[i];
    const std::string& values = f.lists[i + 1];
    if (name.empty()) throw UsageError("--parameter-list: the parameter name is empty");
    if (values.empty()) throw UsageError(fmt::format("--parameter-list {}: no values (give them as a,b,c)", name));
    parameters.push_back(cmd::parameter_list(name, values));
  }
  auto combinations = cmd::parameter_combinations(parameters);
  if (!f.names.empty() && f.names.size() != f.commands.size()) {
    throw UsageError(fmt::format("--command-name: given {} times for {} commands", f.names.size(), f.commands.size()));
  }
  if (!f.reference.empty()) {
    // Benchmarked first, once, as hyperfine does; the comparison is with it.
    if (!o.shell) {
      auto argv = cmd::split_command_line(f.reference, &error);
      if (!argv || argv->empty()) {
        throw UsageError(fmt::format("--reference '{}': {}", f.reference, argv ? "empty" : error));
      }
    }
    o.commands.push_back({f.reference, f.reference, {}});
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

std::string report_command(std::size_t index, const cmd::CommandResult& r, report::CmdTimeUnit unit) {
  const report::CmdTimeScale u = report::cmd_time_scale(unit, r.wall.mean);
  const double scale = u.per_second;
  std::string out = fmt::format("Benchmark {}: {}\n", index + 1, r.command.name);
  if (r.wall_s.empty()) return out + "  no run completed\n";
  out += fmt::format("  Time (mean ± σ):   {:8.3f} {} ± {:6.3f} {}    [User: {:.3f} {}, System: {:.3f} {}]\n",
                     r.wall.mean * scale, u.name, r.wall.stddev * scale, u.name, r.user_mean_s * scale, u.name,
                     r.system_mean_s * scale, u.name);
  out += fmt::format("  Range (min … max): {:8.3f} {} … {:6.3f} {}    {} runs\n", r.wall.min * scale, u.name,
                     r.wall.max * scale, u.name, r.wall_s.size());
  out += fmt::format("  Median:            {:8.3f} {}      Peak RSS: {}\n", r.wall.median * scale, u.name,
                     format_bytes(static_cast<double>(r.max_rss_bytes)));
  if (r.interrupted) out += "  INTERRUPTED: these are the runs completed before the signal\n";
  for (const auto& w : r.warnings) out += "  Warning: " + w + "\n";
  return out;
}

// "'A' ran 1.50 ± 0.02 times faster than 'B'" for each other command: A is the fastest, or
// the --reference (then "slower than" where the other command is faster).
std::string report_comparison(const std::vector<cmd::CommandResult>& results,
                               const std::vector<cmd::Comparison>& comparisons, std::size_t reference) {
  if (comparisons.empty()) return "";
  std::string out = fmt::format("Summary\n  '{}' ran\n", results[reference].command.name);
  for (const auto& c : comparisons) {
    const auto& t = c.mann_whitney;
    const bool reference_faster = c.fastest == reference;
    out += fmt::format("    {:.2f} ± {:.2f} times {} than '{}'   ({}: Mann-Whitney U p = {:.3g})\n", c.ratio.value,
                       c.ratio.stddev, reference_faster ? "faster" : "slower",
                       results[reference_faster ? c.other : c.fastest].command.name,
                       t.significant() ? "significant" : "NOT significant, indistinguishable from noise", t.p_value);
  }
  return out;
}

// The order of the summary's lines: by the other command's mean, or as given (--sort command).
void sort_comparisons(std::vector<cmd::Comparison>& comparisons, const std::vector<cmd::CommandResult>& results,
                      std::size_t reference) {
  auto other_mean = [&](const cmd::Comparison& c) {
    return results[c.fastest == reference ? c.other : c.fastest].wall.mean;
  };
  std::stable_sort(comparisons.begin(), comparisons.end(),
                   [&](const cmd::Comparison& a, const cmd::Comparison& b) { return other_mean(a) < other_mean(b); });
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
  app.add_option("-s,--setup", f.setup, "Command run once before the runs of each command (not timed)");
  app.add_option("-p,--prepare", f.prepare, "Command run before each run (not timed)");
  app.add_option("--conclude", f.conclude, "Command run after each run (not timed)");
  app.add_option("-c,--cleanup", f.cleanup, "Command run after all runs of a command");
  app.add_option("--reference", f.reference, "Command benchmarked first that the others are compared with");
  app.add_option("-P,--parameter-scan", f.scans, "NAME MIN MAX: benchmark with {NAME} = MIN..MAX")
      ->type_size(3)
      ->allow_extra_args(false);
  app.add_option("-D,--parameter-step-size", f.scan_step, "Step of --parameter-scan (default 1)");
  app.add_option("-L,--parameter-list", f.lists, "NAME a,b,c: benchmark with {NAME} = each value")
      ->type_size(2)
      ->allow_extra_args(false);
  app.add_flag("-N", f.no_shell, "No shell: split the command here (same as --shell=none)");
  app.add_option("-S,--shell", f.shell, "Shell to run commands with (default sh), or 'none'");
  app.add_flag("-i,--ignore-failure", f.ignore_failure, "Keep going when a command exits non-zero");
  app.add_option("-n,--command-name", f.names, "Name of each command, in order (repeatable)");
  app.add_option("--input", f.input, "stdin of the commands: FILE, or null (default)");
  app.add_option("--output", f.output, "Their stdout/stderr: null (default), pipe, inherit, or a FILE");
  app.add_flag("--show-output", f.show_output, "Show their stdout/stderr (same as --output inherit)");
  app.add_option("-u,--time-unit", f.time_unit, "Unit of the report and tables: second, millisecond, microsecond");
  app.add_option("--style", f.style, "auto, basic (no progress bar), full, nocolor, color, or none (no output)");
  app.add_option("--sort", f.sort, "Order of the summary and tables: auto (summary by time), command, mean-time");
  app.add_option("--json", f.json_path, "Write the result document (perfgate.result/v1), - for stdout");
  app.add_option("--export-json", f.hyperfine_json_path, "Write hyperfine's JSON (results: mean, times, ...)");
  app.add_option("--export-markdown", f.markdown_path, "Write a Markdown table (hyperfine's layout)");
  app.add_option("--export-asciidoc", f.asciidoc_path, "Write an AsciiDoc table (hyperfine's layout)");
  app.add_option("--export-orgmode", f.orgmode_path, "Write an Emacs org-mode table (hyperfine's layout)");
  app.add_option("--export-csv", f.csv_path, "Write CSV (hyperfine's columns)");
  app.add_flag("-q,--quiet", f.quiet, "No progress bar");
  app.footer("Exit codes: 0 ok, 1 a command failed (without -i), 2 bad options, 3 a command could not be started,\n"
             "130 interrupted (what was measured is reported and written).");

  if (auto code = parse_verb_arguments(app, args)) return *code;
  cmd::RunnerOptions options = validate(f);
  const Presentation shown = presentation(f);
  const std::pair<const char*, const std::string*> outputs[] = {
      {"--json", &f.json_path},           {"--export-json", &f.hyperfine_json_path},
      {"--export-markdown", &f.markdown_path}, {"--export-asciidoc", &f.asciidoc_path},
      {"--export-orgmode", &f.orgmode_path},   {"--export-csv", &f.csv_path}};
  bool an_output_is_stdout = false;
  for (const auto& [option, path] : outputs) {
    check_output_path(option, *path);
    an_output_is_stdout = an_output_is_stdout || *path == "-";
  }
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  auto executor = cmd::make_process_executor();
  cmd::BenchmarkRunner runner(*executor, options);
  CommandProgressBar bar(!shown.progress);
  FILE* text = an_output_is_stdout ? stderr : stdout;
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

  const bool reference_ran = shown.has_reference && !results.empty();
  auto comparisons = reference_ran ? cmd::compare_to_reference(results, 0) : cmd::compare_to_fastest(results);
  const std::size_t reference = reference_ran ? 0 : comparisons.empty() ? 0 : comparisons.front().fastest;
  if (shown.text) {
    if (options.shell) {
      std::fprintf(text, "(shell start-up of '%s -c' measured at %.3f ms and subtracted from every run)\n\n",
                   options.shell->c_str(), runner.shell_spawn_wall_s() * 1e3);
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
      std::fputs((report_command(i, results[i], shown.unit) + "\n").c_str(), text);
    }
    std::vector<cmd::Comparison> summary = comparisons;
    if (shown.sort_by_mean_in_summary) sort_comparisons(summary, results, reference);
    std::fputs(report_comparison(results, summary, reference).c_str(), text);
    std::fflush(text);
  }

  report::CmdTableOptions table;
  table.unit = shown.unit;
  if (reference_ran) table.reference = 0;
  if (shown.sort_by_mean_in_tables) {
    table.order.resize(results.size());
    std::iota(table.order.begin(), table.order.end(), std::size_t{0});
    std::stable_sort(table.order.begin(), table.order.end(),
                     [&](std::size_t a, std::size_t b) { return results[a].wall.mean < results[b].wall.mean; });
  }

  if (!f.json_path.empty()) {
    std::vector<nlohmann::json> benchmarks;
    for (const auto& r : results) benchmarks.push_back(cmd::cmd_benchmark_json(r, options, runner.shell_spawn_wall_s()));
    nlohmann::json doc = result_document(run_info, benchmarks);
    doc["comparisons"] = cmd::comparisons_json(results, comparisons);
    write_file_atomically(f.json_path, doc.dump(2) + "\n");
  }
  if (!f.hyperfine_json_path.empty()) {
    write_file_atomically(f.hyperfine_json_path, report::cmd_hyperfine_json(results).dump(2) + "\n");
  }
  if (!f.markdown_path.empty()) write_file_atomically(f.markdown_path, report::cmd_markdown(results, table));
  if (!f.asciidoc_path.empty()) write_file_atomically(f.asciidoc_path, report::cmd_asciidoc(results, table));
  if (!f.orgmode_path.empty()) write_file_atomically(f.orgmode_path, report::cmd_orgmode(results, table));
  if (!f.csv_path.empty()) write_file_atomically(f.csv_path, report::cmd_csv(results));
  return interrupted() ? exit_code::kInterrupted : exit_code::kOk;
}

}  // namespace perfgate::cli
