// Per-operation statistics; see operation_stats.hpp.
#include "oplog/operation_stats.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace perfgate::oplog {

std::uint32_t OperationNames::insert(std::string_view name, std::uint64_t hash) {
  auto index = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  if (2 * names_.size() > slots_.size()) {  // grow, and put every name in its new place
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(2 * slots_.size()));
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.index != kEmpty) place(slot);
    }
  }
  place({hash, index});
  return index;
}

void OperationNames::place(const Slot& slot) {
  std::size_t at = slot.hash & mask_;
  while (slots_[at].index != kEmpty) at = (at + 1) & mask_;
  slots_[at] = slot;
}

double nearest_rank_in_place(std::vector<double>& values, unsigned percent) {
  if (values.empty()) return 0;
  std::uint64_t n = values.size();
  std::uint64_t rank = std::clamp<std::uint64_t>((n * percent + 99) / 100, 1, n);
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

const DurationSeries& DurationTable::series(std::uint32_t operation) const {
  static const DurationSeries kEmpty;
  return operation < series_.size() ? series_[operation] : kEmpty;
}

void DurationTable::append(DurationTable&& later, const std::vector<std::uint32_t>& index_here) {
  for (std::uint32_t op = 0; op < later.series_.size(); ++op) {
    DurationSeries& from = later.series_[op];
    if (from.count == 0) continue;
    std::uint32_t here = index_here[op];
    if (here >= series_.size()) series_.resize(here + 1);
    DurationSeries& to = series_[here];
    if (to.count == 0) {
      to = std::move(from);  // a sum that starts at 0 is the same either way
      if (!keep_durations_) to.durations_ms = {};
      continue;
    }
    for (double d : from.durations_ms) to.sum_ms += d;
    // Strictly smaller or larger: of equal values (0 and -0) the earlier stays, as in add().
    if (from.min_ms < to.min_ms) to.min_ms = from.min_ms;
    if (from.max_ms > to.max_ms) to.max_ms = from.max_ms;
    to.count += from.count;
    to.successes += from.successes;
    if (keep_durations_)
      to.durations_ms.insert(to.durations_ms.end(), from.durations_ms.begin(), from.durations_ms.end());
    from.durations_ms = {};
  }
}

OperationSummary DurationTable::summarize(const OperationNames& names, std::uint32_t operation) {
  OperationSummary row;
  row.operation = names.name(operation);
  if (operation >= series_.size()) return row;
  DurationSeries& s = series_[operation];
  row.count = s.count;
  row.successes = s.successes;
  if (s.count == 0) return row;
  row.avg_ms = s.sum_ms / static_cast<double>(s.count);
  row.min_ms = s.min_ms;
  row.max_ms = s.max_ms;
  if (!s.durations_ms.empty()) {
    // p95 first: nth_element leaves everything above rank95 in the tail, where p99 then is.
    row.p95_ms = nearest_rank_in_place(s.durations_ms, 95);
    std::uint64_t n = s.durations_ms.size();
    std::uint64_t rank95 = std::max<std::uint64_t>((n * 95 + 99) / 100, 1);
    std::uint64_t rank99 = std::max<std::uint64_t>((n * 99 + 99) / 100, 1);
    if (rank99 == rank95) {
      row.p99_ms = row.p95_ms;
    } else {
      auto tail = s.durations_ms.begin() + static_cast<std::ptrdiff_t>(rank95);
      auto nth = s.durations_ms.begin() + static_cast<std::ptrdiff_t>(rank99 - 1);
      std::nth_element(tail, nth, s.durations_ms.end());
      row.p99_ms = *nth;
    }
  }
  return row;
}

std::vector<OperationSummary> DurationTable::summarize(const OperationNames& names) {
  std::vector<OperationSummary> rows;
  for (std::uint32_t op = 0; op < series_.size(); ++op) {
    if (series_[op].count > 0) rows.push_back(summarize(names, op));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.operation < b.operation; });
  return rows;
}

}  // namespace perfgate::oplog
