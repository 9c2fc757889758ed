// `perfgate monitor --pid PID | -- CMD ARGS`: samples the CPU, memory, threads and descriptors
// of a process tree until it exits, --duration ends or Ctrl-C; prints a live line, the summary
// table and the leak verdicts, writes the result document; exit 1 on a leak.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/progress.hpp"
#include "cli/signals.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/result_document.hpp"
#include "core/units.hpp"
#include "monitor/monitor_result.hpp"
#include "monitor/resource_monitor.hpp"

extern char** environ;

namespace perfgate::cli {
namespace {

struct MonitorOptions {
  std::optional<pid_t> pid;
  std::vector<std::string> command;
  std::chrono::milliseconds interval{1000};
  std::optional<double> duration_s;
  std::optional<double> warmup_s;        // --warmup DUR
  double warmup_fraction = 0.10;         // --warmup PCT (default 10% of the window)
  monitor::LeakThresholds thresholds;
  std::string json_path;
  std::string name;
  bool quiet = false;
};

// "--leak-threshold 5MB/h" (rss), "threads=2/h", "fds=0": the allowed growth of each series.
void parse_leak_threshold(const std::string& text, monitor::LeakThresholds& out) {
  const auto eq = text.find('=');
  const std::string series = eq == std::string::npos ? "rss" : text.substr(0, eq);
  const std::string value = eq == std::string::npos ? text : text.substr(eq + 1);
  if (series == "rss") {
    auto per_s = parse_byte_rate_per_s(value);
    if (!per_s) {
      throw UsageError(fmt::format("--leak-threshold: expected a growth like 1MB/h, 10KB/s or 0, got '{}'", value));
    }
    out.rss_bytes_per_h = *per_s * 3600;
    return;
  }
  if (series != "threads" && series != "fds") {
    throw UsageError(fmt::format("--leak-threshold: unknown series '{}' (expected rss, threads or fds)", series));
  }
  std::optional<double> per_s = value == "0" ? std::optional<double>(0.0) : parse_rate_per_s(value);
  if (!per_s) {
    throw UsageError(fmt::format("--leak-threshold: expected {}=N/h (or /m, /s, or 0), got '{}'", series, value));
  }
  (series == "threads" ? out.threads_per_h : out.fds_per_h) = *per_s * 3600;
}

MonitorOptions parse_monitor_flags(const std::vector<std::string>& all_args, std::optional<int>& exit_now) {
  // Everything after the first "--" is the command, untouched by the option parser.
  auto dash = std::find(all_args.begin(), all_args.end(), "--");
  std::vector<std::string> args(all_args.begin(), dash);
  MonitorOptions o;
  if (dash != all_args.end()) o.command.assign(dash + 1, all_args.end());

  CLI::App app{"Sample the CPU, memory (PSS), threads, open files and context switches of a process and\n"
               "all its descendants, and check rss, threads and fds for leaks (a slope whose 95% interval\n"
               "lies above the allowed growth).\n"
               "  perfgate monitor [options] --pid PID\n"
               "  perfgate monitor [options] -- CMD [ARGS...]",
               "perfgate monitor"};
  std::string pid_text, interval_text = "1s", duration_text, warmup_text;
  std::vector<std::string> thresholds;
  app.add_option("--pid", pid_text, "Follow this running process and its descendants");
  app.add_option("-i,--interval", interval_text, "Time between samples (default 1s)");
  app.add_option("-d,--duration", duration_text, "Stop after this long (default: until the process exits)");
  app.add_option("--warmup", warmup_text, "Left out of the leak check: a duration (30s) or a share of the window (default 10%)");
  app.add_option("--leak-threshold", thresholds,
                 "Allowed growth: 1MB/h for rss (the default), threads=N/h, fds=N/h (default 0); repeatable");
  app.add_option("--json", o.json_path, "Write the result document (kind \"monitor\") to FILE, or - for stdout");
  app.add_option("--name", o.name, "Name in the result document (default: the command, or pid N)");
  app.add_flag("-q,--quiet", o.quiet, "No live line");
  app.footer("A command is started in its own process group and followed until it exits; at the end of\n"
             "--duration or on Ctrl-C it is stopped (SIGTERM, then SIGKILL). A --pid is never signalled.\n"
             "Exit codes: 0 no leak, 1 a leak (rss, threads or fds), 2 bad options or no such pid,\n"
             "3 the command could not be started, 130 interrupted (what was measured is written).");
  if (auto code = parse_verb_arguments(app, args)) {
    exit_now = *code;
    return o;
  }

  if (!pid_text.empty() == !o.command.empty()) {
    throw UsageError(!pid_text.empty() ? "--pid and a command (after --) cannot both be given"
                                       : "nothing to monitor: give --pid PID or -- CMD [ARGS...]");
  }
  if (dash != all_args.end() && o.command.empty()) throw UsageError("--: expected a command after it");
  if (!pid_text.empty()) {
    char* end = nullptr;
    errno = 0;
    const long pid = std::strtol(pid_text.c_str(), &end, 10);
    if (end == pid_text.c_str() || *end != '\0' || errno != 0 || pid <= 0 || pid > 0x3fffffff) {
      throw UsageError(fmt::format("--pid: expected a process id, got '{}'", pid_text));
    }
    o.pid = static_cast<pid_t>(pid);
  }
  const Nanos interval = duration_option("--interval", interval_text, false);
  if (interval < std::chrono::milliseconds(10) || interval > std::chrono::hours(1)) {
    throw UsageError(fmt::format("--interval: expected 10ms to 1h, got '{}'", interval_text));
  }
  o.interval = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
  if (!duration_text.empty()) {
    o.duration_s = std::chrono::duration<double>(duration_option("--duration", duration_text, false)).count();
  }
  if (!warmup_text.empty()) {
    if (warmup_text.back() == '%') {
      auto fraction = parse_percent_fraction(warmup_text, 99);
      if (!fraction) throw UsageError(fmt::format("--warmup: expected a share below 100%, got '{}'", warmup_text));
      o.warmup_fraction = *fraction;
    } else {
      o.warmup_s = std::chrono::duration<double>(duration_option("--warmup", warmup_text)).count();
    }
  }
  for (const std::string& t : thresholds) parse_leak_threshold(t, o.thresholds);
  return o;
}

// The command, started in its own process group. stdin is inherited unless it is a terminal,
// which a background process group could not read from; its stdout goes to stderr when the
// document has stdout (`--json -`) to itself.
pid_t start_command(const std::vector<std::string>& command, bool stdout_taken) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  if (isatty(STDIN_FILENO) == 1) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (stdout_taken) posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw RunError(fmt::format("cannot start '{}': {}", command[0], std::strerror(error)));
  return pid;
}

// How the command ended, from wait4: its status and the CPU of its whole reaped tree.
struct CommandEnd {
  bool exited = false;  // on its own, before the monitor stopped it
  int exit_code = 0;
  int signal = 0;
  double cpu_s = 0;
};

bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

CommandEnd reap(pid_t pid) {
  CommandEnd end;
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    end.signal = WTERMSIG(status);
    end.exit_code = 128 + end.signal;
  }
  end.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
              static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return end;
}

