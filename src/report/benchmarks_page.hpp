// `perfgate docs`: the page a team commits (docs/benchmarks.md) — methodology, the test
// environment, the baseline's results, the targets and how to run it — from a suite and its
// stored baseline run. Deterministic: the same suite and store give the same bytes (no clock).
//
//   std::string page = report::benchmarks_page({suite, "perf/suite.yaml", baseline_document});
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "suite/suite.hpp"

namespace perfgate::report {

struct BenchmarksPageInput {
  const suite::Suite& suite;
  std::string suite_path;                  // as the user gave it, for the commands shown
  std::optional<nlohmann::json> baseline;  // the stored run (perfgate.result/v1); none yet: said so
};

std::string benchmarks_page(const BenchmarksPageInput& input);

}  // namespace perfgate::report
