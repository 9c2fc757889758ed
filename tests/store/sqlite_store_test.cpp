// Tests of the SQLite run history: round trips, baseline choice, ordering, migrations,
// concurrent writer processes, and runs killed half-way.
#include "store/sqlite_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/sqlite_connection.hpp"
#include "store/store.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "perfgate-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "nested" / "history.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

std::string at(int minute, int second = 0) { return fmt::format("2026-11-23T22:{:02}:{:02}.000Z", minute, second); }

RunRecord record(const std::string& suite, const std::string& started_at, std::optional<std::string> branch = "main",
                 const std::string& commit = "0123456789abcdef") {
  RunRecord r;
  r.started_at = started_at;
  r.suite = suite;
  if (branch) r.git = GitState{commit, *branch, false};
  r.env = {{"hostname", "ci-1"}, {"os", "Linux"}, {"cpus", 2}, {"memory_bytes", 4294967296}};
  r.tags = {{"pr", "42"}};
  r.tool_version = "0.1.0";
  return r;
}

nlohmann::json benchmark(const std::string& name, double p95_ms) {
  return {{"name", name},
          {"kind", "http"},
          {"valid", true},
          {"invalid_reason", nullptr},
          {"config", {{"url", "http://127.0.0.1:8080/health"}, {"connections", 10}, {"rate", nullptr}}},
          {"histogram", {{"encoding", "hdr-v2-base64"}, {"data", "HISTFAAAACB4nJNpmSzMwMDAwgABzFAaxmIAAMnGBZc="}}},
          {"timeline", {{{"t", 1.0}, {"requests", 100}, {"errors", 1}, {"p50_ms", 0.25}, {"p99_ms", 3.5}}}},
          {"samples", {0.1, 0.2, 0.30000000000000004}},
          {"metrics",
           {{{"name", "latency_p95"}, {"value", p95_ms}, {"unit", "ms"}, {"better", "lower"}},
            {{"name", "throughput"}, {"value", 990.5}, {"unit", "rps"}, {"better", "higher"}},
            {{"name", "unmeasured"}, {"value", nullptr}, {"unit", "ms"}, {"better", "lower"}}}}};
}

// Stores a complete run with one benchmark; returns its id.
std::string store_complete_run(Store& store, const RunRecord& r, double p95_ms = 10) {
  std::string id = store.begin_run(r);
  store.add_benchmark(id, benchmark("health", p95_ms));
  store.complete_run(id);
  return id;
}

TEST_F(SqliteStoreTest, RoundTripsARunWithTwoBenchmarks) {
  SqliteStore store(path_);
  RunRecord r = record("webhook", at(50));
  r.id = "run-1";
  ASSERT_EQ(store.begin_run(r), "run-1");
  nlohmann::json health = benchmark("GET /health", 12.5);
  nlohmann::json webhook = benchmark("POST /webhook", 40.25);
  store.add_benchmark("run-1", health);
  store.add_benchmark("run-1", webhook);
  nlohmann::json checks = {
      {{"benchmark", "GET /health"}, {"expr", "p95 < 200ms"}, {"observed", 12.5}, {"passed", true}}};
  store.complete_run("run-1", checks);

  std::optional<nlohmann::json> document = store.get_run("run-1");
  ASSERT_TRUE(document);
  EXPECT_EQ((*document)["schema"], "perfgate.result/v1");
  EXPECT_EQ((*document)["tool"]["version"], "0.1.0");
  const nlohmann::json& run = (*document)["run"];
  EXPECT_EQ(run["id"], "run-1");
  EXPECT_EQ(run["started_at"], at(50));
  EXPECT_EQ(run["suite"], "webhook");
  EXPECT_EQ(run["status"], "complete");
  EXPECT_EQ(run["git"], (nlohmann::json{{"commit", "0123456789abcdef"}, {"branch", "main"}, {"dirty", false}}));
  EXPECT_EQ(run["env"], r.env);
  EXPECT_EQ(run["tags"], (nlohmann::json{{"pr", "42"}}));
  EXPECT_EQ((*document)["benchmarks"], (nlohmann::json{health, webhook}));
  EXPECT_EQ((*document)["checks"], checks);

  std::vector<MetricPoint> p95 = store.metric_series("webhook", "POST /webhook", "latency_p95", 10);
  ASSERT_EQ(p95.size(), 1u);
  EXPECT_EQ(p95[0].run_id, "run-1");
  EXPECT_EQ(p95[0].value, 40.25);
  EXPECT_EQ(p95[0].unit, "ms");
  EXPECT_EQ(p95[0].better, "lower");
  EXPECT_EQ(p95[0].git_commit, "0123456789abcdef");
  std::vector<MetricPoint> throughput = store.metric_series("webhook", "GET /health", "throughput", 10);
  ASSERT_EQ(throughput.size(), 1u);
  EXPECT_EQ(throughput[0].better, "higher");
  std::vector<MetricPoint> unmeasured = store.metric_series("webhook", "GET /health", "unmeasured", 10);
  ASSERT_EQ(unmeasured.size(), 1u);
  EXPECT_FALSE(unmeasured[0].value);

  EXPECT_FALSE(store.get_run("no-such-run"));
}

