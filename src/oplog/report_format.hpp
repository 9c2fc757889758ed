// The operation-log report written out: aligned tables for a terminal, and the exports
// (JSON, CSV, Markdown) of `perfgate report … export`. docs/report.md describes the JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "oplog/operation_report.hpp"

namespace perfgate::oplog {

// {"schema","period","previous_period","operations":[…],"reliability","slowest","skipped_lines","input","warnings"},
// in that order.
nlohmann::ordered_json report_json(const Report& report);
// One row per operation: operation,count,successes,error_rate,avg_ms,p95_ms,p99_ms,min_ms,max_ms,
// previous_avg_ms,flags (flags joined with ';').
std::string report_csv(const Report& report);
// The whole report as Markdown: operations, reliability, slowest, flags, skipped lines.
std::string report_markdown(const Report& report, std::string_view title);
// The same for a terminal, in aligned columns. With days, the per-day table follows.
std::string report_text(const Report& report, std::string_view title);

// What one flag means for one operation: "p95 120.00 ms > 2 × avg 45.00 ms".
std::string flag_explanation(const OperationReport& operation, Flag flag);

}  // namespace perfgate::oplog
