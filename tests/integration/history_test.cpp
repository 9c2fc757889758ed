// Integration tests: the real `perfgate history` binary over a store written through the
// library — two suites, one run left incomplete, runs with and without git — listing runs,
// showing series with their changes, JSON output, and every usage error with exit code 2.
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "support/process.hpp"

namespace perfgate::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json metric(const std::string& name, double value, const std::string& unit, const std::string& better) {
  return {{"name", name}, {"value", value}, {"unit", unit}, {"better", better}};
}

json benchmark(const std::string& name, const std::vector<json>& metrics) {
  return {{"name", name}, {"kind", "cmd"}, {"metrics", metrics}};
}

json health(double p95_ms, double rps) {
  return benchmark("health",
                   {metric("latency_p95", p95_ms, "ms", "lower"), metric("throughput", rps, "rps", "higher")});
}

RunRecord record(const std::string& id, const std::string& suite, const std::string& started_at,
                 std::optional<GitState> git, std::map<std::string, std::string> tags = {}) {
  RunRecord r;
  r.id = id;
  r.suite = suite;
  r.started_at = started_at;
  r.git = std::move(git);
  r.tags = std::move(tags);
  r.tool_version = "0.1.0";
  return r;
}

void store_run(Store& store, const RunRecord& r, const std::vector<json>& benchmarks, bool complete = true) {
  std::string id = store.begin_run(r);
  for (const auto& b : benchmarks) store.add_benchmark(id, b);
  if (complete) store.complete_run(id);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The line of `text` that mentions `part` (the first), or "" when none does.
std::string line_with(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(part) != std::string::npos) return line;
  }
  return "";
}

// The parts as they appear in `text`, in order of appearance (each must appear).
std::vector<std::string> in_order_of_appearance(const std::string& text, std::vector<std::string> parts) {
  std::sort(parts.begin(), parts.end(), [&](const std::string& a, const std::string& b) {
    return text.find(a) < text.find(b);
  });
  return parts;
}

// webhook: w1 (main), w2 (feature, dirty), w3 (incomplete), w4 (no git); build: b1.
class History : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "perfgate-history-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_path_ = (dir_ / "history.db").string();
    auto store = open_store(store_path_);
    store_run(*store,
              record("run-w1", "webhook", "2026-11-23T22:50:00.000Z",
                     GitState{"aaaaaaaaaa111111111122222222223333333333", "main", false}, {{"pr", "41"}}),
              {health(10, 1000), benchmark("webhook", {metric("latency_p95", 40, "ms", "lower")})});
    store_run(*store,
              record("run-w2", "webhook", "2026-11-23T22:51:00.000Z",
                     GitState{"bbbbbbbbbb111111111122222222223333333333", "feature", true}),
              {health(12.5, 1100)});
    store_run(*store,
              record("run-w3", "webhook", "2026-11-23T22:52:00.000Z",
                     GitState{"cccccccccc111111111122222222223333333333", "main", false}),
              {benchmark("health", {metric("latency_p95", 99, "ms", "lower")})}, false);
    store_run(*store, record("run-w4", "webhook", "2026-11-23T22:53:00.000Z", std::nullopt),
              {health(10, 990)});
    store_run(*store,
              record("run-b1", "build", "2026-11-23T22:54:00.000Z",
                     GitState{"dddddddddd111111111122222222223333333333", "main", false},
                     {{"ci", "yes"}, {"os", "linux"}}),
              {benchmark("make", {metric("wall_mean", 2.5, "s", "lower")})});
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static ProcessOutput history(std::vector<std::string> args) {
    args.insert(args.begin(), "history");
    args.insert(args.end(), {"--store", store_path_});
    return run_perfgate(args);
  }

  static inline fs::path dir_;
  static inline std::string store_path_;
};

