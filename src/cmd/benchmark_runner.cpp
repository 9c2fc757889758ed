// The `perfgate cmd` benchmark loop; see benchmark_runner.hpp.
#include "cmd/benchmark_runner.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

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
      throw CommandFailed(fmt::format("command '{}' {}. Use -i/--ignore-failure to benchmark it anyway.",
                                      command.name, describe_exit(m)),
                          m.exit_code);
    }
    return m;
  };

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
    double wall = std::max(0.0, seconds(m.wall_ns) - shell_wall_s_);
    result.wall_s.push_back(wall);
    result.user_s.push_back(std::max(0.0, seconds(m.user_ns) - shell_user_s_));
    result.system_s.push_back(std::max(0.0, seconds(m.system_ns) - shell_system_s_));
    result.exit_codes.push_back(m.exit_code);
    result.max_rss_bytes = std::max(result.max_rss_bytes, m.max_rss_bytes);
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

void BenchmarkRunner::finish(CommandResult& result) const {
  result.wall = stats::summarize(result.wall_s);
  result.user_mean_s = stats::summarize(result.user_s).mean;
  result.system_mean_s = stats::summarize(result.system_s).mean;
  std::size_t n = result.wall_s.size();
  if (n == 0) return;
  if (options_.ignore_failure &&
      std::any_of(result.exit_codes.begin(), result.exit_codes.end(), [](int c) { return c != 0; })) {
    result.warnings.push_back("Ignoring non-zero exit codes: the command failed in some runs.");
  }
  if (options_.shell && result.wall.mean < kShellPrecisionLimitS) {
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
  std::vector<Comparison> comparisons;
  if (results.size() < 2) return comparisons;
  std::size_t fastest = 0;
  for (std::size_t i = 1; i < results.size(); ++i) {
    if (results[i].wall.mean < results[fastest].wall.mean) fastest = i;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == fastest) continue;
    Comparison c;
    c.fastest = fastest;
    c.other = i;
    c.ratio = stats::ratio_of_means(results[i].wall, results[fastest].wall);
    c.mann_whitney = stats::mann_whitney_u(results[i].wall_s, results[fastest].wall_s);
    comparisons.push_back(c);
  }
  return comparisons;
}

}  // namespace perfgate::cmd
