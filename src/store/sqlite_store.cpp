// The SQLite run history; see sqlite_store.hpp and the schema in migrations.cpp.
#include "store/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <set>
#include <system_error>

#include "core/error.hpp"

namespace perfgate {

namespace {

using sqlite::ImmediateTransaction;
using sqlite::Statement;

constexpr const char* kRunColumns =
    "id, started_at, suite, git_commit, git_branch, git_dirty, env_json, tags_json, tool_version, status";

struct MetricRow {
  std::string name;
  std::optional<double> value;
  std::string unit;
  std::string better;
};

// Checks the whole benchmark before anything is written, so a bad one leaves no trace.
std::vector<MetricRow> metric_rows(const nlohmann::json& benchmark, const std::string& name) {
  std::vector<MetricRow> rows;
  if (!benchmark.contains("metrics")) return rows;
  const nlohmann::json& metrics = benchmark["metrics"];
  if (!metrics.is_array()) throw UsageError(fmt::format("benchmark \"{}\": `metrics` is not a list", name));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const nlohmann::json& m = metrics[i];
    auto where = [&] { return fmt::format("benchmark \"{}\": metrics[{}]", name, i); };
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) {
      throw UsageError(where() + " has no string `name`");
    }
    MetricRow row;
    row.name = m["name"].get<std::string>();
    if (!seen.insert(row.name).second)
      throw UsageError(fmt::format("{}: metric \"{}\" appears twice", where(), row.name));
    const nlohmann::json value = m.value("value", nlohmann::json());
    if (value.is_number()) {
      row.value = value.get<double>();
    } else if (!value.is_null()) {
      throw UsageError(fmt::format("{} (\"{}\"): `value` is not a number", where(), row.name));
    }
    const nlohmann::json unit = m.value("unit", nlohmann::json(""));
    if (!unit.is_string()) throw UsageError(fmt::format("{} (\"{}\"): `unit` is not a string", where(), row.name));
    row.unit = unit.get<std::string>();
    const nlohmann::json better = m.value("better", nlohmann::json());
    if (better != "lower" && better != "higher") {
      throw UsageError(fmt::format("{} (\"{}\"): `better` must be \"lower\" or \"higher\"", where(), row.name));
    }
    row.better = better.get<std::string>();
    rows.push_back(std::move(row));
  }
  return rows;
}

// "2026-11-23T22:50:00.000Z": the one shape whose text order is time order.
bool is_iso8601_utc_ms(const std::string& s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool ok = kShape[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == kShape[i];
    if (!ok) return false;
  }
  return true;
}

std::string new_run_id() {
  std::random_device device;
  std::uint64_t high = device();
  std::uint64_t low = device();
  return fmt::format("{:016x}", (high << 32) | low);
}

std::int64_t sql_limit(std::size_t last_n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(last_n, std::numeric_limits<std::int64_t>::max()));
}

// Reads a row laid out as kRunColumns.
StoredRun stored_run_from(const Statement& row) {
  StoredRun run;
  run.record.id = row.text(0);
  run.record.started_at = row.text(1);
  run.record.suite = row.text(2);
  if (!row.is_null(3)) {
    run.record.git = GitState{row.text(3), row.text(4), row.integer(5) != 0};
  }
  run.record.env = nlohmann::json::parse(row.text(6));
  run.record.tags = nlohmann::json::parse(row.text(7)).get<std::map<std::string, std::string>>();
  run.record.tool_version = row.text(8);
  run.status = row.text(9) == "complete" ? RunStatus::kComplete : RunStatus::kIncomplete;
  return run;
}

void create_parent_directories(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    throw RunError(
        fmt::format("sqlite store {}: cannot create directory {}: {}", path, parent.string(), error.message()));
  }
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, std::span<const sqlite::Migration> migrations) {
  create_parent_directories(path);
  connection_ = std::make_unique<sqlite::Connection>(path);
  sqlite::apply_migrations(*connection_, migrations);
}

int SqliteStore::schema_version() { return sqlite::schema_version(*connection_); }

