// `perfgate compare A B --html FILE`: the comparison as one self-contained page (no scripts, no
// downloads): the verdict and what changed first, the rows with the unchanged ones folded away,
// then each benchmark of the current run with its charts, the baseline's spectrum over its own.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"
#include "report/trends.hpp"

namespace perfgate::report {

struct ComparedRuns {
  std::string baseline_label, current_label;
  const nlohmann::json* baseline_document = nullptr;  // perfgate.result/v1
  const nlohmann::json* current_document = nullptr;
  std::vector<TrendSeries> history;  // the current run's suite across runs, when a store has it
  // (benchmark, service) -> the differential flame graph compare wrote (BENCH.SERVICE.diff.svg)
  std::map<std::pair<std::string, std::string>, std::string> diff_flame_graphs;
};

std::string compare_html(const compare::ComparisonReport& report, const ComparedRuns& runs);

}  // namespace perfgate::report
