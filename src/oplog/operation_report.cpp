// The operation-log report; see operation_report.hpp.
#include "oplog/operation_report.hpp"

#include <algorithm>
#include <cmath>

#include "oplog/timestamp.hpp"

namespace perfgate::oplog {
namespace {

// DESIGN.md, scenario 3.
constexpr double kTailFactor = 2.0;         // p95 > 2 × avg
constexpr double kAvgIncreaseFactor = 1.2;  // avg up more than 20%
constexpr std::uint64_t kErrorPercent = 1;  // error rate above 1%

// Whether `value` is above `limit` by more than the rounding of binary floating point: the
// durations are decimals (2.85 × 2 is 5.7, 3 × 1.2 is 3.6) that doubles only approximate, so a
// value equal to the limit up to a relative 1e-9 is at the boundary, which raises nothing
// (docs/report.md). Real differences of recorded durations are far larger than that.
bool above(double value, double limit) { return value > limit + std::abs(limit) * 1e-9; }

// True when a is slower than b, or as slow and earlier in the input.
template <typename A, typename B>
bool slower(const A& a, const B& b) {
  return a.duration_ms > b.duration_ms || (a.duration_ms == b.duration_ms && a.sequence < b.sequence);
}

}  // namespace

Period last_days(std::int64_t now_ns, int days) { return {now_ns - days * kNanosPerDay, now_ns}; }

std::string_view flag_name(Flag flag) {
  switch (flag) {
    case Flag::kP95OverTwiceAvg:
      return "p95_over_2x_avg";
    case Flag::kAvgUpOver20Percent:
      return "avg_up_over_20pct";
    case Flag::kErrorRateOver1Percent:
      return "error_rate_over_1pct";
  }
  return "unknown";
}

ReportBuilder::ReportBuilder(ReportOptions options) : options_(options) {
  if (options_.period && options_.compare_with_previous) {
    std::int64_t length = options_.period->to_ns - options_.period->from_ns;
    previous_ = Period{options_.period->from_ns - length, options_.period->from_ns};
  }
  if (options_.period && options_.split_into_days) {
    std::int64_t length = options_.period->to_ns - options_.period->from_ns;
    days_.resize(static_cast<std::size_t>((length + kNanosPerDay - 1) / kNanosPerDay), DurationTable(true));
  }
}

void ReportBuilder::begin_input(std::string name) { inputs_.push_back(std::move(name)); }

void ReportBuilder::add(const OperationRecord& record) {
  ++sequence_;
  if (options_.period && !options_.period->contains(record.timestamp_ns)) {
    if (previous_ && previous_->contains(record.timestamp_ns)) {
      before_.add(names_.intern(record.operation), record.duration_ms, record.success);
    }
    return;
  }
  std::uint32_t operation = names_.intern(record.operation);
  current_.add(operation, record.duration_ms, record.success);
  if (!days_.empty()) {
    auto day = static_cast<std::size_t>((record.timestamp_ns - options_.period->from_ns) / kNanosPerDay);
    days_[day].add(operation, record.duration_ms, record.success);
  }
  if (reliability_.total == 0 || record.timestamp_ns < first_ns_) first_ns_ = record.timestamp_ns;
  if (reliability_.total == 0 || record.timestamp_ns > last_ns_) last_ns_ = record.timestamp_ns;
  ++reliability_.total;
  reliability_.successful += record.success ? 1 : 0;
  consider_slowest(record, operation);
}

void ReportBuilder::consider_slowest(const OperationRecord& record, std::uint32_t operation) {
  if (options_.slowest == 0) return;
  struct Key {
    double duration_ms;
    std::uint64_t sequence;
  } key{record.duration_ms, sequence_};
  if (slowest_heap_.size() == options_.slowest && !slower(key, slowest_heap_.front())) return;  // a cheap no
  SlowOperation row{std::string(record.timestamp),
                    names_.name(operation),
                    record.duration_ms,
                    std::nullopt,
                    inputs_.empty() ? std::string() : inputs_.back(),
                    record.line};
  if (record.session_id) row.session_id = std::string(*record.session_id);
  offer_slowest({record.duration_ms, sequence_, std::move(row)});
}

void ReportBuilder::offer_slowest(Slow slow) {
  if (options_.slowest == 0) return;
  auto heap_order = [](const Slow& a, const Slow& b) { return slower(a, b); };  // least slow on top
  if (slowest_heap_.size() == options_.slowest) {
    if (!slower(slow, slowest_heap_.front())) return;
    std::pop_heap(slowest_heap_.begin(), slowest_heap_.end(), heap_order);
    slowest_heap_.pop_back();
  }
  slowest_heap_.push_back(std::move(slow));
  std::push_heap(slowest_heap_.begin(), slowest_heap_.end(), heap_order);
}

void ReportBuilder::append(ReportBuilder&& part, std::uint64_t line_offset) {
  std::vector<std::uint32_t> index_here;
  for (std::uint32_t op = 0; op < part.names_.size(); ++op) index_here.push_back(names_.intern(part.names_.name(op)));
  current_.append(std::move(part.current_), index_here);
  before_.append(std::move(part.before_), index_here);
  for (std::size_t d = 0; d < days_.size(); ++d) days_[d].append(std::move(part.days_[d]), index_here);
  if (part.reliability_.total > 0) {
    if (reliability_.total == 0 || part.first_ns_ < first_ns_) first_ns_ = part.first_ns_;
    if (reliability_.total == 0 || part.last_ns_ > last_ns_) last_ns_ = part.last_ns_;
    reliability_.total += part.reliability_.total;
    reliability_.successful += part.reliability_.successful;
  }
  // Its records come after the ones seen here: their sequence numbers (the order of ties)
  // and line numbers go on from here.
  for (Slow& slow : part.slowest_heap_) {
    slow.sequence += sequence_;
    slow.row.line += line_offset;
    slow.row.file = inputs_.empty() ? std::string() : inputs_.back();
    offer_slowest(std::move(slow));
  }
  part.slowest_heap_.clear();
  sequence_ += part.sequence_;
}

Report ReportBuilder::finish(ReadStats input) {
  Report report;
  report.inputs = inputs_;
  report.input = std::move(input);
  report.period_requested = options_.period.has_value();
  if (options_.period) {
    report.period = options_.period;
  } else if (reliability_.total > 0) {
    report.period = Period{first_ns_, last_ns_};
  }
  report.previous = previous_;

  for (std::uint32_t op = 0; op < names_.size(); ++op) {
    if (current_.count(op) == 0) continue;
    OperationReport row;
    row.summary = current_.summarize(names_, op);
    const OperationSummary& s = row.summary;
    if (above(s.p95_ms, kTailFactor * s.avg_ms)) row.flags.push_back(Flag::kP95OverTwiceAvg);
    if (previous_ && before_.count(op) > 0) {
      const DurationSeries& before = before_.series(op);
      row.previous_avg_ms = before.sum_ms / static_cast<double>(before.count);
      if (above(s.avg_ms, *row.previous_avg_ms * kAvgIncreaseFactor)) row.flags.push_back(Flag::kAvgUpOver20Percent);
    }
    if (s.failures() * 100 > s.count * kErrorPercent) row.flags.push_back(Flag::kErrorRateOver1Percent);
    report.operations.push_back(std::move(row));
  }
  std::sort(report.operations.begin(), report.operations.end(),
            [](const auto& a, const auto& b) { return a.summary.operation < b.summary.operation; });

  report.reliability = reliability_;
  report.reliability.failed = reliability_.total - reliability_.successful;
  if (reliability_.total > 0) {
    report.reliability.error_rate =
        static_cast<double>(report.reliability.failed) / static_cast<double>(reliability_.total);
  }

  std::sort(slowest_heap_.begin(), slowest_heap_.end(), [](const Slow& a, const Slow& b) { return slower(a, b); });
  for (auto& slow : slowest_heap_) report.slowest.push_back(std::move(slow.row));
  slowest_heap_.clear();

  for (std::size_t d = 0; d < days_.size(); ++d) {
    std::int64_t from = options_.period->from_ns + static_cast<std::int64_t>(d) * kNanosPerDay;
    report.days.push_back({{from, std::min(from + kNanosPerDay, options_.period->to_ns)}, days_[d].summarize(names_)});
  }
  return report;
}

}  // namespace perfgate::oplog
