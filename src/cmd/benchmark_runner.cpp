// The `perfgate cmd` benchmark loop; see benchmark_runner.hpp.
#include "cmd/benchmark_runner.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cmd/command_line.hpp"
#include "core/error.hpp"

namespace perfgate::cmd {
namespace {

constexpr int kShellCalibrationRuns = 50;
constexpr double kShellPrecisionLimitS = 0.005;  // below this, the shell correction dominates
// |modified z-score| above which a run is worth a warning. 3.5 (Iglewicz & Hoaglin) flags
// ordinary scheduler jitter on tight distributions such as `sleep`; hyperfine warns at 14.
constexpr double kOutlierWarningZ = 14.0;

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

bool stopped(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(std::memory_order_relaxed); }

std::string describe_exit(const ProcessMeasurement& m) {
  if (m.signal != 0) return fmt::format("was killed by signal {}", m.signal);
  return fmt::format("exited with code {}", m.exit_code);
}

}  // namespace

BenchmarkRunner::BenchmarkRunner(Executor& executor, RunnerOptions options)
    : executor_(executor), options_(std::move(options)) {}

ProcessSpec BenchmarkRunner::spec_for(const std::string& text) const {
  ProcessSpec spec;
  if (options_.shell) {
    spec.argv = shell_argv(*options_.shell, text);
  } else {
    std::string error;
    auto argv = split_command_line(text, &error);
    if (!argv || argv->empty()) {
      throw UsageError(fmt::format("command '{}': {}", text, argv ? "empty command" : error));
    }
    spec.argv = std::move(*argv);
  }
  spec.input = options_.input;
  spec.output = options_.output;
  return spec;
}

void BenchmarkRunner::measure_shell_spawn(const std::atomic<bool>* stop) {
  if (!options_.shell) return;
  ProcessSpec spec = spec_for("");
  spec.input = {};
  spec.output = {};
  std::vector<double> wall, user, system;
  for (int i = 0; i < kShellCalibrationRuns && !stopped(stop); ++i) {
    ProcessMeasurement m = executor_.run(spec);
    if (!m.started) {
      throw RunError(fmt::format("cannot start the shell '{}': {}", *options_.shell, m.start_error));
    }
    if (!m.succeeded()) {
      throw RunError(fmt::format("the shell '{}' {} on an empty command", *options_.shell, describe_exit(m)));
    }
    wall.push_back(seconds(m.wall_ns));
    user.push_back(seconds(m.user_ns));
    system.push_back(seconds(m.system_ns));
  }
  // The median resists the odd slow start; the mean is what hyperfine uses, and they agree closely.
  shell_wall_s_ = stats::median(wall);
  shell_user_s_ = stats::median(user);
  shell_system_s_ = stats::median(system);
}

void BenchmarkRunner::run_auxiliary(const std::string& what, const std::string& text) {
  ProcessSpec spec = spec_for(text);
  spec.output = {};
  ProcessMeasurement m = executor_.run(spec);
  if (!m.started) throw RunError(fmt::format("cannot start the {} command '{}': {}", what, text, m.start_error));
  if (!m.succeeded()) {
    throw CommandFailed(fmt::format("the {} command '{}' {}", what, text, describe_exit(m)), m.exit_code);
  }
}

std::vector<CommandResult> BenchmarkRunner::run(const std::function<void(const RunnerProgress&)>& progress,
                                                const std::atomic<bool>* stop) {
  measure_shell_spawn(stop);
  std::vector<CommandResult> results;
  for (std::size_t i = 0; i < options_.commands.size(); ++i) {
    if (stopped(stop)) break;
    results.push_back(run_command(i, progress, stop));
    if (results.back().interrupted) break;
  }
  return results;
}

CommandResult BenchmarkRunner::run_command(std::size_t index,
                                           const std::function<void(const RunnerProgress&)>& progress,
                                           const std::atomic<bool>* stop) {
  const BenchmarkCommand& command = options_.commands[index];
  CommandResult result;
  result.command = command;
  ProcessSpec spec = spec_for(command.text);
  std::optional<std::string> prepare =
      options_.prepare ? std::optional(substitute_parameters(*options_.prepare, command.parameters)) : std::nullopt;
  std::optional<std::string> conclude =
      options_.conclude ? std::optional(substitute_parameters(*options_.conclude, command.parameters)) : std::nullopt;

  RunnerProgress p;
  p.command_index = index;
  p.command_count = options_.commands.size();
  p.name = command.name;
  auto report = [&] {
    if (progress) progress(p);
  };

  // One measured run (warm-up or timed); failures end the benchmark unless -i.
  auto run_once = [&]() -> ProcessMeasurement {
    if (prepare) run_auxiliary("prepare", *prepare);
    ProcessMeasurement m = executor_.run(spec);
    if (!m.started) throw RunError(fmt::format("cannot start '{}': {}", command.text, m.start_error));
    // A Ctrl-C reaches the child too; its death then is not the command's failure.
    if (m.exit_code != 0 && !options_.ignore_failure && !stopped(stop)) {
      throw CommandFailed(fmt::format("command '{}' {}. Use {} to benchmark it anyway.", command.name,
                                      describe_exit(m), options_.ignore_failure_hint),
                          m.exit_code);
    }
    if (conclude && !stopped(stop)) run_auxiliary("conclude", *conclude);
    return m;
  };

  if (options_.setup) run_auxiliary("setup", substitute_parameters(*options_.setup, command.parameters));
  p.warmup = true;
  p.planned = options_.warmup_runs;
  for (int i = 0; i < options_.warmup_runs && !stopped(stop); ++i) {
    report();
    run_once();
    p.run = i + 1;
  }

  p.warmup = false;
  p.run = 0;
  int planned = options_.exact_runs.value_or(options_.min_runs);
  p.planned = planned;
  report();
  double spent_s = 0;
  for (int i = 0; i < planned; ++i) {
    if (stopped(stop)) {
      result.interrupted = true;
      break;
    }
    ProcessMeasurement m = run_once();
    if (stopped(stop)) {
      result.interrupted = true;  // the run the signal cut short is not a measurement
      break;
    }
    // Uncorrected here; finish() subtracts the shell's start-up where it can.
    result.wall_s.push_back(seconds(m.wall_ns));
    result.user_s.push_back(seconds(m.user_ns));
    result.system_s.push_back(seconds(m.system_ns));
    result.exit_codes.push_back(m.exit_code);
    result.max_rss_bytes = std::max(result.max_rss_bytes, m.max_rss_bytes);
    result.rss_is_own = result.rss_is_own && m.rss_is_own;
    spent_s += seconds(m.wall_ns);
    if (i == 0 && !options_.exact_runs) {
      // Enough runs to fill min_time, at least min_runs, at most max_runs (hyperfine's rule).
      double min_time_s = static_cast<double>(options_.min_time.count()) / 1e9;
      double per_run = std::max(seconds(m.wall_ns), 1e-9);
      double wanted = std::ceil(min_time_s / per_run);
      planned = static_cast<int>(std::min(std::max<double>(wanted, options_.min_runs), 1e9));
      if (options_.max_runs) planned = std::min(planned, *options_.max_runs);
      planned = std::max(planned, 1);
      p.planned = planned;
    }
    p.run = i + 1;
    p.remaining_s = spent_s / (i + 1) * (planned - i - 1);
    report();
  }
  if (options_.cleanup && !result.interrupted) {
    run_auxiliary("cleanup", substitute_parameters(*options_.cleanup, command.parameters));
  }
  finish(result);
  return result;
}

namespace {

// Subtracts `correction` from every run of `series` unless it exceeds one of them: clamping
// those at 0 would bias the mean and could zero the MAD. Returns what was subtracted.
double subtract_shell_start(std::vector<double>& series, double correction) {
  if (correction <= 0) return 0;
  if (std::any_of(series.begin(), series.end(), [&](double v) { return v < correction; })) return 0;
  for (double& v : series) v -= correction;
  return correction;
}

}  // namespace

void BenchmarkRunner::finish(CommandResult& result) const {
  result.wall_correction_s = subtract_shell_start(result.wall_s, shell_wall_s_);
  result.user_correction_s = subtract_shell_start(result.user_s, shell_user_s_);
  result.system_correction_s = subtract_shell_start(result.system_s, shell_system_s_);
  result.wall = stats::summarize(result.wall_s);
  result.user_mean_s = stats::summarize(result.user_s).mean;
  result.system_mean_s = stats::summarize(result.system_s).mean;
  std::size_t n = result.wall_s.size();
  if (n == 0) return;
  if (options_.ignore_failure &&
      std::any_of(result.exit_codes.begin(), result.exit_codes.end(), [](int c) { return c != 0; })) {
    result.warnings.push_back("Ignoring non-zero exit codes: the command failed in some runs.");
  }
  if (!result.rss_is_own) {
    result.warnings.push_back(
        "perfgate-exec was not found beside perfgate: the peak RSS includes perfgate's own memory.");
  }
  std::vector<std::string> uncorrected;
  if (shell_wall_s_ > 0 && result.wall_correction_s == 0) uncorrected.push_back("wall");
  if (shell_user_s_ > 0 && result.user_correction_s == 0) uncorrected.push_back("user");
  if (shell_system_s_ > 0 && result.system_correction_s == 0) uncorrected.push_back("system");
  if (!uncorrected.empty()) {
    result.warnings.push_back(fmt::format(
        "The shell's start-up (wall {:.3f} ms, user {:.3f} ms, system {:.3f} ms) exceeds some runs' own {} time: "
        "those times are reported uncorrected, the shell's start-up included. Use -N (--shell=none) to measure "
        "the command without a shell.",
        shell_wall_s_ * 1e3, shell_user_s_ * 1e3, shell_system_s_ * 1e3, fmt::join(uncorrected, "/")));
  } else if (options_.shell && result.wall.mean < kShellPrecisionLimitS) {
    result.warnings.push_back(fmt::format(
        "The command took less than {:.0f} ms: the shell start-up correction limits the precision. "
        "Use -N (--shell=none) to measure it without a shell.",
        kShellPrecisionLimitS * 1e3));
  }
  std::vector<std::size_t> outliers = stats::outlier_indices(result.wall_s, kOutlierWarningZ);
  bool first_is_slow_outlier = !outliers.empty() && outliers.front() == 0 && n >= 3 &&
                               result.wall_s[0] > result.wall.median;
  if (first_is_slow_outlier) {
    std::vector<double> rest(result.wall_s.begin() + 1, result.wall_s.end());
    result.warnings.push_back(fmt::format(
        "The first run was much slower than the rest ({:.1f} ms vs a median of {:.1f} ms): caches were "
        "probably cold. Use --warmup or --prepare to control them.",
        result.wall_s[0] * 1e3, stats::median(rest) * 1e3));
  }
  std::size_t other_outliers = outliers.size() - (first_is_slow_outlier ? 1 : 0);
  if (other_outliers > 0) {
    result.warnings.push_back(fmt::format(
        "Statistical outliers were detected ({} of {} runs, modified z-score > 14): another program may "
        "have disturbed the measurement. Re-run on a quieter machine, or with more warm-up.",
        other_outliers, n));
  }
}

std::vector<Comparison> compare_to_fastest(const std::vector<CommandResult>& results) {
  // A command interrupted before its first run has no mean to compare.
  std::optional<std::size_t> fastest;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].wall_s.empty() && (!fastest || results[i].wall.mean < results[*fastest].wall.mean)) fastest = i;
  }
  return fastest ? compare_to_reference(results, *fastest) : std::vector<Comparison>{};
}

std::vector<Comparison> compare_to_reference(const std::vector<CommandResult>& results, std::size_t reference) {
  std::vector<Comparison> comparisons;
  if (reference >= results.size() || results[reference].wall_s.empty()) return comparisons;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == reference || results[i].wall_s.empty()) continue;
    Comparison c;
    const bool reference_is_faster = results[reference].wall.mean <= results[i].wall.mean;
    c.fastest = reference_is_faster ? reference : i;
    c.other = reference_is_faster ? i : reference;
    c.ratio = stats::ratio_of_means(results[c.other].wall, results[c.fastest].wall);
    c.mann_whitney = stats::mann_whitney_u(results[c.other].wall_s, results[c.fastest].wall_s);
    comparisons.push_back(c);
  }
  return comparisons;
}

}  // namespace perfgate::cmd