TEST_F(SqliteStoreTest, RunWithoutGitRoundTripsAsNull) {
  SqliteStore store(path_);
  std::string id = store_complete_run(store, record("s", at(1), std::nullopt));
  EXPECT_GE(id.size(), 8u);
  EXPECT_TRUE(store.get_run(id)->at("run").at("git").is_null());
  EXPECT_FALSE(store.list_runs("s", 1).at(0).record.git);
}

TEST_F(SqliteStoreTest, LatestCompleteRunIsPerSuiteAndBranch) {
  SqliteStore store(path_);
  std::string main_old = store_complete_run(store, record("api", at(1), "main"));
  std::string main_new = store_complete_run(store, record("api", at(2), "main"));
  std::string feature = store_complete_run(store, record("api", at(3), "feature"));
  std::string other_suite = store_complete_run(store, record("bus", at(4), "main"));

  EXPECT_EQ(store.latest_complete_run("api", "main")->record.id, main_new);
  EXPECT_EQ(store.latest_complete_run("api", "feature")->record.id, feature);
  EXPECT_EQ(store.latest_complete_run("api", std::nullopt)->record.id, feature);
  EXPECT_EQ(store.latest_complete_run("bus", std::nullopt)->record.id, other_suite);
  EXPECT_FALSE(store.latest_complete_run("api", "release"));
  EXPECT_FALSE(store.latest_complete_run("nothing", std::nullopt));
  (void)main_old;
}

TEST_F(SqliteStoreTest, IncompleteRunsAreNeverABaseline) {
  SqliteStore store(path_);
  std::string complete = store_complete_run(store, record("api", at(1), "main", "aaaa1111"));
  std::string newer = store.begin_run(record("api", at(2), "main", "bbbb2222"));
  store.add_benchmark(newer, benchmark("health", 99));

  EXPECT_EQ(store.latest_complete_run("api", "main")->record.id, complete);
  EXPECT_EQ(store.metric_series("api", "health", "latency_p95", 10).size(), 1u);
  EXPECT_FALSE(store.find_run_by_commit("bbbb"));
  std::vector<StoredRun> listed = store.list_runs("api", 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].record.id, newer);
  EXPECT_EQ(listed[0].status, RunStatus::kIncomplete);
  EXPECT_EQ(store.get_run(newer)->at("run").at("status"), "incomplete");
}

TEST_F(SqliteStoreTest, ListsAndSeriesAreOrderedAndLimited) {
  SqliteStore store(path_);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(store_complete_run(store, record("api", at(10 + i)), 10.0 + i));
  store_complete_run(store, record("bus", at(30)));

  std::vector<StoredRun> newest = store.list_runs("api", 3);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].record.id, ids[4]);
  EXPECT_EQ(newest[1].record.id, ids[3]);
  EXPECT_EQ(newest[2].record.id, ids[2]);
  EXPECT_EQ(store.list_runs(std::nullopt, 100).size(), 6u);
  EXPECT_EQ(store.list_runs(std::nullopt, 1).at(0).record.suite, "bus");

  std::vector<MetricPoint> series = store.metric_series("api", "health", "latency_p95", 3);
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(series[0].value, 12.0);  // oldest of the newest three first
  EXPECT_EQ(series[1].value, 13.0);
  EXPECT_EQ(series[2].value, 14.0);
  EXPECT_EQ(series[2].run_id, ids[4]);
  EXPECT_TRUE(store.metric_series("api", "health", "no_such_metric", 3).empty());
}