TEST_F(History, ListsTheRunsNewestFirstWithStatusGitAndTags) {
  ProcessOutput out = history({});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  std::vector<std::string> ids{"run-w1", "run-w2", "run-w3", "run-w4", "run-b1"};
  for (const auto& id : ids) ASSERT_THAT(out.out, HasSubstr(id));
  EXPECT_EQ(in_order_of_appearance(out.out, ids),
            (std::vector<std::string>{"run-b1", "run-w4", "run-w3", "run-w2", "run-w1"}))
      << out.out;
  EXPECT_THAT(line_with(out.out, "run-b1"), HasSubstr("2026-11-23T22:54:00.000Z"));
  EXPECT_THAT(line_with(out.out, "run-b1"), HasSubstr("build"));
  EXPECT_THAT(line_with(out.out, "run-b1"), HasSubstr("dddddddddd main"));
  EXPECT_THAT(line_with(out.out, "run-b1"), HasSubstr("ci=yes os=linux"));
  EXPECT_THAT(line_with(out.out, "run-w3"), HasSubstr("incomplete"));
  EXPECT_THAT(line_with(out.out, "run-w2"), HasSubstr(" complete "));
  EXPECT_THAT(line_with(out.out, "run-w2"), HasSubstr("bbbbbbbbbb feature +dirty"));
  EXPECT_THAT(line_with(out.out, "run-w2"), Not(HasSubstr("bbbbbbbbbb1")));  // commits are shortened
  EXPECT_THAT(line_with(out.out, "run-w1"), HasSubstr("aaaaaaaaaa main"));
  EXPECT_THAT(line_with(out.out, "run-w1"), Not(HasSubstr("+dirty")));
  EXPECT_THAT(line_with(out.out, "run-w1"), HasSubstr("pr=41"));
  EXPECT_THAT(out.out, HasSubstr("5 runs, newest first"));
  // The columns line up: every row's status starts where the header's does.
  std::string header = line_with(out.out, "started");
  EXPECT_EQ(line_with(out.out, "run-w4").substr(header.find("git"), 2), "- ") << out.out;  // outside git
  EXPECT_EQ(line_with(out.out, "run-w3").find("incomplete"), header.find("status")) << out.out;
  EXPECT_EQ(line_with(out.out, "run-w1").find("complete"), header.find("status")) << out.out;
}

