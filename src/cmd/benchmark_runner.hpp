// The `perfgate cmd` benchmark loop: setup, warm-up, prepare, timed runs (at least min-runs
// and at least min-time, like hyperfine), conclude, cleanup; the shell's own start-up time
// measured and subtracted (unless it exceeds the measurement); per-command statistics and
// warnings; and the comparison of several commands.
// Runs processes only through an Executor, so tests drive it with a fake.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cmd/process.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace perfgate::cmd {

struct BenchmarkCommand {
  std::string name;  // shown and stored: -n NAME, else the command text
  std::string text;  // after {PARAM} substitution
  std::map<std::string, std::string> parameters;
  std::string shown = {};  // as a suite wrote it, `${VAR}` unfilled (stored and printed); empty: text
};

struct RunnerOptions {
  std::vector<BenchmarkCommand> commands;
  std::optional<std::string> shell = std::string("sh");  // nullopt: --shell=none, split here
  int warmup_runs = 0;
  std::optional<int> exact_runs;        // -r
  int min_runs = 10;                    // -m
  std::optional<int> max_runs;          // -M
  Nanos min_time{std::chrono::seconds(3)};
  std::optional<std::string> setup;     // once before the runs of a command, not timed
  std::optional<std::string> prepare;   // before every run, not timed
  std::optional<std::string> conclude;  // after every run, not timed
  std::optional<std::string> cleanup;   // after all runs of a command
  bool ignore_failure = false;
  // How the user turns ignore_failure on where the options came from, for the failure message.
  std::string ignore_failure_hint = "-i/--ignore-failure";
  InputMode input;
  OutputMode output;
};

struct CommandResult {
  BenchmarkCommand command;
  std::vector<double> wall_s;     // one per timed run, shell start-up subtracted (see below)
  std::vector<double> user_s;
  std::vector<double> system_s;
  // The shell start-up subtracted from every run of each series: the measured start-up, or 0
  // when it exceeded one of the series' runs (the series is then reported uncorrected, with a
  // warning, rather than clamped at 0), or with --shell=none.
  double wall_correction_s = 0;
  double user_correction_s = 0;
  double system_correction_s = 0;
  std::vector<int> exit_codes;
  std::int64_t max_rss_bytes = 0;
  bool rss_is_own = true;         // false: spawned without perfgate-exec, perfgate's peak included
  stats::Summary wall;
  double user_mean_s = 0;
  double system_mean_s = 0;
  std::vector<std::string> warnings;
  bool interrupted = false;       // SIGINT during its runs: these are the runs done so far
};

// "`fastest` ran ratio ± stddev times faster than `other`", and whether that is significant.
struct Comparison {
  std::size_t fastest = 0;
  std::size_t other = 0;
  stats::Ratio ratio;             // other mean / fastest mean
  stats::TestResult mann_whitney;
};

struct RunnerProgress {
  std::size_t command_index = 0;
  std::size_t command_count = 0;
  std::string name;
  bool warmup = false;
  int run = 0;                    // runs done of this phase
  int planned = 0;                // runs planned for this phase (an estimate before the first)
  double remaining_s = 0;         // estimate for this command
};

// A benchmarked command exited non-zero (without -i): exit code 1.
class CommandFailed : public std::runtime_error {
 public:
  CommandFailed(const std::string& what, int exit_code) : std::runtime_error(what), exit_code_(exit_code) {}
  int command_exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

class BenchmarkRunner {
 public:
  BenchmarkRunner(Executor& executor, RunnerOptions options);

  // Runs every command. Throws CommandFailed (exit 1) or RunError (cannot start: exit 3).
  // When `stop` becomes true, returns the results measured so far (marked interrupted).
  std::vector<CommandResult> run(const std::function<void(const RunnerProgress&)>& progress,
                                 const std::atomic<bool>* stop = nullptr);

  // The shell's own start-up (wall, user, system), measured before the first command and
  // subtracted from every run; zero with --shell=none.
  double shell_spawn_wall_s() const { return shell_wall_s_; }

 private:
  ProcessSpec spec_for(const std::string& text) const;
  void measure_shell_spawn(const std::atomic<bool>* stop);
  void run_auxiliary(const std::string& what, const std::string& text);
  CommandResult run_command(std::size_t index, const std::function<void(const RunnerProgress&)>& progress,
                            const std::atomic<bool>* stop);
  void finish(CommandResult& result) const;

  Executor& executor_;
  RunnerOptions options_;
  double shell_wall_s_ = 0;
  double shell_user_s_ = 0;
  double shell_system_s_ = 0;
};

// Each command compared with the fastest (by mean); commands without a completed run are
// left out, so fewer than two with runs give none.
std::vector<Comparison> compare_to_fastest(const std::vector<CommandResult>& results);
// Each command compared with results[reference] (hyperfine's --reference): in each comparison
// `fastest` is the faster of the two, which need not be the reference.
std::vector<Comparison> compare_to_reference(const std::vector<CommandResult>& results, std::size_t reference);

}  // namespace perfgate::cmd
