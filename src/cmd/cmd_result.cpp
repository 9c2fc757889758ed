// The `cmd` benchmark objects of the result document; see cmd_result.hpp.
#include "cmd/cmd_result.hpp"

namespace perfgate::cmd {

std::vector<Metric> cmd_metrics(const CommandResult& r) {
  return {
      {"wall_mean", r.wall.mean, "s", "lower"},     {"wall_median", r.wall.median, "s", "lower"},
      {"wall_stddev", r.wall.stddev, "s", "lower"}, {"wall_min", r.wall.min, "s", "lower"},
      {"wall_max", r.wall.max, "s", "lower"},       {"user_mean", r.user_mean_s, "s", "lower"},
      {"sys_mean", r.system_mean_s, "s", "lower"},  {"rss_max", static_cast<double>(r.max_rss_bytes), "bytes", "lower"},
  };
}

nlohmann::json cmd_benchmark_json(const CommandResult& r, const RunnerOptions& options, double shell_spawn_s) {
  nlohmann::json b;
  b["name"] = r.command.name;
  b["kind"] = "cmd";
  b["valid"] = !r.wall_s.empty();
  b["invalid_reason"] = r.wall_s.empty() ? nlohmann::json("no run completed") : nlohmann::json(nullptr);
  b["interrupted"] = r.interrupted;
  nlohmann::json config;
  config["command"] = r.command.shown.empty() ? r.command.text : r.command.shown;
  config["parameters"] = r.command.parameters;
  config["shell"] = options.shell ? nlohmann::json(*options.shell) : nlohmann::json(nullptr);
  config["warmup"] = options.warmup_runs;
  config["runs"] = options.exact_runs ? nlohmann::json(*options.exact_runs) : nlohmann::json(nullptr);
  config["min_runs"] = options.min_runs;
  config["max_runs"] = options.max_runs ? nlohmann::json(*options.max_runs) : nlohmann::json(nullptr);
  config["setup"] = options.setup ? nlohmann::json(*options.setup) : nlohmann::json(nullptr);
  config["prepare"] = options.prepare ? nlohmann::json(*options.prepare) : nlohmann::json(nullptr);
  config["conclude"] = options.conclude ? nlohmann::json(*options.conclude) : nlohmann::json(nullptr);
  config["cleanup"] = options.cleanup ? nlohmann::json(*options.cleanup) : nlohmann::json(nullptr);
  config["ignore_failure"] = options.ignore_failure;
  b["config"] = config;
  double total = 0;
  for (double w : r.wall_s) total += w;
  b["duration_s"] = total;
  b["runs"] = r.wall_s.size();
  b["shell_spawn_s"] = shell_spawn_s;
  // What was subtracted from each series: 0 where the shell's start-up exceeded a run.
  b["shell_correction_s"] = {
      {"wall", r.wall_correction_s}, {"user", r.user_correction_s}, {"sys", r.system_correction_s}};
  b["wall_s"] = {{"mean", r.wall.mean}, {"stddev", r.wall.stddev}, {"median", r.wall.median},
                 {"min", r.wall.min},   {"max", r.wall.max}};
  b["user_mean_s"] = r.user_mean_s;
  b["sys_mean_s"] = r.system_mean_s;
  b["rss_max_bytes"] = r.max_rss_bytes;
  b["rss_is_own"] = r.rss_is_own;
  b["samples"] = {{"wall_s", r.wall_s}, {"user_s", r.user_s}, {"sys_s", r.system_s}, {"exit_codes", r.exit_codes}};
  b["warnings"] = r.warnings;
  b["metrics"] = metrics_to_json(cmd_metrics(r));
  return b;
}

nlohmann::json comparisons_json(const std::vector<CommandResult>& results, const std::vector<Comparison>& comparisons) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : comparisons) {
    list.push_back({{"faster", results[c.fastest].command.name},
                    {"slower", results[c.other].command.name},
                    {"ratio", c.ratio.value},
                    {"ratio_stddev", c.ratio.stddev},
                    {"test", "mann-whitney-u"},
                    {"p_value", c.mann_whitney.p_value},
                    {"significant", c.mann_whitney.significant()}});
  }
  return list;
}

}  // namespace perfgate::cmd
