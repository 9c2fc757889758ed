// `perfgate cmd CMD [CMD...]`: hyperfine's options (and habits) parsed into RunnerOptions,
// the benchmark run with a progress line, the per-command report and the comparison,
// the result document and the Markdown/CSV exports.
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
#include "run/engine_options.hpp"
#include "suite/cmd_options.hpp"

namespace perfgate::cli {
namespace {

// The flags that are about this invocation's outputs, not the benchmark: a suite writes its
// own (`perfgate run --json`, --markdown, ...).
struct OutputFlags {
  std::string json_path;
  std::string markdown_path;
  std::string csv_path;
  bool quiet = false;
};

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
  // Every benchmark option comes from the table that `cmd:` in a suite reads too.
  TableFlags<suite::CmdBenchmarkOptions> table_flags(app, suite::cmd_option_table());
  OutputFlags f;
  app.add_option("--json,--export-json", f.json_path, "Write the result document (perfgate.result/v1), - for stdout");
  app.add_option("--export-markdown", f.markdown_path, "Write a Markdown table (hyperfine's layout)");
  app.add_option("--export-csv", f.csv_path, "Write CSV (hyperfine's columns)");
  app.add_flag("-q,--quiet", f.quiet, "No progress bar");
  app.footer("Exit codes: 0 ok, 1 a command failed (without -i), 2 bad options, 3 a command could not be started,\n"
             "130 interrupted (what was measured is reported and written).\n"
             "A suite's `cmd:` takes the same options (keys in docs/suite.md).");

  if (auto code = parse_verb_arguments(app, args)) return *code;
  cmd::RunnerOptions options =
      run::build_runner(table_flags.read(), [&](std::string_view key) { return table_flags.flag_for(key); });
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
