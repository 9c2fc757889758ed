// `perfgate profile`: samples a process's on-CPU stacks with Linux perf (--pid PID, or a command
// it starts: -- CMD ARGS), folds them, and writes the folded stacks, an SVG flame graph (a
// differential one with --diff) and a result document. `--render FOLDED` draws a folded file
// without sampling.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/signals.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/result_document.hpp"
#include "core/text_escape.hpp"
#include "profile/flame_graph.hpp"
#include "profile/folded_stacks.hpp"
#include "profile/perf_recorder.hpp"
#include "profile/target_process.hpp"

namespace perfgate::cli {
namespace {

struct ProfileFlags {
  std::string pid;
  std::string duration;
  std::string frequency = "99";
  std::string svg_path;
  std::string folded_path;
  std::string json_path;
  std::string diff_path;
  std::string render_path;
  std::string title;
  bool quiet = false;
};

struct ProfileOptions {
  std::optional<pid_t> pid;
  std::vector<std::string> command;    // after --
  std::optional<std::string> render;   // --render FOLDED
  std::optional<Nanos> duration;
  int frequency_hz = 99;
  std::string svg_path, folded_path, json_path;
  std::optional<profile::FoldedStacks> base;  // --diff
  std::string title;
  bool quiet = false;
};

constexpr const char* kDefaultSvg = "profile.svg";

ProfileOptions validate(const ProfileFlags& f, std::vector<std::string> command) {
  ProfileOptions o;
  o.command = std::move(command);
  const int targets = (f.pid.empty() ? 0 : 1) + (o.command.empty() ? 0 : 1) + (f.render_path.empty() ? 0 : 1);
  if (targets == 0) {
    throw UsageError("say what to profile: --pid PID, or -- CMD ARGS (or --render FOLDED to draw a folded file)");
  }
  if (targets > 1) throw UsageError("--pid, -- CMD and --render exclude each other: give one");
  if (!f.pid.empty()) {
    const std::uint64_t pid = suite::OptionValue("--pid", {f.pid}).whole_number(1, 4'194'304);
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      throw UsageError(fmt::format("--pid: no process {}", pid));
    }
    o.pid = static_cast<pid_t>(pid);
  }
  if (!f.render_path.empty()) {
    o.render = f.render_path;
    if (!f.duration.empty()) throw UsageError("--duration: --render draws a folded file; it samples nothing");
  }
  if (!f.duration.empty()) o.duration = duration_option("--duration", f.duration, false);
  o.frequency_hz = static_cast<int>(suite::OptionValue("--frequency", {f.frequency}).whole_number(1, 10'000));
  o.svg_path = f.svg_path;
  o.folded_path = f.folded_path;
  o.json_path = f.json_path;
  if (o.svg_path.empty() && o.folded_path.empty() && o.json_path.empty()) o.svg_path = kDefaultSvg;
  check_output_paths({{"-o", o.svg_path}, {"--folded", o.folded_path}, {"--json", o.json_path}});
  if (!f.diff_path.empty()) {
    try {
      o.base = profile::read_folded_file(f.diff_path);
    } catch (const RunError& e) {
      throw UsageError(std::string("--diff: ") + e.what());
    } catch (const UsageError& e) {
      throw UsageError(std::string("--diff: ") + e.what());
    }
  }
  o.title = f.title;
  o.quiet = f.quiet;
  return o;
}

profile::FoldedStacks read_render_input(const std::string& path) {
  try {
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      return profile::parse_folded(text, "stdin");
    }
    return profile::read_folded_file(path);
  } catch (const RunError& e) {
    throw UsageError(std::string("--render: ") + e.what());
  }
}

std::string what_was_profiled(const ProfileOptions& o) {
  if (o.pid) return fmt::format("pid {}", *o.pid);
  if (o.render) return *o.render;
  std::string shown;
  for (const auto& word : o.command) shown += (shown.empty() ? "" : " ") + word;
  return shown;
}

nlohmann::json profile_benchmark_json(const ProfileOptions& o, const profile::FoldedStacks& stacks, double seconds,
                                      bool interrupted) {
  nlohmann::json config = {{"frequency_hz", o.frequency_hz}};
  if (o.pid) config["pid"] = *o.pid;
  if (!o.command.empty()) config["command"] = o.command;
  if (o.duration) config["duration_s"] = std::chrono::duration<double>(*o.duration).count();
  nlohmann::json hottest = nlohmann::json::array();
  for (const auto& frame : profile::hottest_frames(stacks, 20)) {
    hottest.push_back({{"frame", frame.frame}, {"samples", frame.samples}, {"share", frame.share}});
  }
  nlohmann::json files = nlohmann::json::object();
  if (!o.folded_path.empty()) files["folded"] = o.folded_path;
  if (!o.svg_path.empty()) files["svg"] = o.svg_path;
  return {{"name", "profile " + what_was_profiled(o)},
          {"kind", "profile"},
          {"valid", !stacks.empty()},
          {"invalid_reason", stacks.empty() ? nlohmann::json("no samples") : nlohmann::json(nullptr)},
          {"config", config},
          {"duration_s", seconds},
          {"interrupted", interrupted},
          {"profile", {{"samples", stacks.total()}, {"stacks", stacks.counts.size()}, {"hottest_self", hottest},
                       {"files", files}}},
          {"metrics", metrics_to_json({{"profile_samples", static_cast<double>(stacks.total()), "count", "higher"}})}};
}

void write_outputs(const ProfileOptions& o, const profile::FoldedStacks& stacks, const std::string& subtitle,
                   std::FILE* out) {
  if (!o.folded_path.empty()) write_output_file(o.folded_path, profile::format_folded(stacks));
  if (!o.svg_path.empty()) {
    profile::FlameGraphOptions graph;
    graph.title = !o.title.empty() ? o.title : o.base ? "Differential CPU flame graph" : "CPU flame graph";
    graph.subtitle = subtitle;
    if (o.base) graph.base = &*o.base;
    write_output_file(o.svg_path, profile::render_flame_graph(stacks, graph));
  }
  if (o.quiet) return;
  for (const auto& [flag, path] : {std::pair{"folded stacks", o.folded_path}, std::pair{"flame graph", o.svg_path}}) {
    if (!path.empty() && !names_stdout(path)) fmt::print(out, "{}: {}\n", flag, terminal_text(path));
  }
}

void print_summary(const profile::FoldedStacks& stacks, double seconds, int frequency_hz, std::FILE* out) {
  fmt::print(out, "{} samples in {:.1f} s at {} Hz\n", stacks.total(), seconds, frequency_hz);
  const auto hottest = profile::hottest_frames(stacks, 5);
  if (!hottest.empty()) fmt::print(out, "on CPU themselves (self):\n");
  for (const auto& frame : hottest) {
    fmt::print(out, "  {:5.1f}%  {}\n", 100 * frame.share, terminal_text(frame.frame));
  }
}

}  // namespace

int profile_verb(const std::vector<std::string>& all_args) {
  // Everything after the first "--" is the command, never options of ours.
  std::vector<std::string> args;
  std::vector<std::string> command;
  bool in_command = false;
  for (const auto& a : all_args) {
    if (in_command) {
      command.push_back(a);
    } else if (a == "--") {
      in_command = true;
    } else {
      args.push_back(a);
    }
  }
  if (in_command && command.empty()) throw UsageError("--: expected a command after it (perfgate profile -- CMD ARGS)");

  CLI::App app{"CPU flame graph of a process: samples its on-CPU stacks with Linux perf (perf record -g),\n"
               "folds them (frame;frame;frame COUNT, readable by FlameGraph, inferno and speedscope) and draws\n"
               "a self-contained interactive SVG flame graph (click to zoom, Search, a tooltip per frame).\n\n"
               "  perfgate profile --pid PID [--duration 30s] [-o cpu.svg] [--folded cpu.folded]\n"
               "  perfgate profile [options] -- CMD ARGS         (runs CMD, without a shell, until it exits)\n"
               "  perfgate profile --render IN.folded -o OUT.svg [--diff BASE.folded]   (no sampling)",
               "perfgate profile"};
  ProfileFlags f;
  app.add_option("--pid", f.pid, "Profile this running process (its threads and the children it starts)")
      ->type_name("PID");
  app.add_option("-d,--duration", f.duration,
                 "How long to sample (default: --pid 10s; a command until it exits); the command is stopped then")
      ->type_name("DUR");
  app.add_option("-F,--frequency", f.frequency, "Samples per second per CPU (default 99)")->type_name("HZ");
  app.add_option("-o,--output", f.svg_path, "Write the SVG flame graph to FILE (default profile.svg)")
      ->type_name("FILE.svg");
  app.add_option("--folded", f.folded_path, "Write the folded stacks to FILE")->type_name("FILE");
  app.add_option("--json", f.json_path, "Write a result document (kind \"profile\") to FILE, or - for stdout")
      ->type_name("FILE");
  app.add_option("--diff", f.diff_path,
                 "Draw a differential flame graph against this folded profile (red: share grew, blue: shrank)")
      ->type_name("BASE.folded");
  app.add_option("--render", f.render_path, "Draw this folded file (or - for stdin) instead of sampling")
      ->type_name("FOLDED");
  app.add_option("--title", f.title, "The flame graph's title")->type_name("TEXT");
  app.add_flag("-q,--quiet", f.quiet, "Print nothing but errors");
  app.footer("Exit codes: 0 ok, 2 bad options (or no such --pid), 3 perf missing or not permitted, or the\n"
             "command could not be run, 130 interrupted (what was sampled is written).\n"
             "Needs Linux perf (Debian: linux-perf). In suites: `profile: true` on a service (docs/suite.md).");
  if (auto code = parse_verb_arguments(app, args)) return *code;
  ProfileOptions o = validate(f, std::move(command));
  std::FILE* out = names_stdout(o.svg_path) || names_stdout(o.folded_path) || names_stdout(o.json_path) ? stderr
                                                                                                           : stdout;
  if (o.render) {
    profile::FoldedStacks stacks = read_render_input(*o.render);
    write_outputs(o, stacks, fmt::format("{} samples", stacks.total()), out);
    if (!o.json_path.empty()) {
      write_file_atomically(o.json_path,
                            result_document(make_run_info(), {profile_benchmark_json(o, stacks, 0, false)}).dump(2) + "\n");
    }
    return exit_code::kOk;
  }

  const std::string perf = profile::find_perf();  // RunError: exit 3 saying what to install or set
  RunInfo run_info = make_run_info();
  install_interrupt_handlers();
  std::optional<profile::TargetProcess> target;
  std::vector<pid_t> pids;
  if (o.pid) {
    pids.push_back(*o.pid);
    if (!o.duration) o.duration = std::chrono::seconds(10);
  } else {
    target.emplace(o.command);
    pids.push_back(target->pid());
  }
  profile::PerfRecorder recorder(perf, pids, o.frequency_hz);
  kill_on_forced_exit(recorder.pid());
  const auto started = std::chrono::steady_clock::now();
  if (target) target->release();
  if (!o.quiet) {
    fmt::print(out, "profiling {} at {} Hz{}\n", terminal_text(what_was_profiled(o)), o.frequency_hz,
               o.duration ? " for " + format_duration(*o.duration) : std::string(" until it exits (Ctrl-C ends)"));
    std::fflush(out);
  }
  const auto elapsed = [&] { return std::chrono::steady_clock::now() - started; };
  while (!interrupted() && recorder.running()) {
    if (target && target->exited()) break;
    if (o.duration && elapsed() >= *o.duration) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = std::chrono::duration<double>(elapsed()).count();
  profile::FoldedStacks stacks = recorder.stop();
  forget_on_forced_exit(recorder.pid());
  if (target) target->stop();
  const bool was_interrupted = interrupted();

  const std::string subtitle = fmt::format("{}: {} samples in {:.1f} s at {} Hz", what_was_profiled(o),
                                           stacks.total(), seconds, o.frequency_hz);
  write_outputs(o, stacks, subtitle, out);
  if (!o.json_path.empty()) {
    write_file_atomically(
        o.json_path, result_document(run_info, {profile_benchmark_json(o, stacks, seconds, was_interrupted)}).dump(2) + "\n");
  }
  if (!o.quiet) print_summary(stacks, seconds, o.frequency_hz, out);
  if (target && target->exit_code() != 0 && !was_interrupted && !o.quiet) {
    fmt::print(stderr, "perfgate profile: note: the command exited with {}\n", target->exit_code());
  }
  if (was_interrupted) return exit_code::kInterrupted;
  return exit_code::kOk;
}

}  // namespace perfgate::cli
