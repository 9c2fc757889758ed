// `perfgate cmd CMD [CMD...]`: hyperfine's options (and habits) parsed into RunnerOptions,
// the benchmark run with a progress line, the per-command report and the comparison,
// the result document and hyperfine's exports (JSON, CSV, Markdown, AsciiDoc, org-mode).

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
#include "report/bmf.hpp"
#include "report/cmd_export.hpp"
#include "run/engine_options.hpp"
#include "suite/cmd_options.hpp"

namespace perfgate::cli {
namespace {

// The flags about this invocation's presentation and outputs, not the benchmark: a suite writes
// its own (`perfgate run --json`, --markdown, ...).
struct OutputFlags {
  std::string time_unit;
  std::string style = "auto";
  std::string sort = "auto";
  std::string json_path;
  std::string hyperfine_json_path;
  std::string bmf_path;
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

Presentation presentation(const OutputFlags& f, bool has_reference) {
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
  p.has_reference = has_reference;
  return p;
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
  // Every benchmark option comes from the table that `cmd:` in a suite reads too.
  TableFlags<suite::CmdBenchmarkOptions> table_flags(app, suite::cmd_option_table());
  OutputFlags f;
  app.add_option("-u,--time-unit", f.time_unit, "Unit of the report and tables: second, millisecond, microsecond");
  app.add_option("--style", f.style, "auto, basic (no progress bar), full, nocolor, color, or none (no output)");
  app.add_option("--sort", f.sort, "Order of the summary and tables: auto (summary by time), command, mean-time");
  app.add_option("--json", f.json_path, "Write the result document (perfgate.result/v1), - for stdout");
  app.add_option("--bmf", f.bmf_path, "Write the wall times in bencher's metric format (BMF JSON)");
  app.add_option("--export-json", f.hyperfine_json_path, "Write hyperfine's JSON (results: mean, times, ...)");
  app.add_option("--export-markdown", f.markdown_path, "Write a Markdown table (hyperfine's layout)");
  app.add_option("--export-asciidoc", f.asciidoc_path, "Write an AsciiDoc table (hyperfine's layout)");
  app.add_option("--export-orgmode", f.orgmode_path, "Write an Emacs org-mode table (hyperfine's layout)");
  app.add_option("--export-csv", f.csv_path, "Write CSV (hyperfine's columns)");
  app.add_flag("-q,--quiet", f.quiet, "No progress bar");
  app.footer("Exit codes: 0 ok, 1 a command failed (without -i), 2 bad options, 3 a command could not be started,\n"
             "130 interrupted (what was measured is reported and written).\n"
             "A suite's `cmd:` takes the same options (keys in docs/suite.md).");

  if (auto code = parse_verb_arguments(app, args)) return *code;
  suite::CmdBenchmarkOptions benchmark = table_flags.read();
  cmd::RunnerOptions options =
      run::build_runner(benchmark, [&](std::string_view key) { return table_flags.flag_for(key); });
  const Presentation shown = presentation(f, benchmark.reference.has_value());
  FILE* text = check_output_paths({{"--json", f.json_path},
                                   {"--export-json", f.hyperfine_json_path},
                                   {"--export-markdown", f.markdown_path},
                                   {"--export-asciidoc", f.asciidoc_path},
                                   {"--export-orgmode", f.orgmode_path},
                                   {"--export-csv", f.csv_path},
                                   {"--bmf", f.bmf_path}});
  RunInfo run_info = make_run_info();

  install_interrupt_handlers();
  auto executor = cmd::make_process_executor();
  cmd::BenchmarkRunner runner(*executor, options);
  CommandProgressBar bar(!shown.progress);
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

  if (!f.json_path.empty() || !f.bmf_path.empty()) {
    std::vector<nlohmann::json> benchmarks;
    for (const auto& r : results) benchmarks.push_back(cmd::cmd_benchmark_json(r, options, runner.shell_spawn_wall_s()));
    nlohmann::json doc = result_document(run_info, benchmarks);
    doc["comparisons"] = cmd::comparisons_json(results, comparisons);
    if (!f.json_path.empty()) write_file_atomically(f.json_path, doc.dump(2) + "\n");
    if (!f.bmf_path.empty()) write_file_atomically(f.bmf_path, report::bmf_document(doc).dump(2) + "\n");
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
