// The default baseline of a suite run and its history; see baseline_selector.hpp.
#include "run/baseline_selector.hpp"

#include <fmt/format.h>

#include "core/suggestion.hpp"

namespace perfgate::run {

BaselineChoice choose_default_baseline(Store& store, const std::string& store_url, const suite::Suite& suite,
                                       const std::string& branch_flag, const std::optional<GitState>& git) {
  BaselineChoice choice;
  std::optional<StoredRun> stored;
  if (git) {
    std::vector<std::string> branches{branch_flag.empty() ? suite.regression.baseline_branch : branch_flag};
    if (branch_flag.empty() && branches[0] == "main") branches.push_back("master");
    for (const auto& branch : branches) {
      stored = store.latest_complete_run(suite.name, branch);
      if (stored) break;
    }
    if (!stored) {
      choice.none_reason = fmt::format("no complete run of '{}' on branch {} in '{}' yet", suite.name,
                                       join_names(branches), store_url);
    }
  } else {
    stored = store.latest_complete_run(suite.name, std::nullopt);
    if (!stored) choice.none_reason = fmt::format("no complete run of '{}' in '{}' yet", suite.name, store_url);
  }
  if (stored) {
    if (auto doc = store.get_run(stored->record.id)) {
      std::string where = stored->record.git ? fmt::format(", {} {}", stored->record.git->branch,
                                                           stored->record.git->commit.substr(0, 10))
                                             : "";
      choice.run = BaselineRun{*doc, fmt::format("run {} ({}{})", stored->record.id, stored->record.started_at, where),
                               true};
    }
  }
  return choice;
}

namespace {
constexpr std::size_t kHistoryRuns = 20;
}  // namespace

std::map<std::string, std::map<std::string, std::vector<double>>> baseline_history(Store& store,
                                                                                   const std::string& suite_name,
                                                                                   const nlohmann::json& baseline) {
  std::map<std::string, std::map<std::string, std::vector<double>>> history;
  const nlohmann::json& run = baseline["run"];
  std::string baseline_id = run.value("id", "");
  std::string baseline_started = run.value("started_at", "");
  std::optional<std::string> branch;
  if (run.contains("git") && run["git"].is_object()) branch = run["git"].value("branch", "");
  std::size_t taken = 0;
  for (const auto& stored : store.list_runs(suite_name, kHistoryRuns * 5)) {
    if (taken == kHistoryRuns) break;
    if (stored.status != RunStatus::kComplete) continue;
    if (stored.record.id != baseline_id) {
      if (stored.record.started_at > baseline_started) continue;  // newer than the baseline
      if (branch && (!stored.record.git || stored.record.git->branch != *branch)) continue;
    }
    auto doc = store.get_run(stored.record.id);
    if (!doc) continue;
    ++taken;
    for (const auto& benchmark : (*doc)["benchmarks"]) {
      std::string name = benchmark.value("name", "");
      for (const auto& metric : benchmark.value("metrics", nlohmann::json::array())) {
        if (metric.contains("value") && metric["value"].is_number()) {
          history[name][metric.value("name", "")].push_back(metric["value"].get<double>());
        }
      }
    }
  }
  return history;
}

}  // namespace perfgate::run