TEST_F(History, FiltersBySuiteAndShowsTheNewestN) {
  ProcessOutput out = history({"--suite", "webhook", "--last", "2"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("run-w4"));
  EXPECT_THAT(out.out, HasSubstr("run-w3"));
  EXPECT_THAT(out.out, Not(HasSubstr("run-w2")));
  EXPECT_THAT(out.out, Not(HasSubstr("run-w1")));
  EXPECT_THAT(out.out, Not(HasSubstr("run-b1")));
  EXPECT_LT(out.out.find("run-w4"), out.out.find("run-w3"));
  EXPECT_THAT(out.out, HasSubstr("--last 2"));

  ProcessOutput build = history({"--suite", "build"});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_THAT(build.out, HasSubstr("run-b1"));
  EXPECT_THAT(build.out, Not(HasSubstr("run-w")));
  EXPECT_THAT(build.out, HasSubstr("1 run, newest first"));
}

TEST_F(History, AnUnknownSuiteHasNoRunsAndASuggestion) {
  ProcessOutput out = history({"--suite", "webhok"});
  EXPECT_EQ(out.exit_code, 2) << out.err;  // as `history --help` says: an unknown suite is bad input
  EXPECT_THAT(out.err, HasSubstr("--suite: no runs of suite 'webhok'"));
  EXPECT_THAT(out.err, HasSubstr("did you mean 'webhook'?"));
  EXPECT_THAT(out.err, HasSubstr("build, webhook"));
}

TEST_F(History, ShowsASeriesOldestFirstWithTheChangeFromEachRun) {
  ProcessOutput out = history({"--suite", "webhook", "--benchmark", "health", "--metric", "latency_p95"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("webhook / health / latency_p95 (lower is better): 3 complete runs, oldest first"));
  EXPECT_THAT(out.out, Not(HasSubstr("run-w3")));  // incomplete runs are no part of a series
  EXPECT_LT(out.out.find("run-w1"), out.out.find("run-w2"));
  EXPECT_LT(out.out.find("run-w2"), out.out.find("run-w4"));
  std::string w1 = line_with(out.out, "run-w1"), w2 = line_with(out.out, "run-w2"), w4 = line_with(out.out, "run-w4");
  EXPECT_THAT(w1, HasSubstr("2026-11-23T22:50:00.000Z"));
  EXPECT_THAT(w1, HasSubstr("aaaaaaaaaa "));
  EXPECT_THAT(w1, HasSubstr("10 ms"));
  EXPECT_TRUE(w1.ends_with(" -")) << w1;  // nothing to change from
  EXPECT_THAT(w2, HasSubstr("12.5 ms"));
  EXPECT_THAT(w2, HasSubstr("+25.0% worse"));
  EXPECT_THAT(w4, HasSubstr("10 ms"));
  EXPECT_THAT(w4, HasSubstr("-20.0% better"));
  EXPECT_THAT(w4, HasSubstr("run-w4  -"));  // no git commit
}

TEST_F(History, AHigherIsBetterMetricCallsAnIncreaseBetter) {
  ProcessOutput out = history({"--suite", "webhook", "--benchmark", "health", "--metric", "throughput"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("(higher is better)"));
  EXPECT_THAT(line_with(out.out, "run-w1"), HasSubstr("1000 rps"));
  EXPECT_THAT(line_with(out.out, "run-w2"), HasSubstr("+10.0% better"));
  EXPECT_THAT(line_with(out.out, "run-w4"), HasSubstr("-10.0% worse"));
}

TEST_F(History, LastLimitsTheSeriesToTheNewestPoints) {
  ProcessOutput out =
      history({"--suite", "webhook", "--benchmark", "health", "--metric", "latency_p95", "--last", "2"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, Not(HasSubstr("run-w1")));
  EXPECT_THAT(line_with(out.out, "run-w2"), HasSubstr("12.5 ms"));
  EXPECT_TRUE(line_with(out.out, "run-w2").ends_with(" -"));
  EXPECT_THAT(line_with(out.out, "run-w4"), HasSubstr("-20.0% better"));
}

TEST_F(History, JsonListOnStdoutIsPureJson) {
  ProcessOutput out = history({"--json", "-"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json doc = json::parse(out.out);
  ASSERT_EQ(doc["runs"].size(), 5u);
  const json& runs = doc["runs"];
  EXPECT_EQ(runs[0]["id"], "run-b1");
  EXPECT_EQ(runs[0]["suite"], "build");
  EXPECT_EQ(runs[0]["tags"], (json{{"ci", "yes"}, {"os", "linux"}}));
  EXPECT_EQ(runs[0]["git"], (json{{"commit", "dddddddddd111111111122222222223333333333"}, {"branch", "main"},
                                  {"dirty", false}}));
  EXPECT_EQ(runs[1]["id"], "run-w4");
  EXPECT_TRUE(runs[1]["git"].is_null());
  EXPECT_EQ(runs[2]["status"], "incomplete");
  EXPECT_EQ(runs[3]["git"]["dirty"], true);
  EXPECT_EQ(runs[4]["started_at"], "2026-11-23T22:50:00.000Z");
  EXPECT_EQ(runs[4]["status"], "complete");
  EXPECT_THAT(out.err, HasSubstr("run-w1"));  // the table, for a person, on stderr
}

TEST_F(History, JsonSeriesToAFile) {
  std::string path = (dir_ / "series.json").string();
  ProcessOutput out =
      history({"--suite", "webhook", "--benchmark", "health", "--metric", "latency_p95", "--json", path});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("+25.0% worse"));
  json doc = json::parse(read_file(path));
  EXPECT_EQ(doc["suite"], "webhook");
  EXPECT_EQ(doc["benchmark"], "health");
  EXPECT_EQ(doc["metric"], "latency_p95");
  ASSERT_EQ(doc["points"].size(), 3u);
  EXPECT_EQ(doc["points"][0], (json{{"run_id", "run-w1"},
                                    {"started_at", "2026-11-23T22:50:00.000Z"},
                                    {"git_commit", "aaaaaaaaaa111111111122222222223333333333"},
                                    {"value", 10.0},
                                    {"unit", "ms"},
                                    {"better", "lower"}}));
  EXPECT_EQ(doc["points"][1]["value"], 12.5);
  EXPECT_EQ(doc["points"][2]["run_id"], "run-w4");
  EXPECT_TRUE(doc["points"][2]["git_commit"].is_null());
}

TEST_F(History, ASeriesNeedsASuiteWhenTheStoreHoldsSeveral) {
  ProcessOutput out = history({"--benchmark", "health", "--metric", "latency_p95"});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_THAT(out.err, HasSubstr("--suite is needed"));
  EXPECT_THAT(out.err, HasSubstr("build, webhook"));
  EXPECT_EQ(out.out, "");
}

TEST_F(History, TheOnlySuiteIsTheSeriesSuite) {
  std::string path = (dir_ / "one-suite.db").string();
  {
    auto store = open_store(path);
    store_run(*store, record("only-1", "solo", "2026-11-23T23:00:00.000Z", std::nullopt),
              {benchmark("b", {metric("m", 4, "", "higher")})});
    store_run(*store, record("only-2", "solo", "2026-11-23T23:01:00.000Z", std::nullopt),
              {benchmark("b", {metric("m", 5, "", "higher")})});
  }
  ProcessOutput out = run_perfgate({"history", "--store", path, "--benchmark", "b", "--metric", "m"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("solo / b / m"));
  EXPECT_THAT(line_with(out.out, "only-2"), HasSubstr("+25.0% better"));
}

TEST_F(History, AMissingStoreIsAUsageErrorAndIsNotCreated) {
  std::string path = (dir_ / "nowhere" / "history.db").string();
  ProcessOutput out = run_perfgate({"history", "--store", path});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("no run history at '" + path + "' yet"));
  EXPECT_THAT(out.err, HasSubstr("perfgate run creates it"));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir_ / "nowhere"));

  ProcessOutput url = run_perfgate({"history", "--store", "sqlite:" + path, "--suite", "x"});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_THAT(url.err, HasSubstr("no run history at 'sqlite:" + path + "' yet"));
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(History, AnEmptyStoreHasNoRuns) {
  std::string path = (dir_ / "empty.db").string();
  open_store(path);
  ProcessOutput out = run_perfgate({"history", "--store", path});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("no runs in '" + path + "' yet"));
  ProcessOutput series = run_perfgate({"history", "--store", path, "--benchmark", "b", "--metric", "m"});
  EXPECT_EQ(series.exit_code, 2);
  EXPECT_THAT(series.err, HasSubstr("no runs in '" + path + "' yet"));
}

TEST_F(History, MetricWithoutBenchmarkSaysWhichIsMissing) {
  ProcessOutput out = history({"--suite", "webhook", "--metric", "latency_p95"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("--metric 'latency_p95' needs --benchmark"));
  EXPECT_THAT(out.err, HasSubstr("health"));  // what there is to choose from
}

TEST_F(History, BenchmarkWithoutMetricListsItsMetrics) {
  ProcessOutput out = history({"--suite", "webhook", "--benchmark", "health"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("--benchmark 'health' needs --metric"));
  EXPECT_THAT(out.err, HasSubstr("latency_p95, throughput"));
  EXPECT_THAT(out.err, HasSubstr("run-w4"));  // the latest complete run, not the incomplete run-w3
}

TEST_F(History, AnUnknownMetricIsAnErrorWithASuggestion) {
  ProcessOutput out = history({"--suite", "webhook", "--benchmark", "health", "--metric", "latency_p59"});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_THAT(out.err, HasSubstr("no complete run of suite 'webhook' has metric 'latency_p59' of benchmark 'health'"));
  EXPECT_THAT(out.err, HasSubstr("latency_p95, throughput"));
  EXPECT_THAT(out.err, HasSubstr("did you mean 'latency_p95'?"));
}

TEST_F(History, AnUnknownBenchmarkIsAnErrorWithASuggestion) {
  ProcessOutput out = history({"--suite", "webhook", "--benchmark", "helth", "--metric", "latency_p95"});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_THAT(out.err, HasSubstr("suite 'webhook' has these benchmarks in its latest run (run-w4): health"));
  EXPECT_THAT(out.err, HasSubstr("did you mean 'health'?"));
}

TEST_F(History, AnUnknownSuiteForASeriesIsAnErrorWithASuggestion) {
  ProcessOutput out = history({"--suite", "biuld", "--benchmark", "make", "--metric", "wall_mean"});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_THAT(out.err, HasSubstr("--suite 'biuld': no runs of that suite"));
  EXPECT_THAT(out.err, HasSubstr("did you mean 'build'?"));
}

TEST_F(History, LastMustBeAtLeastOne) {
  for (const char* bad : {"0", "-3"}) {
    ProcessOutput out = history({"--last", bad});
    EXPECT_EQ(out.exit_code, 2) << bad;
    EXPECT_THAT(out.err, HasSubstr("--last")) << bad;
  }
  ProcessOutput text = history({"--last", "many"});
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_THAT(text.err, HasSubstr("--last"));
  ProcessOutput json_dir = history({"--json", "/nonexistent/h.json"});
  EXPECT_EQ(json_dir.exit_code, 2);
  EXPECT_THAT(json_dir.err, HasSubstr("--json: directory '/nonexistent' does not exist"));
}

TEST_F(History, HelpNamesTheOptionsAndExitCodes) {
  ProcessOutput out = run_perfgate({"history", "--help"});
  EXPECT_EQ(out.exit_code, 0);
  for (const char* option : {"--suite", "--benchmark", "--metric", "--last", "--json", "--store", "Exit codes"}) {
    EXPECT_THAT(out.out, HasSubstr(option));
  }
}

}  // namespace
}  // namespace perfgate::testing