TEST_F(SqliteStoreTest, RunsStartedInTheSameMillisecondKeepInsertionOrder) {
  SqliteStore store(path_);
  std::string first = store_complete_run(store, record("api", at(5)));
  std::string second = store_complete_run(store, record("api", at(5)));
  EXPECT_EQ(store.latest_complete_run("api", "main")->record.id, second);
  EXPECT_EQ(store.list_runs("api", 2).at(1).record.id, first);
}

TEST_F(SqliteStoreTest, FindsRunsByCommitPrefix) {
  SqliteStore store(path_);
  store_complete_run(store, record("api", at(1), "main", "abc123"));
  std::string newest_abc = store_complete_run(store, record("api", at(2), "main", "abc123"));
  store_complete_run(store, record("api", at(3), "main", "abd999"));

  EXPECT_EQ(store.find_run_by_commit("abc1")->record.id, newest_abc);
  EXPECT_EQ(store.find_run_by_commit("abc123")->record.id, newest_abc);
  EXPECT_FALSE(store.find_run_by_commit("fff"));
  EXPECT_THROW(store.find_run_by_commit("ab"), UsageError);
  EXPECT_THROW(store.find_run_by_commit(""), UsageError);
}

TEST_F(SqliteStoreTest, RejectsWhatCannotBeStored) {
  SqliteStore store(path_);
  EXPECT_THROW(store.begin_run(record("api", "yesterday")), UsageError);
  EXPECT_THROW(store.begin_run(record("", at(1))), UsageError);
  std::string id = store.begin_run(record("api", at(1)));
  EXPECT_THROW(store.begin_run([&] {
    RunRecord r = record("api", at(2));
    r.id = id;
    return r;
  }()),
               RunError);
  EXPECT_THROW(store.add_benchmark(id, {{"kind", "http"}}), UsageError);
  nlohmann::json bad_value = benchmark("x", 1);
  bad_value["metrics"][0]["value"] = "12";
  EXPECT_THROW(store.add_benchmark(id, bad_value), UsageError);
  nlohmann::json bad_direction = benchmark("x", 1);
  bad_direction["metrics"][0]["better"] = "smaller";
  EXPECT_THROW(store.add_benchmark(id, bad_direction), UsageError);
  nlohmann::json twice = benchmark("x", 1);
  twice["metrics"].push_back(twice["metrics"][0]);
  EXPECT_THROW(store.add_benchmark(id, twice), UsageError);
  EXPECT_THROW(store.add_benchmark("no-such-run", benchmark("x", 1)), RunError);

  store.add_benchmark(id, benchmark("x", 1));
  EXPECT_THROW(store.add_benchmark(id, benchmark("x", 2)), UsageError);
  store.complete_run(id);
  EXPECT_THROW(store.add_benchmark(id, benchmark("y", 1)), RunError);
  EXPECT_THROW(store.complete_run(id), RunError);
  // Nothing of the rejected benchmarks was written.
  EXPECT_EQ(store.get_run(id)->at("benchmarks").size(), 1u);
}

TEST_F(SqliteStoreTest, OpeningAVersion1DatabaseAppliesLaterMigrations) {
  std::span<const sqlite::Migration> all = sqlite::all_migrations();
  ASSERT_GE(all.size(), 2u);
  std::string id;
  {
    SqliteStore old_binary(path_, all.first(1));
    EXPECT_EQ(old_binary.schema_version(), 1);
    id = store_complete_run(old_binary, record("api", at(1), "main", "cafe"));
  }
  auto has_commit_index = [&] {
    sqlite::Connection connection(path_);
    sqlite::Statement query(connection, "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'runs_by_commit'");
    return query.step();
  };
  EXPECT_FALSE(has_commit_index());

  SqliteStore new_binary(path_);
  EXPECT_EQ(new_binary.schema_version(), all.back().version);
  EXPECT_TRUE(has_commit_index());
  EXPECT_EQ(new_binary.find_run_by_commit("cafe")->record.id, id);

  // Reopening applies nothing twice.
  SqliteStore again(path_);
  EXPECT_EQ(again.schema_version(), all.back().version);
}

