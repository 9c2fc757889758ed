// The report over an operation log that `perfgate report` prints: per-operation statistics
// for a period, reliability, the slowest operations, degradation flags against the previous
// period of the same length, and optionally one row per day and operation. Built record by
// record (ReportBuilder), so tens of millions of records need only their durations in memory.
//
//   ReportOptions options;
//   options.period = last_days(now_ns, 7);                  // weekly
//   Report report = build_report({"perf-metrics.jsonl"}, options);
//   for (const auto& op : report.operations) use(op.summary.p95_ms, op.flags);
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oplog/operation_log_reader.hpp"
#include "oplog/operation_stats.hpp"

namespace perfgate::oplog {

// [from_ns, to_ns): a record at exactly `to` belongs to the next period.
struct Period {
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  bool contains(std::int64_t ns) const { return ns >= from_ns && ns < to_ns; }
};

// The `days` days before `now_ns`: [now - days·24h, now).
Period last_days(std::int64_t now_ns, int days);

// Each a threshold of DESIGN.md's scenario 3; an operation may raise several.
enum class Flag {
  kP95OverTwiceAvg,       // p95 > 2 × avg: a slow tail
  kAvgUpOver20Percent,    // avg > 1.2 × the previous period's avg (needs records there)
  kErrorRateOver1Percent  // failed / total > 1%
};
// "p95_over_2x_avg", "avg_up_over_20pct", "error_rate_over_1pct" (the names in exports).
std::string_view flag_name(Flag flag);

struct OperationReport {
  OperationSummary summary;
  std::optional<double> previous_avg_ms;  // when the previous period was compared and had records of it
  std::vector<Flag> flags;
};

struct Reliability {
  std::uint64_t total = 0;
  std::uint64_t successful = 0;
  std::uint64_t failed = 0;
  double error_rate = 0;  // failed / total; 0 without records
};

struct SlowOperation {
  std::string timestamp;  // as written in the log
  std::string operation;
  double duration_ms = 0;
  std::optional<std::string> session_id;
  std::string file;  // where to find it
  std::uint64_t line = 0;
};

struct DayReport {
  Period day;
  std::vector<OperationSummary> operations;  // sorted by name; only those with records that day
};

struct ReportOptions {
  std::optional<Period> period;       // nullopt: every record
  bool compare_with_previous = true;  // with the period of the same length just before `period`
  bool split_into_days = false;       // fill Report::days (needs a period)
  std::size_t slowest = 10;
};

struct Report {
  // The requested period, or (for every record) from the first to the last record's time,
  // both included; nullopt without records.
  std::optional<Period> period;
  bool period_requested = false;
  std::optional<Period> previous;           // the period compared with, when there was one
  std::vector<OperationReport> operations;  // sorted by name
  Reliability reliability;
  std::vector<SlowOperation> slowest;  // slowest first; ties in input order
  std::vector<DayReport> days;         // oldest first, every day of the period, empty ones too
  std::vector<std::string> inputs;
  ReadStats input;  // lines, records, malformed lines, warnings of every input together
};

class ReportBuilder {
 public:
  explicit ReportBuilder(ReportOptions options);

  // Names the input the following records come from (for the slowest operations' places).
  void begin_input(std::string name);
  // Takes one record into whichever period it falls in (none: it is ignored).
  void add(const OperationRecord& record);
  // Takes the records another builder (one that began no input) saw, as if they had been
  // added here after the records so far: the next part of the current input, read on another
  // thread. Its lines are numbered from the start of its part, `line_offset` lines into the
  // input. The report comes out the same, to the last bit, as when one builder had every record.
  void append(ReportBuilder&& part, std::uint64_t line_offset);
  // The report; `input` is what the reader counted (ReadStats::merge over the inputs).
  Report finish(ReadStats input);

 private:
  struct Slow;
  void consider_slowest(const OperationRecord& record, std::uint32_t operation);
  void offer_slowest(Slow slow);

  struct Slow {
    double duration_ms;
    std::uint64_t sequence;
    SlowOperation row;
  };
  ReportOptions options_;
  std::optional<Period> previous_;
  OperationNames names_;
  DurationTable current_;
  DurationTable before_;  // keeps the durations too, so that a later part's sums go on in order
  std::vector<DurationTable> days_;
  Reliability reliability_;
  std::vector<Slow> slowest_heap_;  // a min-heap: the least slow of the kept ones on top
  std::vector<std::string> inputs_;
  std::uint64_t sequence_ = 0;
  std::int64_t first_ns_ = 0;
  std::int64_t last_ns_ = 0;
};

struct ReadThreads {
  // 1 reads the inputs one after the other on the calling thread. More split each plain file
  // into parts that start at a line (PlainFile), cut each stream (stdin, gzip, zstd) into
  // blocks of whole lines on one more thread as it is read (and decompressed), read the parts
  // and blocks on that many threads, and put them together in input order: the same report,
  // byte for byte, as with 1.
  std::size_t threads = 1;
  std::size_t min_part_bytes = 256u << 10;    // no smaller parts (tests make them tiny)
  std::size_t parts_per_thread = 4;           // more parts than threads, so a busy core delays less
  std::size_t stream_block_bytes = 8u << 20;  // a stream's blocks, unless a line is longer
};

// The threads to read with by default: one per CPU this process may run on.
std::size_t available_cores();

// Opens every input first (an input that cannot be opened throws UsageError naming it before
// anything is read), then reads them into one report, as if in order.
Report build_report(const std::vector<std::string>& inputs, const ReportOptions& options,
                    const ReaderOptions& reader_options = {}, const ReadThreads& threads = {});

}  // namespace perfgate::oplog
