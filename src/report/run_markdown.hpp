// `perfgate run --markdown FILE`: the run's verdict, its threshold checks and the comparison
// with the baseline, in Markdown that fits a pull-request comment.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"
#include "report/trends.hpp"

namespace perfgate::report {

struct RunSummary {
  std::string suite;
  std::string run_label;               // "run 20261125-…"
  std::string baseline_label;          // empty when there was no baseline
  std::string no_baseline_reason;      // "first run of 'quickstart' on main", "--baseline none"
  nlohmann::json checks = nlohmann::json::array();  // the result document's `checks`
  const compare::ComparisonReport* comparison = nullptr;  // null without a baseline
  // The result document's `benchmarks`: the monitored services' figures come from them.
  nlohmann::json benchmarks = nlohmann::json::array();
  // For the HTML page: the baseline's document (its spectra drawn under this run's), the stored
  // run each benchmark was compared with, and the suite's series across runs from the store.
  const nlohmann::json* baseline_document = nullptr;
  std::map<std::string, std::string> baseline_run_ids;
  std::vector<TrendSeries> history;
};

// "PASS" / "FAIL: 1 check failed, 2 regressions" — the one line every rendering starts with.
std::string run_verdict_line(const RunSummary& summary);

std::string run_markdown(const RunSummary& summary);

}  // namespace perfgate::report