// Migration 3: a Google Benchmark mean stored as `real_time` before it was named
// `real_time_mean` joins the new series, in the metrics table and in the document; other
// formats' metrics of the same name are left alone.
TEST_F(SqliteStoreTest, MigrationThreeRenamesGoogleBenchmarkMeansSoHistoryStaysContinuous) {
  auto ingested = [](const std::string& format) {
    return nlohmann::json{
        {"name", "BM_Sort"}, {"kind", "ingested"}, {"format", format}, {"valid", true},
        {"invalid_reason", nullptr}, {"config", {{"other_aggregates", {{"real_time", 1}}}}},
        {"samples", {{"values", {1.0, 2.0}}, {"values_unit", "ns"}, {"values_metrics", {"real_time", "real_time_median"}},
                     {"cpu_time", {1.0, 2.0}}}},
        {"metrics", {{{"name", "real_time"}, {"value", 1.5}, {"unit", "ns"}, {"better", "lower"}},
                     {{"name", "real_time_median"}, {"value", 1.5}, {"unit", "ns"}, {"better", "lower"}},
                     {{"name", "cpu_time"}, {"value", 1.4}, {"unit", "ns"}, {"better", "lower"}}}}};
  };
  std::string old_id, other_id;
  {
    SqliteStore old_binary(path_, sqlite::all_migrations().first(2));
    old_id = old_binary.begin_run(record("micro", at(1)));
    old_binary.add_benchmark(old_id, ingested("google-benchmark"));
    old_binary.complete_run(old_id, nlohmann::json::object());
    other_id = old_binary.begin_run(record("other", at(2)));
    old_binary.add_benchmark(other_id, ingested("vitest"));
    old_binary.complete_run(other_id, nlohmann::json::object());
  }
  SqliteStore store(path_);
  auto series = store.metric_series("micro", "BM_Sort", "real_time_mean", 10);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_DOUBLE_EQ(series[0].value.value_or(-1), 1.5);
  EXPECT_TRUE(store.metric_series("micro", "BM_Sort", "real_time", 10).empty());
  EXPECT_EQ(store.metric_series("micro", "BM_Sort", "cpu_time_mean", 10).size(), 1u);

  nlohmann::json b = store.get_run(old_id)->at("benchmarks").at(0);
  EXPECT_EQ(b["metrics"][0]["name"], "real_time_mean");
  EXPECT_EQ(b["metrics"][1]["name"], "real_time_median");
  EXPECT_EQ(b["metrics"][2]["name"], "cpu_time_mean");
  EXPECT_EQ(b["samples"]["values_metrics"], nlohmann::json({"real_time_mean", "real_time_median"}));
  EXPECT_TRUE(b["samples"].contains("cpu_time"));                // a series key, not a metric
  EXPECT_TRUE(b["config"]["other_aggregates"].contains("real_time"));  // Google Benchmark's own key

  nlohmann::json other = store.get_run(other_id)->at("benchmarks").at(0);
  EXPECT_EQ(other["metrics"][0]["name"], "real_time");
  EXPECT_EQ(store.metric_series("other", "BM_Sort", "real_time", 10).size(), 1u);
}

