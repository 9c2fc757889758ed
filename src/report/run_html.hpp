// `perfgate run --html FILE`: the run as one self-contained page (no scripts, no downloads) to
// keep as a CI artifact: the verdict, where and on what it ran, the threshold checks, the
// comparison with the baseline, and each benchmark's metrics with a chart of its latency over
// time.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/run_markdown.hpp"

namespace perfgate::report {

// `document` is the run's perfgate.result/v1 document (its `run` and `benchmarks`).
std::string run_html(const RunSummary& summary, const nlohmann::json& document);

}  // namespace perfgate::report
