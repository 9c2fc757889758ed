// Per-operation statistics over the raw durations of an operation log: count, successes,
// average, nearest-rank p95 and p99, min and max. Operation names are interned once
// (OperationNames) so the per-record path hashes a string_view and appends a double, and
// several tables (this period, the previous one, each day) share the same indices.
//
//   OperationNames names;
//   DurationTable table;
//   table.add(names.intern("agent_register"), 45.0, true);
//   std::vector<OperationSummary> rows = table.summarize(names);  // sorted by name
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::oplog {

class OperationNames {
 public:
  // The index of `name`, stored on first sight. Once per record on the hot path of reading: an
  // open-addressing table of 64-bit hashes, so a lookup is one hash of the name, usually one
  // probe and one comparison.
  std::uint32_t intern(std::string_view name) {
    const std::uint64_t hash = hash_of(name);
    for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.index == kEmpty) return insert(name, hash);
      if (slot.hash == hash && same_bytes(names_[slot.index], name)) return slot.index;
    }
  }
  const std::string& name(std::uint32_t index) const { return names_[index]; }
  std::size_t size() const { return names_.size(); }

 private:
  static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t index = kEmpty;
  };
  // Every byte counts: the first and the last eight bytes (overlapping in a name shorter than
  // 16), each eight between, or a shorter name whole, each multiplied in; then murmur3's
  // finaliser, so that the low bits the table uses depend on all of them.
  static std::uint64_t hash_of(std::string_view name) noexcept {
    const char* p = name.data();
    const std::size_t size = name.size();
    std::uint64_t first = 0, last = 0;
    if (size >= 8) {
      std::memcpy(&first, p, 8);
      std::memcpy(&last, p + size - 8, 8);
      for (std::size_t at = 8; at + 8 < size; at += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + at, 8);
        first = (first ^ word) * 0x9e3779b97f4a7c15u;
      }
    } else if (size > 0) {
      std::memcpy(&first, p, size);
    }
    std::uint64_t hash = first * 0x517cc1b727220a95u ^ (last + size) * 0x9e3779b97f4a7c15u;
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdu;
    return hash ^ (hash >> 33);
  }
  // ==, without a call to memcmp for the names of 8 to 16 bytes most operations have.
  static bool same_bytes(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.size() < 8 || a.size() > 16) return a == b;
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&a1, a.data() + a.size() - 8, 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&b1, b.data() + b.size() - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  std::uint32_t insert(std::string_view name, std::uint64_t hash);
  void place(const Slot& slot);

  std::vector<std::string> names_;
  std::vector<Slot> slots_ = std::vector<Slot>(16);  // a power of two, at most half full
  std::size_t mask_ = 15;
};

struct OperationSummary {
  std::string operation;
  std::uint64_t count = 0;
  std::uint64_t successes = 0;
  double avg_ms = 0;
  double p95_ms = 0;  // nearest rank: the value at rank ceil(0.95 N) of the sorted durations
  double p99_ms = 0;
  double min_ms = 0;
  double max_ms = 0;

  std::uint64_t failures() const { return count - successes; }
  double error_rate() const { return count == 0 ? 0 : static_cast<double>(failures()) / static_cast<double>(count); }
};

// The durations of one operation in one period. The sum is kept in record order, so the
// average is the same double any reader summing in that order gets.
struct DurationSeries {
  std::vector<double> durations_ms;
  std::uint64_t count = 0;
  std::uint64_t successes = 0;
  double sum_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
};

// The nearest-rank percentile `percent` (an integer 1..100, so the rank ceil(percent·N/100)
// is exact integer arithmetic) of `values`, which it reorders (nth_element: linear time, no
// copy). 0 for no values.
double nearest_rank_in_place(std::vector<double>& values, unsigned percent);

class DurationTable {
 public:
  // `keep_durations` false keeps counts and sums only (enough for an average).
  explicit DurationTable(bool keep_durations = true) : keep_durations_(keep_durations) {}

  void add(std::uint32_t operation, double duration_ms, bool success) {
    if (operation >= series_.size()) series_.resize(operation + 1);
    DurationSeries& s = series_[operation];
    if (keep_durations_) s.durations_ms.push_back(duration_ms);
    if (s.count == 0 || duration_ms < s.min_ms) s.min_ms = duration_ms;
    if (s.count == 0 || duration_ms > s.max_ms) s.max_ms = duration_ms;
    ++s.count;
    s.successes += success ? 1 : 0;
    s.sum_ms += duration_ms;
  }

  // Takes the records `later` saw as if they had been added here after the ones so far, its
  // operation i being `index_here[i]` here. The sums go on in record order (each duration of
  // `later` added to this sum in turn), so the averages are the same doubles, to the last
  // bit, as when one table had every record; `later` must keep its durations for that.
  void append(DurationTable&& later, const std::vector<std::uint32_t>& index_here);

  // The series of an operation (empty when it had no record here).
  const DurationSeries& series(std::uint32_t operation) const;
  std::uint64_t count(std::uint32_t operation) const { return series(operation).count; }

  // One row per operation with records here, sorted by name. Reorders the kept durations;
  // percentiles are 0 in a table that keeps none.
  std::vector<OperationSummary> summarize(const OperationNames& names);
  // The row of one operation (its index in `names`).
  OperationSummary summarize(const OperationNames& names, std::uint32_t operation);

 private:
  bool keep_durations_;
  std::vector<DurationSeries> series_;
};

}  // namespace perfgate::oplog
