// Turns command benchmark results into the result document's benchmark objects
// (`kind: "cmd"`, every run's times kept for later significance tests) and metrics.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "cmd/benchmark_runner.hpp"
#include "core/result_document.hpp"

namespace perfgate::cmd {

// wall_mean, wall_median, wall_stddev, wall_min, wall_max, user_mean, sys_mean (s), rss_max (bytes).
std::vector<Metric> cmd_metrics(const CommandResult& result);

nlohmann::json cmd_benchmark_json(const CommandResult& result, const RunnerOptions& options,
                                  double shell_spawn_s);

// The comparisons of several commands, for the document's top level.
nlohmann::json comparisons_json(const std::vector<CommandResult>& results, const std::vector<Comparison>& comparisons);

}  // namespace perfgate::cmd
