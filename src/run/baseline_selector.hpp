// Which stored runs a suite run is compared with, and the run-to-run variation of the runs before
// them. The baseline is chosen per benchmark: for each benchmark the run measured, the newest
// complete run of the suite on the baseline branch that has it. So a run of some benchmarks only
// (`--only`) is a baseline for those and never for the ones it did not run. `--baseline
// RUN|REF|FILE` is resolved by the caller and handed in as a BaselineRun instead.
//
//   BaselineChoice choice = choose_default_baseline(store, store_url, suite, "", info.git, {"health", "login"});
//   if (choice.run) gate.history = baseline_history(store, suite.name, *choice.run);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/environment.hpp"
#include "store/store.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

struct BaselineRun {
  nlohmann::json document;  // perfgate.result/v1; with per-benchmark choice, the chosen benchmarks of several runs
  std::string label;        // for tables: "run 2026… (…, main 1a2b3c4d5e)", "results/a.json"
  bool stored = false;      // from the store, so its history is there too
  // benchmark name -> the `run` object of the stored run it was taken from; a benchmark not
  // listed comes from document["run"].
  std::map<std::string, nlohmann::json> source_runs;
};

struct BaselineChoice {
  std::optional<BaselineRun> run;
  std::string none_reason;  // why there is no comparison: "no complete run of 'x' in '…' yet"
};

// For each of `benchmark_names`, the newest complete run of the suite that has it, on the
// baseline branch (`branch_flag`, else the suite's regression.baseline_branch; main falls back to
// master when main has no complete run), or on any branch outside git. Benchmarks no such run
// has are left out (they show as "only in the current run").
BaselineChoice choose_default_baseline(Store& store, const std::string& store_url, const suite::Suite& suite,
                                       const std::string& branch_flag, const std::optional<GitState>& git,
                                       const std::vector<std::string>& benchmark_names);

// For each benchmark of the baseline, its metric values in the run it was taken from and in the
// complete runs of the suite before that run (on its branch) that have it — the newest 20 since
// the metric's last change point: history[benchmark][metric], the variation a regression must
// stand out from. A series that shifted for good is judged by its new level only, so the old
// one neither widens the band nor alarms forever.
std::map<std::string, std::map<std::string, std::vector<double>>> baseline_history(Store& store,
                                                                                   const std::string& suite_name,
                                                                                   const BaselineRun& baseline);

// A metric's values, newest first, cut at the last change point of the series (E-divisive
// means over up to 60 runs, compare/change_points.hpp) and to the newest 20.
std::vector<double> since_last_change_point(std::vector<double> newest_first);

}  // namespace perfgate::run
