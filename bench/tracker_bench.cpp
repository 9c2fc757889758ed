// Micro-benchmarks of the tracker (include/perfgate/tracker.hpp): what record() costs the
// caller's thread (target: at most 50 ns with a two-entry context), and how many lines a second
// the writer thread formats and appends to a file (target: at least 2 million). Beside record(),
// the same run measures the reference: the same line formatted on the caller's thread, as
// record() did before the writer took the formatting over; the summary at the end gives the
// medians of the repetitions and their ratio. Figures and their meaning: docs/tracker.md.
//   cmake -S . -B /tmp/trk-bench -G Ninja -DPERFGATE_BENCH=ON -DCMAKE_BUILD_TYPE=Release
//   cmake --build /tmp/trk-bench --target tracker_bench
//   taskset -c 1 /tmp/trk-bench/bench/tracker_bench   # 5 repetitions unless told otherwise
#include <perfgate/tracker.hpp>

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../src/tracker/json_line.hpp"  // the reference formats with the library's own writers

namespace {

using perfgate::Context;
using perfgate::Tracker;
using perfgate::TrackerOptions;

// A file in a fresh directory under /tmp, removed with it.
class BenchFile {
 public:
  BenchFile() {
    std::string templ = "/tmp/perfgate-tracker-bench-XXXXXX";
    dir_ = mkdtemp(templ.data()) != nullptr ? templ : "/tmp";
    path_ = dir_ + "/perf-metrics.jsonl";
  }
  ~BenchFile() {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

// Every kFlushEvery records the timing pauses while the writer catches up, so the queue never
// fills: what is measured is the caller's cost of a record that is kept, not of a dropped one.
constexpr std::int64_t kFlushEvery = 8192;

void report_drops(benchmark::State& state, const Tracker& tracker) {
  state.counters["dropped"] = static_cast<double>(tracker.dropped());
}

// The caller's work of record() before the writer thread formatted the lines, kept as the
// reference: read the wall clock, claim a place with one compare-and-swap, and format the whole
// line there (into a ring of 256-byte slots, as large as the part of the queue the benchmarks
// use between pauses). Building a Context in the call is replaced by escaping the same entries
// into a stack buffer, which is what building it cost, less its check for repeated keys: the
// reference is, if anything, a little cheaper than the old record() was.
class FormatOnCaller {
 public:
  static constexpr std::size_t kSlotBytes = 256;
  static constexpr std::size_t kSlots = 8192;

  FormatOnCaller() : ring_(new char[kSlots * kSlotBytes]) {
    session_json_.resize(64);
    session_json_.resize(static_cast<std::size_t>(
        perfgate::tracker_detail::put_string(session_json_.data(), "ses_3f9a0c1b7e42") - session_json_.data()));
  }

  void record(std::string_view operation, double duration_ms, bool success, std::string_view context_members) {
    const perfgate::tracker_detail::LineFields fields{std::chrono::system_clock::now(), operation, duration_ms, success,
                                                      session_json_, std::nullopt, context_members};
    std::uint64_t position = position_.load(std::memory_order_relaxed);
    while (!position_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
    }
    char* slot = ring_.get() + (position % kSlots) * kSlotBytes;
    if (perfgate::tracker_detail::line_bound(fields) <= kSlotBytes) {
      benchmark::DoNotOptimize(perfgate::tracker_detail::put_line(slot, fields));
    }
  }

  void record(std::string_view operation, double duration_ms, bool success,
              std::initializer_list<perfgate::Context::Entry> context) {
    char members[256];
    char* out = members;
    for (const perfgate::Context::Entry& entry : context) {
      if (out != members) *out++ = ',';
      out = perfgate::tracker_detail::put_string(out, entry.key);
      *out++ = ':';
      out = perfgate::tracker_detail::put_context_value(out, entry.value);
    }
    record(operation, duration_ms, success, std::string_view(members, static_cast<std::size_t>(out - members)));
  }

 private:
  std::unique_ptr<char[]> ring_;
  std::atomic<std::uint64_t> position_{0};
  std::string session_json_;
};

// The bare call: no context, an operation name of typical length.
void BM_Record(benchmark::State& state) {
  BenchFile file;
  Tracker tracker(file.path());
  std::int64_t n = 0;
  for (auto _ : state) {
    tracker.record("agent_register", 45.5, true);
    if (++n % kFlushEvery == 0) {
      state.PauseTiming();
      tracker.flush();
      state.ResumeTiming();
    }
  }
  report_drops(state, tracker);
}
BENCHMARK(BM_Record);

// What an instrumented call site usually writes: a two-entry context built in place.
void BM_RecordWithContext(benchmark::State& state) {
  BenchFile file;
  Tracker tracker(file.path());
  std::int64_t n = 0;
  for (auto _ : state) {
    tracker.record("agent_register", 45.5, true, {{"agents", 5}, {"region", "eu"}});
    if (++n % kFlushEvery == 0) {
      state.PauseTiming();
      tracker.flush();
      state.ResumeTiming();
    }
  }
  report_drops(state, tracker);
}
BENCHMARK(BM_RecordWithContext);

void BM_ReferenceWithContext(benchmark::State& state) {
  FormatOnCaller reference;
  for (auto _ : state) reference.record("agent_register", 45.5, true, {{"agents", 5}, {"region", "eu"}});
}
BENCHMARK(BM_ReferenceWithContext);

// The same context built once and passed to every call: record() copies its JSON text.
void BM_RecordWithPrebuiltContext(benchmark::State& state) {
  BenchFile file;
  Tracker tracker(file.path());
  const Context context{{"agents", 5}, {"region", "eu"}};
  std::int64_t n = 0;
  for (auto _ : state) {
    tracker.record("agent_register", 45.5, true, context);
    if (++n % kFlushEvery == 0) {
      state.PauseTiming();
      tracker.flush();
      state.ResumeTiming();
    }
  }
  report_drops(state, tracker);
}
BENCHMARK(BM_RecordWithPrebuiltContext);

void BM_ReferenceWithPrebuiltContext(benchmark::State& state) {
  FormatOnCaller reference;
  const std::string json = Context{{"agents", 5}, {"region", "eu"}}.to_json();
  const std::string_view members = std::string_view(json).substr(1, json.size() - 2);
  for (auto _ : state) reference.record("agent_register", 45.5, true, members);
}
BENCHMARK(BM_ReferenceWithPrebuiltContext);

void BM_ReferenceRecord(benchmark::State& state) {
  FormatOnCaller reference;
  for (auto _ : state) reference.record("agent_register", 45.5, true, std::string_view());
}
BENCHMARK(BM_ReferenceRecord);

// Building a two-entry context alone, as a call site writing {{"agents", 5}, {"region", "eu"}} does.
void BM_BuildContext(benchmark::State& state) {
  for (auto _ : state) {
    Context context{{"agents", 5}, {"region", "eu"}};
    benchmark::DoNotOptimize(context);
  }
}
BENCHMARK(BM_BuildContext);

// time() around an empty function: two steady_clock reads on top of record().
void BM_TimeEmptyFunction(benchmark::State& state) {
  BenchFile file;
  Tracker tracker(file.path());
  std::int64_t n = 0;
  for (auto _ : state) {
    tracker.time("noop", [] {});
    if (++n % kFlushEvery == 0) {
      state.PauseTiming();
      tracker.flush();
      state.ResumeTiming();
    }
  }
  report_drops(state, tracker);
}
BENCHMARK(BM_TimeEmptyFunction);

// record() while the writer drains the same queue on another CPU, with no pause: shared cache
// lines move between the threads. Records dropped when the writer falls behind are counted.
void BM_RecordWhileWriterDrains(benchmark::State& state) {
  BenchFile file;
  Tracker tracker(file.path());
  for (auto _ : state) tracker.record("agent_register", 45.5, true, {{"agents", 5}, {"region", "eu"}});
  tracker.flush();
  report_drops(state, tracker);
  state.counters["dropped_fraction"] =
      static_cast<double>(tracker.dropped()) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RecordWhileWriterDrains);

// The writer's sustained rate: one thread records 1,000,000 realistic lines (about 190 bytes)
// as fast as it can, then flush() waits until they are in the file. Lines per second counts
// only lines written; when some were dropped, the writer was the bottleneck.
void BM_WriterLinesPerSecond(benchmark::State& state) {
  constexpr int kLines = 1'000'000;
  double written_total = 0;
  double seconds_total = 0;
  double dropped_total = 0;
  for (auto _ : state) {
    BenchFile file;
    Tracker tracker(file.path());
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kLines; ++i) {
      tracker.record("agent_register", 45.5, true, {{"agents", 5}, {"region", "eu"}});
    }
    tracker.flush();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(seconds);
    written_total += static_cast<double>(kLines - tracker.dropped());
    dropped_total += static_cast<double>(tracker.dropped());
    seconds_total += seconds;
  }
  state.counters["lines_per_s"] = written_total / seconds_total;
  state.counters["dropped_fraction"] = dropped_total / (written_total + dropped_total);
}
BENCHMARK(BM_WriterLinesPerSecond)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

// Keeps the console output, and the median real time of each benchmark's repetitions.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (median || single) medians_[run.run_name.function_name] = run.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // "record() …: 41.0 ns; formatted on the caller: 88.1 ns; ratio 0.47", for each pair measured.
  void print_summary() const {
    const struct {
      const char* what;
      const char* measured;
      const char* reference;
    } pairs[] = {
        {"record() with a two-entry context written in the call", "BM_RecordWithContext", "BM_ReferenceWithContext"},
        {"record() with a two-entry Context built once", "BM_RecordWithPrebuiltContext",
         "BM_ReferenceWithPrebuiltContext"},
        {"record() without a context", "BM_Record", "BM_ReferenceRecord"},
    };
    std::printf("\nMedian real time per call over the repetitions, beside the same line formatted on the caller:\n");
    for (const auto& pair : pairs) {
      const auto measured = medians_.find(pair.measured);
      const auto reference = medians_.find(pair.reference);
      if (measured == medians_.end() || reference == medians_.end()) continue;
      std::printf("  %-54s %6.1f ns; formatted on the caller: %6.1f ns; ratio %.2f\n", pair.what, measured->second,
                  reference->second, measured->second / reference->second);
    }
  }

 private:
  std::map<std::string, double> medians_;
};

}  // namespace

// Five repetitions and their aggregates unless the command line says otherwise (later flags win).
int main(int argc, char** argv) {
  std::vector<char*> args{argv[0]};
  std::string repetitions = "--benchmark_repetitions=5";
  std::string aggregates_only = "--benchmark_report_aggregates_only=true";
  args.push_back(repetitions.data());
  args.push_back(aggregates_only.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
