// Which stored run a suite run is compared with, and the run-to-run variation of the runs before
// it: the default baseline of `perfgate run` (the newest complete run of the suite on the
// baseline branch) and its history for the gate. `--baseline RUN|REF|FILE` is resolved by the
// caller and handed in as a BaselineRun.
//
//   BaselineChoice choice = choose_default_baseline(store, store_url, suite, "", info.git);
//   if (choice.run && choice.run->stored) gate.history = baseline_history(store, suite.name, choice.run->document);
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
  nlohmann::json document;  // perfgate.result/v1
  std::string label;        // for tables: "run 2026… (main 1a2b3c4d5e)", "results/a.json"
  bool stored = false;      // from the store, so its history is there too
};

struct BaselineChoice {
  std::optional<BaselineRun> run;
  std::string none_reason;  // why there is no comparison: "no complete run of 'x' in '…' yet"
};

// The newest complete run of the suite on the baseline branch (`branch_flag`, else the suite's
// regression.baseline_branch; main falls back to master), or the newest complete run at all
// outside git.
BaselineChoice choose_default_baseline(Store& store, const std::string& store_url, const suite::Suite& suite,
                                       const std::string& branch_flag, const std::optional<GitState>& git);

// The metric values of the baseline and of the complete runs of the suite before it (on its
// branch), the newest 20: history[benchmark][metric], the variation a regression must stand out from.
std::map<std::string, std::map<std::string, std::vector<double>>> baseline_history(Store& store,
                                                                                   const std::string& suite_name,
                                                                                   const nlohmann::json& baseline);

}  // namespace perfgate::run