std::optional<RunStatus> SqliteStore::status_of(const std::string& run_id) {
  Statement query(*connection_, "SELECT status FROM runs WHERE id = ?");
  query.bind(1, std::string_view(run_id));
  if (!query.step()) return std::nullopt;
  return query.text(0) == "complete" ? RunStatus::kComplete : RunStatus::kIncomplete;
}

std::string SqliteStore::begin_run(const RunRecord& record) {
  if (record.suite.empty()) throw UsageError("a stored run needs a suite name");
  if (!is_iso8601_utc_ms(record.started_at)) {
    throw UsageError(
        fmt::format("run start \"{}\" is not an ISO-8601 UTC time like 2026-11-23T22:50:00.000Z", record.started_at));
  }
  std::string id = record.id.empty() ? new_run_id() : record.id;
  Statement insert(*connection_,
                   "INSERT INTO runs (id, started_at, suite, git_commit, git_branch, git_dirty, env_json, tags_json,"
                   " tool_version, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'incomplete')");
  insert.bind(1, std::string_view(id))
      .bind(2, std::string_view(record.started_at))
      .bind(3, std::string_view(record.suite));
  if (record.git) {
    insert.bind(4, std::string_view(record.git->commit))
        .bind(5, std::string_view(record.git->branch))
        .bind(6, std::int64_t{record.git->dirty ? 1 : 0});
  } else {
    insert.bind_null(4).bind_null(5).bind_null(6);
  }
  insert.bind(7, std::string_view(record.env.dump()))
      .bind(8, std::string_view(nlohmann::json(record.tags).dump()))
      .bind(9, std::string_view(record.tool_version));
  insert.step();
  return id;
}

