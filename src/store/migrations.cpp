// The store's schema, migration by migration; see migrations.hpp. The SQL sticks to types and
// statements PostgreSQL also accepts, so the PostgreSQL store can share the logical schema.
// Never edit a migration that has shipped: add the next one.
#include "store/migrations.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/sqlite_connection.hpp"

namespace perfgate::sqlite {

namespace {

// Histograms, timelines and samples stay inside each benchmark's JSON document; only the
// uniform metrics list gets its own table, because that is what history and compare query.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE runs (
  seq          INTEGER PRIMARY KEY,            -- insertion order: breaks ties of started_at
  id           TEXT NOT NULL UNIQUE,
  started_at   TEXT NOT NULL,                  -- ISO-8601 UTC, so text order is time order
  suite        TEXT NOT NULL,
  git_commit   TEXT,
  git_branch   TEXT,
  git_dirty    INTEGER,
  env_json     TEXT NOT NULL,
  tags_json    TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('incomplete', 'complete')),
  checks_json  TEXT
);
CREATE INDEX runs_by_suite ON runs (suite, status, started_at);

CREATE TABLE benchmarks (
  run_id        TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  position      INTEGER NOT NULL,              -- order within the run's document
  kind          TEXT,
  document_json TEXT NOT NULL,
  PRIMARY KEY (run_id, name)
);

CREATE TABLE metrics (
  run_id    TEXT NOT NULL,
  benchmark TEXT NOT NULL,
  metric    TEXT NOT NULL,
  value     DOUBLE PRECISION,                  -- NULL when it could not be measured
  unit      TEXT NOT NULL,
  better    TEXT NOT NULL,
  PRIMARY KEY (run_id, benchmark, metric),
  FOREIGN KEY (run_id, benchmark) REFERENCES benchmarks (run_id, name) ON DELETE CASCADE
);
)sql";

// find_run_by_commit looks runs up by commit prefix.
constexpr const char* kIndexCommits = "CREATE INDEX runs_by_commit ON runs (git_commit);";

// Google Benchmark's mean was stored as `real_time` / `cpu_time` until every imported mean was
// named `…_mean`: renamed in the metrics table and in the documents (metric objects are stored
// with sorted keys, so `"name":"real_time",` is exactly the metric's name), so that a series
// stays one series across the change.
constexpr const char* kGoogleBenchmarkMeans = R"sql(
UPDATE metrics SET metric = metric || '_mean'
 WHERE metric IN ('real_time', 'cpu_time')
   AND EXISTS (SELECT 1 FROM benchmarks b
                WHERE b.run_id = metrics.run_id AND b.name = metrics.benchmark AND b.kind = 'ingested'
                  AND b.document_json LIKE '%"format":"google-benchmark"%');
UPDATE benchmarks
   SET document_json = REPLACE(REPLACE(REPLACE(document_json,
         '"name":"real_time",', '"name":"real_time_mean",'),
         '"name":"cpu_time",', '"name":"cpu_time_mean",'),
         '"values_metrics":["real_time",', '"values_metrics":["real_time_mean",')
 WHERE kind = 'ingested' AND document_json LIKE '%"format":"google-benchmark"%';
)sql";

// Soak runs: a checkpoint line per benchmark per checkpoint, stored as it is written (a soak
// killed at hour 20 keeps its story), and the soak's summary and verdicts with the run.
constexpr const char* kSoakCheckpoints = R"sql(
CREATE TABLE checkpoints (
  run_id    TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,                  -- order of writing
  benchmark TEXT NOT NULL,
  t_s       DOUBLE PRECISION NOT NULL,         -- end of the interval, seconds into the soak
  line_json TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
ALTER TABLE runs ADD COLUMN soak_json TEXT;
)sql";

constexpr Migration kMigrations[] = {
    {1, "runs, benchmarks and metrics", kCreateSchema},
    {2, "index runs by git commit", kIndexCommits},
    {3, "Google Benchmark means named real_time_mean and cpu_time_mean", kGoogleBenchmarkMeans},
    {4, "soak checkpoints and summary", kSoakCheckpoints},
};

void create_version_table(Connection& connection) {
  connection.exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
}

}  // namespace

std::span<const Migration> all_migrations() { return kMigrations; }

int schema_version(Connection& connection) {
  Statement exists(connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists.step()) return 0;
  Statement query(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  query.step();
  return static_cast<int>(query.integer(0));
}

void apply_migrations(Connection& connection, std::span<const Migration> migrations) {
  int known = migrations.empty() ? 0 : migrations.back().version;
  for (const Migration& migration : migrations) {
    // Each step re-reads the version inside its own write transaction: another process
    // opening the same file at the same moment may have applied it already.
    ImmediateTransaction transaction(connection);
    create_version_table(connection);
    int current = schema_version(connection);
    if (current > known) {
      throw RunError(
          fmt::format("sqlite store {}: schema version {} was written by a newer perfgate (this one knows up to {})",
                      connection.path(), current, known));
    }
    if (current >= migration.version) continue;
    connection.exec(migration.sql);
    Statement record(connection,
                     "INSERT INTO schema_version (version, description, applied_at)"
                     " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    record.bind(1, std::int64_t{migration.version}).bind(2, std::string_view(migration.description));
    record.step();
    transaction.commit();
  }
}

}  // namespace perfgate::sqlite
