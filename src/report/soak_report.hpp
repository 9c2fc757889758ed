// What a soak run says to a person: a line per checkpoint while it runs, then the whole-soak
// summary, the checkpoint table and the leak and drift verdicts. The same text comes back from
// the store with `perfgate report --run ID`, so a soak killed at hour 20 still has its story.
// Reads only JSON: checkpoint lines as written to checkpoints.jsonl and the result document's
// `soak` object (run/soak_run.hpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perfgate::report {

// "1:02:03" (or "2:03" under an hour).
std::string soak_clock(double seconds);

// One line for checkpoint `number`, from its benchmarks' lines:
// "checkpoint 3  0:30/2:00  health 1,002 req/s p95 1.21ms 0 errors | api RSS 45.2 MiB CPU 12%"
std::string checkpoint_progress_line(std::size_t number, double t_s, double total_s,
                                     const std::vector<nlohmann::json>& lines);

// The checkpoint table: t, benchmark, requests, req/s, errors, p50, p95, p99, max, and RSS and
// CPU of each service.
std::string checkpoint_table(const std::vector<nlohmann::json>& lines);

// The whole-soak figures of each benchmark, how the soak ended, the checkpoint table, the leak
// verdict per monitored service and the drift verdict per benchmark; `document` is the result
// document with `soak`.
std::string soak_summary(const nlohmann::json& document, const std::vector<nlohmann::json>& checkpoints);

// "PASS" or "FAIL: leak in api (rss +7.2 GiB/h), drift of health (p95 +35%)"; the warn settings
// turn failures into "PASS (warnings: …)".
std::string soak_verdict_line(const nlohmann::json& soak);

}  // namespace perfgate::report