// Stops what the monitor started: SIGTERM to the group, up to 5 s, then SIGKILL.
CommandEnd stop_command(pid_t pid) {
  ::kill(-pid, SIGTERM);
  for (int i = 0; i < 100 && !has_exited(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!has_exited(pid)) ::kill(-pid, SIGKILL);
  CommandEnd end = reap(pid);
  ::kill(-pid, SIGKILL);  // descendants that stayed in the group
  return end;
}

struct SeriesFigures {
  double min = 0, mean = 0, max = 0;
};

template <typename Get>
SeriesFigures figures_of(const std::vector<monitor::ResourceSample>& samples, Get get) {
  SeriesFigures f;
  if (samples.empty()) return f;
  f.min = f.max = get(samples.front());
  double total = 0;
  for (const auto& s : samples) {
    const double v = get(s);
    f.min = std::min(f.min, v);
    f.max = std::max(f.max, v);
    total += v;
  }
  f.mean = total / static_cast<double>(samples.size());
  return f;
}

std::string signed_bytes(double bytes) {
  if (!std::isfinite(bytes)) return "?";
  return (bytes < 0 ? "-" : "+") + format_bytes(std::fabs(bytes));
}

std::string signed_count(double n) {
  if (!std::isfinite(n)) return "?";
  return fmt::format("{:+.2f}", n);
}

// "+1.20 GiB/h [+1.10 GiB, +1.30 GiB]  LEAK (allowed 1.00 MiB/h)"
template <typename Format>
std::string slope_cell(const monitor::LeakVerdict& v, Format format) {
  std::string text = fmt::format("{}/h [{}, {}]", format(v.trend.slope_per_h), format(v.trend.ci95_low),
                                 format(v.trend.ci95_high));
  if (v.trend.samples < 5) return text + "  no verdict (too few samples after the warm-up)";
  if (!v.judged) {
    return text + fmt::format("  no verdict (above the allowed {}/h, but {} over {:.1f} s is too little to tell from a "
                              "warm-up)",
                              format(v.threshold_per_h), format(v.trend.ci95_low * v.window_s / 3600), v.window_s);
  }
  return text + (v.leaking ? fmt::format("  LEAK (allowed {}/h)", format(v.threshold_per_h)) : "  no leak");
}

std::string summary_table(const std::string& title, const std::vector<monitor::ResourceSample>& samples,
                          const monitor::LeakVerdicts& verdicts, const monitor::TrendEstimate& cpu_trend) {
  std::string out = title;
  if (samples.empty()) return out + "  no samples were taken\n";
  auto bytes = [](double b) { return format_bytes(b); };
  auto count = [](double n) { return fmt::format("{:.1f}", n); };
  auto whole = [](double n) { return fmt::format("{:.0f}", n); };
  auto percent = [](double p) { return fmt::format("{:.1f}%", p); };
  out += fmt::format("  {:<8} {:>12} {:>12} {:>12}  {}\n", "series", "min", "mean", "max", "slope (95% interval)");
  auto cpu = figures_of(samples, [](const auto& s) { return s.cpu_pct; });
  auto rss = figures_of(samples, [](const auto& s) { return static_cast<double>(s.rss_bytes); });
  auto threads = figures_of(samples, [](const auto& s) { return static_cast<double>(s.threads); });
  auto fds = figures_of(samples, [](const auto& s) { return static_cast<double>(s.fds); });
  out += fmt::format("  {:<8} {:>12} {:>12} {:>12}  {}\n", "cpu", percent(cpu.min), percent(cpu.mean), percent(cpu.max),
                     fmt::format("{:+.1f}%/h", cpu_trend.slope_per_h));
  out += fmt::format("  {:<8} {:>12} {:>12} {:>12}  {}\n", "rss", bytes(rss.min), bytes(rss.mean), bytes(rss.max),
                     slope_cell(verdicts.rss, signed_bytes));
  out += fmt::format("  {:<8} {:>12} {:>12} {:>12}  {}\n", "threads", whole(threads.min), count(threads.mean),
                     whole(threads.max), slope_cell(verdicts.threads, signed_count));
  out += fmt::format("  {:<8} {:>12} {:>12} {:>12}  {}\n", "fds", whole(fds.min), count(fds.mean), whole(fds.max),
                     slope_cell(verdicts.fds, signed_count));
  const auto& last = samples.back();
  out += fmt::format("  processes at the end: {}; context switches: {} voluntary, {} involuntary\n", last.processes,
                     format_count(last.voluntary_switches), format_count(last.involuntary_switches));
  return out;
}

std::string live_line(double elapsed_s, const std::optional<monitor::ResourceSample>& s) {
  if (!s) return fmt::format("  {:.1f}s  waiting for the first sample", elapsed_s);
  return fmt::format("  {:.1f}s  cpu {:.1f}%  rss {}  threads {}  fds {}  processes {}", elapsed_s, s->cpu_pct,
                     format_bytes(static_cast<double>(s->rss_bytes)), s->threads, s->fds, s->processes);
}

}  // namespace

