// bencher's metric format (BMF): {"BENCHMARK": {"latency": {"value", "lower_value",
// "upper_value"}, "throughput": {…}}}, latency in nanoseconds and throughput in operations per
// second (bencher's built-in measures), so a run drops into `bencher run --adapter json`.
//
//   write_output_file(path, report::bmf_document(result_document).dump(2) + "\n");
#pragma once

#include <nlohmann/json.hpp>

namespace perfgate::report {

// From a perfgate.result/v1 document, by the benchmarks' metrics:
//   latency — load kinds (http, exec, sse, ingested load tools): value the median, lower the
//             fastest, upper the 99th percentile; cmd: the mean wall time, lower the fastest,
//             upper the slowest run; other ingested benchmarks: their first `…_mean` in a time unit.
//   throughput — the `throughput` metric (requests/s), lower and upper the slowest and fastest
//             whole second of the run's timeline when it has one.
// Invalid benchmarks and benchmarks with neither measure are left out.
nlohmann::json bmf_document(const nlohmann::json& result_document);

}  // namespace perfgate::report
