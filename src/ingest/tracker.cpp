// The tracker's operation log (JSON Lines, one operation per line: timestamp, operation_type,
// duration_ms, success), read by the oplog reader with its strict rules: a malformed line is
// skipped and counted (config.skipped_lines), never fatal. One benchmark per operation type,
// over all of its records, failed ones included: count, duration_mean/median/min/p50/p95/p99/max
// (ms, lower; percentiles by nearest rank) and error_rate (the failed fraction, lower); the
// durations are the samples.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "core/statistics.hpp"
#include "ingest/formats.hpp"
#include "oplog/byte_source.hpp"
#include "oplog/operation_log_reader.hpp"
#include "oplog/timestamp.hpp"

namespace perfgate::ingest {
namespace {

struct Operation {
  std::vector<double> durations_ms;
  std::size_t successes = 0;
  std::int64_t first_ns = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ns = std::numeric_limits<std::int64_t>::min();
};

}  // namespace

std::vector<IngestedBenchmark> parse_tracker(const std::string& text, const InputReader& in) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    in.fail("the input is empty (expected JSON lines with timestamp, operation_type, duration_ms and success)");
  }
  oplog::OperationLogReader reader(in.source(), oplog::memory_byte_source(text));
  std::map<std::string, Operation> operations;
  oplog::OperationRecord record;
  while (reader.next(record)) {
    Operation& op = operations[std::string(record.operation)];
    op.durations_ms.push_back(record.duration_ms);
    if (record.success) ++op.successes;
    op.first_ns = std::min(op.first_ns, record.timestamp_ns);
    op.last_ns = std::max(op.last_ns, record.timestamp_ns);
  }
  const oplog::ReadStats& stats = reader.stats();
  if (operations.empty()) {
    std::string first;
    if (!stats.first_malformed.empty()) {
      const auto& m = stats.first_malformed.front();
      first = fmt::format("; line {}: {}", m.line, m.reason);
    }
    in.fail(fmt::format("no valid operation records ({} line{}, all malformed{})", stats.lines,
                        stats.lines == 1 ? "" : "s", first));
  }
  nlohmann::json malformed = nlohmann::json::array();
  for (const auto& m : stats.first_malformed) malformed.push_back({{"line", m.line}, {"reason", m.reason}});

  std::vector<IngestedBenchmark> out;
  for (auto& [name, op] : operations) {
    IngestedBenchmark b;
    b.name = name;
    std::size_t n = op.durations_ms.size();
    b.config = {{"operation_type", name},
                {"records", n},
                {"successes", op.successes},
                {"first_timestamp", oplog::format_timestamp_ms(op.first_ns)},
                {"last_timestamp", oplog::format_timestamp_ms(op.last_ns)},
                {"lines", stats.lines},
                {"skipped_lines", stats.malformed},
                {"first_skipped", malformed}};
    if (!stats.warnings.empty()) b.config["warnings"] = stats.warnings;
    stats::Summary s = stats::summarize(op.durations_ms);
    b.add_metric("count", static_cast<double>(n), "count", "higher");
    b.add_metric("duration_mean", s.mean, "ms", "lower");
    b.add_metric("duration_median", s.median, "ms", "lower");
    b.add_metric("duration_min", s.min, "ms", "lower");
    for (double p : {50.0, 95.0, 99.0}) {
      b.add_metric(fmt::format("duration_p{}", p), stats::percentile_nearest_rank(op.durations_ms, p), "ms", "lower");
    }
    b.add_metric("duration_max", s.max, "ms", "lower");
    b.add_metric("error_rate", static_cast<double>(n - op.successes) / static_cast<double>(n), "ratio", "lower");
    b.set_values(std::move(op.durations_ms), "ms",
                 {"duration_mean", "duration_median", "duration_p50", "duration_min"});
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace perfgate::ingest