int monitor_verb(const std::vector<std::string>& args) {
  std::optional<int> exit_now;
  MonitorOptions o = parse_monitor_flags(args, exit_now);
  if (exit_now) return *exit_now;
  FILE* text = check_output_paths({{"--json", o.json_path}});
  RunInfo run_info = make_run_info();

  std::optional<pid_t> child;
  std::unique_ptr<monitor::ResourceSource> source;
  if (o.pid) {
    try {
      source = monitor::process_tree_source(*o.pid);
    } catch (const RunError&) {
      throw UsageError(fmt::format("--pid: no process with pid {}", *o.pid));
    }
  } else {
    child = start_command(o.command, text == stderr);
    kill_on_forced_exit(*child);
    source = monitor::process_tree_source(*child);
  }
  const pid_t target = o.pid ? *o.pid : *child;
  std::string name = !o.name.empty() ? o.name : o.pid ? fmt::format("pid {}", *o.pid) : o.command[0];

  install_interrupt_handlers();
  monitor::ResourceMonitor sampler(std::move(source), o.interval);
  sampler.start();
  StatusLine status(o.quiet);
  std::optional<CommandEnd> command_end;
  const double interval_s = std::chrono::duration<double>(o.interval).count();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double now = sampler.now_s();
    if (interrupted()) break;
    if (child && has_exited(*child)) {
      command_end = reap(*child);
      command_end->exited = true;
      break;
    }
    if (!child && sampler.target_gone()) break;
    if (o.duration_s && now >= *o.duration_s) {
      // Let the sample due at the very end land before stopping.
      auto last = sampler.latest();
      if (now >= *o.duration_s + interval_s || (last && last->t_s >= *o.duration_s - interval_s / 2)) break;
    }
    status.show(live_line(now, sampler.latest()));
  }
  sampler.stop();
  status.clear();
  const double elapsed_s = sampler.now_s();
  if (child && !command_end) command_end = stop_command(*child);
  if (child) forget_on_forced_exit(*child);

  const std::vector<monitor::ResourceSample> samples = sampler.samples();
  const double window_end_s = samples.empty() ? elapsed_s : samples.back().t_s;
  const double warmup_end_s = o.warmup_s ? *o.warmup_s : o.warmup_fraction * window_end_s;
  const monitor::LeakVerdicts verdicts = monitor::leak_verdicts(samples, o.thresholds, warmup_end_s);
  const monitor::ResourceSummary summary = monitor::summarize(samples);
  std::vector<double> t, cpu;
  double cpu_s = 0;
  double previous_t = 0;
  for (const auto& s : samples) {
    t.push_back(s.t_s);
    cpu.push_back(s.cpu_pct);
    cpu_s += s.cpu_pct / 100 * (s.t_s - previous_t);
    previous_t = s.t_s;
  }
  const monitor::TrendEstimate cpu_trend = monitor::trend_per_hour(t, cpu);
  // A command's CPU comes exact from wait4 (its reaped tree, the last interval included).
  if (command_end) cpu_s = command_end->cpu_s;

  std::string ending;
  if (interrupted()) {
    ending = "interrupted";
  } else if (command_end && command_end->exited) {
    ending = command_end->signal != 0 ? fmt::format("the command was killed by signal {}", command_end->signal)
                                      : fmt::format("the command exited with status {}", command_end->exit_code);
  } else if (!child && sampler.target_gone()) {
    ending = fmt::format("pid {} exited", target);
  } else {
    ending = "the duration ended";
  }
  std::string title = fmt::format("perfgate monitor: {} (pid {}), {:.1f} s, {} samples every {}; {}\n", name, target,
                                  elapsed_s, samples.size(), format_duration(o.interval), ending);
  if (!o.quiet || text == stdout) {
    std::string table = summary_table(title, samples, verdicts, cpu_trend);
    table += fmt::format("  CPU time: {:.2f} s{}\n", cpu_s, command_end ? " (the command's tree, from wait4)" : "");
    std::fputs(table.c_str(), text);
    std::fflush(text);
  }
  if (command_end && command_end->exited && command_end->exit_code != 0) {
    std::fprintf(stderr, "perfgate monitor: '%s' failed: %s\n", o.command[0].c_str(), ending.c_str());
  }

  if (!o.json_path.empty()) {
    nlohmann::json config = {{"interval_s", interval_s},
                             {"duration_s", o.duration_s ? nlohmann::json(*o.duration_s) : nlohmann::json(nullptr)},
                             {"warmup_s", warmup_end_s},
                             {"leak_threshold",
                              {{"rss_bytes_per_h", o.thresholds.rss_bytes_per_h},
                               {"threads_per_h", o.thresholds.threads_per_h},
                               {"fds_per_h", o.thresholds.fds_per_h}}}};
    if (o.pid) config["pid"] = *o.pid;
    else config["command"] = o.command;
    nlohmann::json b;
    b["name"] = name;
    b["kind"] = "monitor";
    b["valid"] = !samples.empty();
    b["invalid_reason"] = samples.empty() ? nlohmann::json("no samples were taken") : nlohmann::json(nullptr);
    b["interrupted"] = interrupted();
    b["config"] = config;
    b["duration_s"] = elapsed_s;
    b["samples"] = samples.size();
    nlohmann::json target_json = {{"pid", target}, {"ended", ending}, {"cpu_s", cpu_s}};
    if (command_end) {
      target_json["exited"] = command_end->exited;
      target_json["exit_code"] = command_end->exit_code;
      target_json["signal"] = command_end->signal;
    }
    b["target"] = target_json;
    b["resources"] = {{name, monitor::resources_json(summary)}};
    b["resource_timeline"] = monitor::resource_timeline_json(samples);
    b["leak"] = monitor::leak_json(verdicts);
    b["metrics"] = metrics_to_json(monitor::resource_metrics(summary, verdicts));
    write_file_atomically(o.json_path, result_document(run_info, {b}).dump(2) + "\n");
  }
  if (interrupted()) return exit_code::kInterrupted;
  return verdicts.any() ? exit_code::kGateFailed : exit_code::kOk;
}

}  // namespace perfgate::cli
