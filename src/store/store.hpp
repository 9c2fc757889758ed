// The run history: an abstract Store that keeps runs of `perfgate run`, their benchmarks
// (as `perfgate.result/v1` benchmark objects) and a queryable table of their metrics.
// SQLite implements it today (sqlite_store.hpp); PostgreSQL will implement it with the
// same schema (migrations.cpp) so that teams with many CI machines can share one store.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/environment.hpp"

namespace perfgate {

// What is known about a run when it starts.
struct RunRecord {
  std::string id;          // empty: begin_run() makes one
  std::string started_at;  // ISO-8601 UTC with milliseconds, "2026-11-23T22:50:00.000Z"
  std::string suite;
  std::optional<GitState> git;                    // nullopt outside a git work tree
  nlohmann::json env = nlohmann::json::object();  // hostname, os, kernel, cpu_model, cpus, memory_bytes
  std::map<std::string, std::string> tags;
  std::string tool_version;
};

// The record of a run that starts now: its id, start time, git state, machine and tags, and
// this perfgate's version.
struct RunInfo;
RunRecord run_record(const RunInfo& info, const std::string& suite);

// A run is written incrementally and marked complete only at the end, so a run that was
// interrupted (crash, SIGKILL, power loss) stays "incomplete" and is never chosen as a baseline.
// Incomplete runs are kept, not deleted: `history` shows them, and nothing else reads them.
enum class RunStatus { kIncomplete, kComplete };

struct StoredRun {
  RunRecord record;
  RunStatus status = RunStatus::kIncomplete;
};

// One value of a metric in one complete run, for trends and change points.
struct MetricPoint {
  std::string run_id;
  std::string started_at;
  std::optional<std::string> git_commit;
  std::optional<double> value;  // null when the benchmark could not measure it
  std::string unit;
  std::string better;  // "lower" or "higher"
};

// A connection to a run history. One Store object is used by one thread at a time; separate
// objects (in threads or processes) may write to the same store at once.
//
//   auto store = open_store(".perfgate/history.db");
//   std::string id = store->begin_run(record);
//   store->add_benchmark(id, benchmark_json);   // once per benchmark, as each finishes
//   store->complete_run(id, checks_json);
//   auto baseline = store->latest_complete_run("webhook-service", "main");
//
// Every method throws RunError (naming the store) when the store cannot be read or written,
// and UsageError for arguments that cannot be stored (a benchmark without a name, ...).
class Store {
 public:
  virtual ~Store() = default;

  // Stores the run with status incomplete and returns its id (record.id, or a new one).
  virtual std::string begin_run(const RunRecord& record) = 0;
  // Adds one benchmark object of the result document to an incomplete run; its `metrics`
  // list [{name, value, unit, better}] also goes into the metrics table for queries.
  virtual void add_benchmark(const std::string& run_id, const nlohmann::json& benchmark) = 0;
  // Marks the run complete, with the document's `checks` list. After this the run is frozen.
  virtual void complete_run(const std::string& run_id, const nlohmann::json& checks) = 0;
  void complete_run(const std::string& run_id) { complete_run(run_id, nlohmann::json::array()); }

  // Soak runs (run/soak_run.hpp): one checkpoint line ({"t_s", "benchmark", ...}) as it is
  // written, and the soak's summary and verdicts, which get_run returns as the document's `soak`.
  // Both only while the run is incomplete.
  virtual void add_checkpoint(const std::string& run_id, const nlohmann::json& line) = 0;
  virtual void set_soak_summary(const std::string& run_id, const nlohmann::json& soak) = 0;
  // The run's checkpoint lines in the order they were written (none for other runs).
  virtual std::vector<nlohmann::json> checkpoints(const std::string& run_id) = 0;

  // The run as a `perfgate.result/v1` document (run.status says whether it is complete).
  virtual std::optional<nlohmann::json> get_run(const std::string& run_id) = 0;
  // The newest complete run of the suite, on `branch` when given: the default baseline.
  virtual std::optional<StoredRun> latest_complete_run(const std::string& suite,
                                                       const std::optional<std::string>& branch) = 0;
  // The newest `last_n` runs (complete or not), newest first; all suites when suite is nullopt.
  virtual std::vector<StoredRun> list_runs(const std::optional<std::string>& suite, std::size_t last_n) = 0;
  // The metric's values in the newest `last_n` complete runs of the suite, oldest first.
  virtual std::vector<MetricPoint> metric_series(const std::string& suite, const std::string& benchmark,
                                                 const std::string& metric, std::size_t last_n) = 0;
  // The newest complete run whose git commit starts with `commit_prefix` (a resolved git ref
  // or a short hash). Throws UsageError when the prefix matches more than one commit.
  virtual std::optional<StoredRun> find_run_by_commit(const std::string& commit_prefix) = 0;
};

// Opens (creating on first use, with its parent directories) the store a URL names:
//   "path/to/history.db" or "sqlite:path/to/history.db"  → SQLite
//   "postgres://…", "postgresql://…"                      → UsageError: not in this build
std::unique_ptr<Store> open_store(const std::string& url);

const char* to_string(RunStatus status);

}  // namespace perfgate
