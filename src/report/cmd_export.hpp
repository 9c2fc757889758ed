// Exports of command benchmark results in hyperfine's layouts, so tables and scripts
// written for hyperfine keep working: Markdown (a pull-request table) and CSV.
#pragma once

#include <string>
#include <vector>

#include "cmd/benchmark_runner.hpp"

namespace perfgate::report {

// | Command | Mean [ms] | Min [ms] | Max [ms] | Relative |, the unit chosen from the first command.
std::string cmd_markdown(const std::vector<cmd::CommandResult>& results);
// command,mean,stddev,median,user,system,min,max[,parameter_NAME...] in seconds.
std::string cmd_csv(const std::vector<cmd::CommandResult>& results);

}  // namespace perfgate::report
