// A suite benchmark's thresholds checked against what it measured: the entries of the result
// document's `checks` list, each with the observed value, for the terminal, JUnit and the store.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "suite/suite.hpp"

namespace perfgate::run {

// One entry per threshold, in the order written:
//   {"benchmark": "health", "expr": "p95 < 50ms", "metric": "latency_p95", "observed": 62.5,
//    "observed_text": "62.5ms", "passed": false, "position": "suite.yaml:12:17"}
// A metric the benchmark did not measure fails its check with observed null and
// observed_text "not measured" — a gate never passes on a missing number.
//
// `benchmarks` are what the suite benchmark produced: one for http and cmd; for `ingest:` one per
// harness benchmark, and there a threshold `NAME.METRIC` checks the harness benchmark NAME
// (its "ingested_name"), while a plain `METRIC` checks every one that has it. A duration
// threshold (ms) is compared with an ingested time in ns, us, ms or s after conversion.
// A service threshold (`api.rss < 500MB`, the benchmark's own or the suite's `resources:`) is
// one check named for the suite benchmark: the service's figures cover its whole window (under
// a load that was not what was asked, an invalid benchmark, it fails like the others).
nlohmann::json check_thresholds(const suite::BenchmarkSpec& spec, const std::vector<nlohmann::json>& benchmarks);

// The number of entries of a `checks` list whose "passed" is false.
std::size_t failed_check_count(const nlohmann::json& checks);

}  // namespace perfgate::run