void SqliteStore::add_benchmark(const std::string& run_id, const nlohmann::json& benchmark) {
  if (!benchmark.is_object() || !benchmark.contains("name") || !benchmark["name"].is_string()) {
    throw UsageError(fmt::format("run {}: a stored benchmark needs a string `name`", run_id));
  }
  const std::string name = benchmark["name"].get<std::string>();
  const std::vector<MetricRow> metrics = metric_rows(benchmark, name);
  const nlohmann::json kind = benchmark.value("kind", nlohmann::json());

  ImmediateTransaction transaction(*connection_);
  require_incomplete(run_id);
  Statement duplicate(*connection_, "SELECT 1 FROM benchmarks WHERE run_id = ? AND name = ?");
  duplicate.bind(1, std::string_view(run_id)).bind(2, std::string_view(name));
  if (duplicate.step()) throw UsageError(fmt::format("run {} already has a benchmark named \"{}\"", run_id, name));
  Statement last(*connection_, "SELECT COALESCE(MAX(position), 0) FROM benchmarks WHERE run_id = ?");
  last.bind(1, std::string_view(run_id));
  last.step();
  const std::int64_t position = last.integer(0) + 1;

  Statement insert(*connection_,
                   "INSERT INTO benchmarks (run_id, name, position, kind, document_json) VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, std::string_view(run_id)).bind(2, std::string_view(name)).bind(3, position);
  insert.bind(4, kind.is_string() ? std::optional<std::string>(kind.get<std::string>()) : std::nullopt);
  insert.bind(5, std::string_view(benchmark.dump()));
  insert.step();

  Statement insert_metric(
      *connection_, "INSERT INTO metrics (run_id, benchmark, metric, value, unit, better) VALUES (?, ?, ?, ?, ?, ?)");
  for (const MetricRow& m : metrics) {
    Statement& row = insert_metric.reset();
    row.bind(1, std::string_view(run_id)).bind(2, std::string_view(name)).bind(3, std::string_view(m.name));
    row.bind(4, m.value).bind(5, std::string_view(m.unit)).bind(6, std::string_view(m.better));
    row.step();
  }
  transaction.commit();
}

void SqliteStore::complete_run(const std::string& run_id, const nlohmann::json& checks) {
  ImmediateTransaction transaction(*connection_);
  std::optional<RunStatus> status = status_of(run_id);
  if (!status) throw RunError(fmt::format("sqlite store {}: no run {}", connection_->path(), run_id));
  if (*status == RunStatus::kComplete) {
    throw RunError(fmt::format("sqlite store {}: run {} is already complete", connection_->path(), run_id));
  }
  Statement update(*connection_, "UPDATE runs SET status = 'complete', checks_json = ? WHERE id = ?");
  update.bind(1, std::string_view(checks.dump())).bind(2, std::string_view(run_id));
  update.step();
  transaction.commit();
}

void SqliteStore::require_incomplete(const std::string& run_id) {
  std::optional<RunStatus> status = status_of(run_id);
  if (!status) throw RunError(fmt::format("sqlite store {}: no run {}", connection_->path(), run_id));
  if (*status == RunStatus::kComplete) {
    throw RunError(
        fmt::format("sqlite store {}: run {} is complete and can no longer change", connection_->path(), run_id));
  }
}

void SqliteStore::add_checkpoint(const std::string& run_id, const nlohmann::json& line) {
  if (!line.is_object() || !line.contains("benchmark") || !line["benchmark"].is_string() || !line.contains("t_s") ||
      !line["t_s"].is_number()) {
    throw UsageError(fmt::format("run {}: a checkpoint needs a string `benchmark` and a number `t_s`", run_id));
  }
  ImmediateTransaction transaction(*connection_);
  require_incomplete(run_id);
  Statement insert(*connection_,
                   "INSERT INTO checkpoints (run_id, seq, benchmark, t_s, line_json)"
                   " SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4 FROM checkpoints WHERE run_id = ?1");
  insert.bind(1, std::string_view(run_id))
      .bind(2, std::string_view(line["benchmark"].get_ref<const std::string&>()))
      .bind(3, line["t_s"].get<double>())
      .bind(4, std::string_view(line.dump()));
  insert.step();
  transaction.commit();
}

void SqliteStore::set_soak_summary(const std::string& run_id, const nlohmann::json& soak) {
  ImmediateTransaction transaction(*connection_);
  require_incomplete(run_id);
  Statement update(*connection_, "UPDATE runs SET soak_json = ? WHERE id = ?");
  update.bind(1, std::string_view(soak.dump())).bind(2, std::string_view(run_id));
  update.step();
  transaction.commit();
}

std::vector<nlohmann::json> SqliteStore::checkpoints(const std::string& run_id) {
  Statement query(*connection_, "SELECT line_json FROM checkpoints WHERE run_id = ? ORDER BY seq");
  query.bind(1, std::string_view(run_id));
  std::vector<nlohmann::json> lines;
  while (query.step()) lines.push_back(nlohmann::json::parse(query.text(0)));
  return lines;
}

std::optional<nlohmann::json> SqliteStore::get_run(const std::string& run_id) {
  std::vector<StoredRun> runs = query_runs("WHERE id = ?1 ORDER BY seq", {run_id}, 1);
  if (runs.empty()) return std::nullopt;
  const StoredRun& stored = runs.front();
  const RunRecord& r = stored.record;

  nlohmann::json run = {{"id", r.id},       {"started_at", r.started_at},
                        {"suite", r.suite}, {"status", to_string(stored.status)},
                        {"env", r.env},     {"tags", r.tags}};
  run["git"] = r.git ? nlohmann::json{{"commit", r.git->commit}, {"branch", r.git->branch}, {"dirty", r.git->dirty}}
                     : nlohmann::json();

  nlohmann::json benchmarks = nlohmann::json::array();
  Statement query(*connection_, "SELECT document_json FROM benchmarks WHERE run_id = ? ORDER BY position");
  query.bind(1, std::string_view(run_id));
  while (query.step()) benchmarks.push_back(nlohmann::json::parse(query.text(0)));

  Statement checks_query(*connection_, "SELECT checks_json, soak_json FROM runs WHERE id = ?");
  checks_query.bind(1, std::string_view(run_id));
  checks_query.step();
  nlohmann::json checks =
      checks_query.is_null(0) ? nlohmann::json::array() : nlohmann::json::parse(checks_query.text(0));

  nlohmann::json document{{"schema", "perfgate.result/v1"},
                          {"tool", {{"name", "perfgate"}, {"version", r.tool_version}}},
                          {"run", run},
                          {"benchmarks", benchmarks},
                          {"checks", checks}};
  if (!checks_query.is_null(1)) document["soak"] = nlohmann::json::parse(checks_query.text(1));
  return document;
}

std::vector<StoredRun> SqliteStore::query_runs(const std::string& where_and_order,
                                               const std::vector<std::string>& parameters, std::size_t limit) {
  std::string sql = fmt::format("SELECT {} FROM runs {} LIMIT {}", kRunColumns, where_and_order, sql_limit(limit));
  Statement query(*connection_, sql);
  for (std::size_t i = 0; i < parameters.size(); ++i)
    query.bind(static_cast<int>(i + 1), std::string_view(parameters[i]));
  std::vector<StoredRun> runs;
  while (query.step()) runs.push_back(stored_run_from(query));
  return runs;
}

std::optional<StoredRun> SqliteStore::latest_complete_run(const std::string& suite,
                                                          const std::optional<std::string>& branch) {
  std::vector<StoredRun> runs =
      branch ? query_runs(
                   "WHERE suite = ?1 AND status = 'complete' AND git_branch = ?2"
                   " ORDER BY started_at DESC, seq DESC",
                   {suite, *branch}, 1)
             : query_runs("WHERE suite = ?1 AND status = 'complete' ORDER BY started_at DESC, seq DESC", {suite}, 1);
  if (runs.empty()) return std::nullopt;
  return runs.front();
}

std::vector<StoredRun> SqliteStore::list_runs(const std::optional<std::string>& suite, std::size_t last_n) {
  if (suite) return query_runs("WHERE suite = ?1 ORDER BY started_at DESC, seq DESC", {*suite}, last_n);
  return query_runs("ORDER BY started_at DESC, seq DESC", {}, last_n);
}

std::vector<MetricPoint> SqliteStore::metric_series(const std::string& suite, const std::string& benchmark,
                                                    const std::string& metric, std::size_t last_n) {
  Statement query(*connection_,
                  "SELECT r.id, r.started_at, r.git_commit, m.value, m.unit, m.better"
                  " FROM metrics m JOIN runs r ON r.id = m.run_id"
                  " WHERE r.suite = ? AND r.status = 'complete' AND m.benchmark = ? AND m.metric = ?"
                  " ORDER BY r.started_at DESC, r.seq DESC LIMIT ?");
  query.bind(1, std::string_view(suite)).bind(2, std::string_view(benchmark)).bind(3, std::string_view(metric));
  query.bind(4, sql_limit(last_n));
  std::vector<MetricPoint> series;
  while (query.step()) {
    MetricPoint point{query.text(0), query.text(1), query.optional_text(2), std::nullopt, query.text(4), query.text(5)};
    if (!query.is_null(3)) point.value = query.real(3);
    series.push_back(std::move(point));
  }
  std::reverse(series.begin(), series.end());  // newest N were selected; a series reads oldest first
  return series;
}

std::optional<StoredRun> SqliteStore::find_run_by_commit(const std::string& commit_prefix) {
  if (commit_prefix.empty()) throw UsageError("an empty git commit matches every run");
  // substr() rather than LIKE: a ref has no wildcards to escape, and PostgreSQL has the same.
  Statement commits(*connection_,
                    "SELECT DISTINCT git_commit FROM runs"
                    " WHERE status = 'complete' AND substr(git_commit, 1, length(?1)) = ?1 ORDER BY git_commit");
  commits.bind(1, std::string_view(commit_prefix));
  std::vector<std::string> matches;
  while (commits.step()) matches.push_back(commits.text(0));
  if (matches.empty()) return std::nullopt;
  if (matches.size() > 1) {
    throw UsageError(
        fmt::format("git commit {} is ambiguous in the store: {}", commit_prefix, fmt::join(matches, ", ")));
  }
  std::vector<StoredRun> runs = query_runs(
      "WHERE status = 'complete' AND git_commit = ?1 ORDER BY started_at DESC, seq DESC", {matches.front()}, 1);
  if (runs.empty()) return std::nullopt;
  return runs.front();
}

}  // namespace perfgate