TEST_F(SqliteStoreTest, ADatabaseFromANewerPerfgateIsRefused) {
  { SqliteStore current(path_); }
  try {
    SqliteStore old_binary(path_, sqlite::all_migrations().first(1));
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("newer perfgate"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

// Runs `body` in a child process; the child exits 0 when body returns, 1 when it throws.
pid_t in_child(const std::function<void()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 0;
    try {
      body();
    } catch (...) {
      code = 1;
    }
    _exit(code);  // skips GoogleTest's and the parent's exit handlers
  }
  return pid;
}

int exit_status(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(SqliteStoreTest, TwoProcessesWritingAtOnceBothLandIntact) {
  { SqliteStore create(path_); }  // both writers then open an existing store
  constexpr int kRunsPerWriter = 50;
  auto writer = [&](const std::string& suite) {
    return [&, suite] {
      SqliteStore store(path_);
      for (int i = 0; i < kRunsPerWriter; ++i) {
        RunRecord r = record(suite, at(i / 60, i % 60));
        r.id = fmt::format("{}-{}", suite, i);
        store.begin_run(r);
        store.add_benchmark(r.id, benchmark("health", i));
        store.add_benchmark(r.id, benchmark("webhook", i + 0.5));
        store.complete_run(r.id);
      }
    };
  };
  pid_t a = in_child(writer("a"));
  pid_t b = in_child(writer("b"));
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  EXPECT_EQ(exit_status(a), 0);
  EXPECT_EQ(exit_status(b), 0);

  SqliteStore store(path_);
  std::vector<StoredRun> runs = store.list_runs(std::nullopt, 1000);
  ASSERT_EQ(runs.size(), 2u * kRunsPerWriter);
  for (const StoredRun& run : runs) {
    EXPECT_EQ(run.status, RunStatus::kComplete) << run.record.id;
    nlohmann::json document = *store.get_run(run.record.id);
    ASSERT_EQ(document["benchmarks"].size(), 2u) << run.record.id;
    int i = std::stoi(run.record.id.substr(2));
    EXPECT_EQ(document["benchmarks"][0], benchmark("health", i));
    EXPECT_EQ(document["benchmarks"][1], benchmark("webhook", i + 0.5));
  }
  for (const char* suite : {"a", "b"}) {
    EXPECT_EQ(store.metric_series(suite, "webhook", "latency_p95", 1000).size(), std::size_t{kRunsPerWriter});
  }
}

// Runs `body` in a child that calls `killed_here()` at the point where it should die: the
// parent is told through a pipe and sends SIGKILL while the child's stack (its connection,
// its open transaction) is still alive. True when the child died by that SIGKILL.
bool child_killed_at(const std::function<void(const std::function<void()>& killed_here)>& body) {
  int ready[2];
  if (pipe(ready) != 0) return false;
  pid_t pid = in_child([&] {
    close(ready[0]);
    body([&] {
      char byte = 1;
      if (write(ready[1], &byte, 1) != 1) _exit(2);
      for (;;) pause();
    });
  });
  close(ready[1]);
  char byte = 0;
  ssize_t got = read(ready[0], &byte, 1);
  close(ready[0]);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return got == 1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

TEST_F(SqliteStoreTest, AProcessKilledBeforeCompletingLeavesAnIncompleteRun) {
  std::string baseline;
  {
    SqliteStore store(path_);
    baseline = store_complete_run(store, record("api", at(1)));
  }
  ASSERT_TRUE(child_killed_at([&](const std::function<void()>& killed_here) {
    SqliteStore store(path_);
    RunRecord r = record("api", at(2));
    r.id = "killed";
    store.begin_run(r);
    store.add_benchmark("killed", benchmark("health", 500));
    killed_here();
    store.complete_run("killed");
  }));

  SqliteStore store(path_);
  EXPECT_EQ(store.list_runs("api", 10).at(0).record.id, "killed");
  EXPECT_EQ(store.list_runs("api", 10).at(0).status, RunStatus::kIncomplete);
  EXPECT_EQ(store.latest_complete_run("api", "main")->record.id, baseline);
  EXPECT_EQ(store.metric_series("api", "health", "latency_p95", 10).size(), 1u);
}

TEST_F(SqliteStoreTest, AProcessKilledInsideATransactionLeavesNothingAndNoLock) {
  { SqliteStore create(path_); }
  ASSERT_TRUE(child_killed_at([&](const std::function<void()>& killed_here) {
    sqlite::Connection connection(path_);
    sqlite::ImmediateTransaction transaction(connection);
    connection.exec(
        "INSERT INTO runs (id, started_at, suite, env_json, tags_json, tool_version, status)"
        " VALUES ('half', '2026-11-23T22:00:00.000Z', 'api', '{}', '{}', '', 'complete')");
    killed_here();
    transaction.commit();
  }));

  SqliteStore store(path_);
  EXPECT_FALSE(store.latest_complete_run("api", std::nullopt));
  EXPECT_TRUE(store.list_runs(std::nullopt, 10).empty());
  store_complete_run(store, record("api", at(3)));  // the dead writer's lock is gone
  EXPECT_EQ(store.list_runs(std::nullopt, 10).size(), 1u);
}

TEST_F(SqliteStoreTest, OpenStoreChoosesByUrl) {
  EXPECT_THROW(open_store("postgres://user@host/db"), UsageError);
  try {
    open_store("postgresql://host/db");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("PostgreSQL store not available in this build"), std::string::npos);
  }
  EXPECT_THROW(open_store("mysql://host/db"), UsageError);
  EXPECT_THROW(open_store(""), UsageError);
  EXPECT_THROW(open_store("sqlite:"), UsageError);

  std::unique_ptr<Store> store = open_store("sqlite:" + path_);
  store_complete_run(*store, record("api", at(1)));
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_EQ(open_store(path_)->list_runs(std::nullopt, 10).size(), 1u);
}

TEST_F(SqliteStoreTest, AnUnwritablePathIsARunErrorNamingThePath) {
  fs::path file = dir_ / "not-a-directory";
  { std::ofstream(file) << "x"; }
  std::string path = (file / "history.db").string();
  try {
    open_store(path);
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  // A directory where the file should be fails in SQLite itself.
  fs::create_directories(dir_ / "dir.db");
  std::string directory = (dir_ / "dir.db").string();
  try {
    open_store(directory);
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find(directory), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace perfgate

namespace perfgate {
namespace {

class SoakStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "perfgate-soak-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "history.db").string(); }
  std::filesystem::path dir_;
};

RunRecord soak_record() {
  RunRecord r;
  r.started_at = "2026-12-06T08:00:00.000Z";
  r.suite = "api/soak";
  r.tool_version = "0.1.0";
  return r;
}

nlohmann::json checkpoint(double t_s, const std::string& benchmark, std::uint64_t requests) {
  return {{"t_s", t_s},
          {"benchmark", benchmark},
          {"requests", requests},
          {"errors", 0},
          {"throughput_rps", static_cast<double>(requests) / 10},
          {"latency_ms", {{"p50", 1.0}, {"p95", 2.0}, {"p99", 3.0}, {"max", 4.0}}},
          {"resources", {{"api", {{"rss_bytes", {{"max", 1000}}}}}}}};
}

TEST_F(SoakStoreTest, CheckpointsComeBackInTheOrderWrittenAndTheSummaryWithTheRun) {
  SqliteStore store(path());
  std::string id = store.begin_run(soak_record());
  store.add_checkpoint(id, checkpoint(10, "health", 100));
  store.add_checkpoint(id, checkpoint(10, "webhook", 5));
  store.add_checkpoint(id, checkpoint(20, "health", 120));
  // An interrupted soak: checkpoints and no summary yet; the run stays incomplete.
  EXPECT_FALSE(store.get_run(id)->contains("soak"));
  std::vector<nlohmann::json> lines = store.checkpoints(id);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], checkpoint(10, "health", 100));
  EXPECT_EQ(lines[1]["benchmark"], "webhook");
  EXPECT_EQ(lines[2]["requests"], 120);

  store.set_soak_summary(id, {{"ended", "complete"}, {"checkpoints", 2}});
  store.complete_run(id);
  EXPECT_EQ(store.get_run(id)->at("soak")["checkpoints"], 2);
  // A complete run is frozen.
  EXPECT_THROW(store.add_checkpoint(id, checkpoint(30, "health", 1)), RunError);
  EXPECT_THROW(store.set_soak_summary(id, nlohmann::json::object()), RunError);
  // Other runs have none.
  std::string other = store.begin_run(soak_record());
  EXPECT_TRUE(store.checkpoints(other).empty());
  EXPECT_THROW(store.add_checkpoint(other, {{"t_s", 1}}), UsageError);  // no benchmark
}

TEST_F(SoakStoreTest, AnOlderDatabaseGainsTheCheckpointsTable) {
  std::span<const sqlite::Migration> all = sqlite::all_migrations();
  std::string id;
  {
    SqliteStore old_binary(path(), all.first(2));
    id = old_binary.begin_run(soak_record());
  }
  SqliteStore store(path());
  EXPECT_EQ(store.schema_version(), 4);  // 3 renamed Google Benchmark means, 4 added checkpoints
  store.add_checkpoint(id, checkpoint(10, "health", 100));
  EXPECT_EQ(store.checkpoints(id).size(), 1u);
  EXPECT_FALSE(store.get_run(id)->contains("soak"));
}

}  // namespace
}  // namespace perfgate
