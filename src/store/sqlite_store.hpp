// The Store on one SQLite file: the default run history (`.perfgate/history.db`).
// Several processes may write to one file at once (WAL, a busy timeout, and every
// multi-statement write in one BEGIN IMMEDIATE transaction).
#pragma once

#include <memory>
#include <span>
#include <string>

#include "store/migrations.hpp"
#include "store/sqlite_connection.hpp"
#include "store/store.hpp"

namespace perfgate {

class SqliteStore final : public Store {
 public:
  // Opens or creates the file (and its parent directories) and brings its schema up to the
  // last of `migrations`; tests pass fewer to build an old database.
  explicit SqliteStore(const std::string& path,
                       std::span<const sqlite::Migration> migrations = sqlite::all_migrations());

  using Store::complete_run;
  std::string begin_run(const RunRecord& record) override;
  void add_benchmark(const std::string& run_id, const nlohmann::json& benchmark) override;
  void complete_run(const std::string& run_id, const nlohmann::json& checks) override;
  void add_checkpoint(const std::string& run_id, const nlohmann::json& line) override;
  void set_soak_summary(const std::string& run_id, const nlohmann::json& soak) override;
  std::vector<nlohmann::json> checkpoints(const std::string& run_id) override;
  std::optional<nlohmann::json> get_run(const std::string& run_id) override;
  std::optional<StoredRun> latest_complete_run(const std::string& suite,
                                               const std::optional<std::string>& branch) override;
  std::vector<StoredRun> list_runs(const std::optional<std::string>& suite, std::size_t last_n) override;
  std::vector<MetricPoint> metric_series(const std::string& suite, const std::string& benchmark,
                                         const std::string& metric, std::size_t last_n) override;
  std::optional<StoredRun> find_run_by_commit(const std::string& commit_prefix) override;

  int schema_version();

 private:
  // The run's status, nullopt when there is no such run.
  std::optional<RunStatus> status_of(const std::string& run_id);
  // Throws RunError unless the run exists and is still incomplete (so it may be written to).
  void require_incomplete(const std::string& run_id);
  std::vector<StoredRun> query_runs(const std::string& where_and_order, const std::vector<std::string>& parameters,
                                    std::size_t limit);

  std::unique_ptr<sqlite::Connection> connection_;
};

}  // namespace perfgate
