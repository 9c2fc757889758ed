// The per-benchmark baseline of a suite run and its history; see baseline_selector.hpp.
#include "run/baseline_selector.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "compare/change_points.hpp"
#include "core/result_document.hpp"
#include "core/suggestion.hpp"

namespace perfgate::run {
namespace {

// How far back the store is searched: enough for weeks of CI runs of a suite.
constexpr std::size_t kRunsSearched = 200;
constexpr std::size_t kHistoryRuns = 20;
// Runs read to find where a metric last shifted for good (the band starts after it).
constexpr std::size_t kChangeSearchRuns = 60;

std::string run_label(const StoredRun& stored) {
  std::string where =
      stored.record.git ? fmt::format(", {} {}", stored.record.git->branch, stored.record.git->commit.substr(0, 10)) : "";
  return fmt::format("run {} ({}{})", stored.record.id, stored.record.started_at, where);
}

std::string benchmark_name(const nlohmann::json& benchmark) {
  return benchmark.is_object() ? benchmark.value("name", "") : "";
}

}  // namespace

BaselineChoice choose_default_baseline(Store& store, const std::string& store_url, const suite::Suite& suite,
                                       const std::string& branch_flag, const std::optional<GitState>& git,
                                       const std::vector<std::string>& benchmark_names) {
  BaselineChoice choice;
  std::vector<StoredRun> complete;
  for (auto& stored : store.list_runs(suite.name, kRunsSearched)) {
    if (stored.status == RunStatus::kComplete) complete.push_back(std::move(stored));
  }
  std::vector<std::string> branches;
  if (git) {
    branches.push_back(branch_flag.empty() ? suite.regression.baseline_branch : branch_flag);
    if (branch_flag.empty() && branches[0] == "main") branches.push_back("master");
    // The first branch with any complete run of the suite is the baseline branch.
    for (const auto& branch : branches) {
      auto on_branch = [&](const StoredRun& r) { return r.record.git && r.record.git->branch == branch; };
      if (std::any_of(complete.begin(), complete.end(), on_branch)) {
        std::erase_if(complete, [&](const StoredRun& r) { return !on_branch(r); });
        break;
      }
      if (&branch == &branches.back()) complete.clear();
    }
  }
  std::set<std::string> wanted(benchmark_names.begin(), benchmark_names.end());
  BaselineRun baseline;
  baseline.stored = true;
  std::vector<nlohmann::json> benchmarks;
  std::vector<std::string> labels;
  for (const auto& stored : complete) {
    if (wanted.empty()) break;
    auto doc = store.get_run(stored.record.id);
    if (!doc) continue;
    bool used = false;
    for (const auto& benchmark : (*doc)["benchmarks"]) {
      std::string name = benchmark_name(benchmark);
      if (wanted.erase(name) == 0) continue;
      benchmarks.push_back(benchmark);
      baseline.source_runs[name] = (*doc)["run"];
      used = true;
    }
    if (!used) continue;
    if (labels.empty()) baseline.document = *doc;
    labels.push_back(run_label(stored));
  }
  if (labels.empty()) {
    std::string where = branches.empty() ? "" : fmt::format(" on branch {}", join_names(branches));
    choice.none_reason = complete.empty()
                             ? fmt::format("no complete run of '{}'{} in '{}' yet", suite.name, where, store_url)
                             : fmt::format("no complete run of '{}'{} in '{}' has any of these benchmarks yet",
                                           suite.name, where, store_url);
    return choice;
  }
  baseline.document["benchmarks"] = benchmarks;
  baseline.label = labels.size() == 1 ? labels[0]
                                      : fmt::format("{} runs, per benchmark the newest that has it: {}", labels.size(),
                                                    join_names(labels));
  choice.run = std::move(baseline);
  return choice;
}

std::vector<double> since_last_change_point(std::vector<double> newest_first) {
  std::vector<double> in_order(newest_first.rbegin(), newest_first.rend());
  std::vector<compare::ChangePoint> points = compare::find_change_points(in_order);
  std::size_t from = points.empty() ? 0 : points.back().index;
  std::size_t kept = std::min(in_order.size() - from, kHistoryRuns);
  newest_first.resize(kept);
  return newest_first;
}

std::map<std::string, std::map<std::string, std::vector<double>>> baseline_history(Store& store,
                                                                                   const std::string& suite_name,
                                                                                   const BaselineRun& baseline) {
  // Each benchmark's own baseline run bounds its history: that run and those before it on its branch.
  struct Source {
    std::string id;
    std::string started_at;
    std::optional<std::string> branch;
    std::size_t taken = 0;
  };
  std::map<std::string, Source> sources;
  for (const auto& benchmark : baseline.document["benchmarks"]) {
    std::string name = benchmark_name(benchmark);
    auto listed = baseline.source_runs.find(name);
    const nlohmann::json& run = listed != baseline.source_runs.end() ? listed->second : baseline.document["run"];
    Source source{run.value("id", ""), run.value("started_at", ""), std::nullopt, 0};
    if (run.contains("git") && run["git"].is_object()) source.branch = run["git"].value("branch", "");
    sources.emplace(name, source);
  }
  std::map<std::string, std::map<std::string, std::vector<double>>> history;
  for (const auto& stored : store.list_runs(suite_name, kRunsSearched)) {
    if (stored.status != RunStatus::kComplete) continue;
    std::optional<nlohmann::json> doc;
    for (auto& [name, source] : sources) {
      if (source.taken == kChangeSearchRuns) continue;
      if (stored.record.id != source.id) {
        if (stored.record.started_at > source.started_at) continue;  // newer than its baseline
        if (source.branch && (!stored.record.git || stored.record.git->branch != *source.branch)) continue;
      }
      if (!doc) doc = store.get_run(stored.record.id);
      if (!doc) break;
      for (const auto& benchmark : (*doc)["benchmarks"]) {
        if (benchmark_name(benchmark) != name) continue;
        ++source.taken;
        for (const auto& metric : benchmark.value("metrics", nlohmann::json::array())) {
          if (metric.contains("value") && metric["value"].is_number()) {
            history[name][metric.value("name", "")].push_back(metric["value"].get<double>());
          }
        }
      }
    }
  }
  for (auto& [name, metrics] : history) {
    for (auto& [metric, newest_first] : metrics) newest_first = since_last_change_point(std::move(newest_first));
  }
  return history;
}

}  // namespace perfgate::run
