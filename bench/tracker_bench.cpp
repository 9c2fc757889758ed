// Micro-benchmarks of the tracker (include/perfgate/tracker.hpp): what record() costs the
// caller's thread (target: at most 100 ns), and how many lines a second the writer thread
// appends to a file (target: at least 2 million). Figures and their meaning: docs/tracker.md.
//   cmake -S . -B /tmp/trk-bench -G Ninja -DPERFGATE_BENCH=ON -DCMAKE_BUILD_TYPE=Release
//   cmake --build /tmp/trk-bench --target tracker_bench
//   /tmp/trk-bench/bench/tracker_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <perfgate/tracker.hpp>

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

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

}  // namespace

BENCHMARK_MAIN();
