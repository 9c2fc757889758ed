// Integration tests: the real `perfgate ingest` binary storing other harnesses' results in a
// temporary store, `perfgate compare` finding the regression between two hyperfine runs, and
// the usage errors (exit 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kFixtures = std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/ingest/";

class IngestVerb : public perfgate::testing::TempDirTest {
 protected:
  IngestVerb() : TempDirTest("perfgate-ingest-verb") {}
  void SetUp() override {
    TempDirTest::SetUp();
    store_ = dir_ + "/history.db";
  }

  // Ingests FILE and returns the stored run's id (from the result document on stdout).
  std::string ingest(const std::string& format, const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"ingest", "--format", format, file, "--store", store_, "--json", "-"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessOutput out = run_perfgate(args);
    EXPECT_EQ(out.exit_code, 0) << out.err;
    if (out.exit_code != 0) return "";
    last_document_ = json::parse(out.out);
    last_table_ = out.err;
    return last_document_["run"]["id"].get<std::string>();
  }

  std::string store_;
  json last_document_;
  std::string last_table_;
};

TEST_F(IngestVerb, TwoHyperfineRunsCompareWithARegressionWhereTheyDiffer) {
  std::string baseline = ingest("hyperfine", kFixtures + "hyperfine/baseline.json");
  std::string current = ingest("hyperfine", kFixtures + "hyperfine/slower.json", {"--tag", "branch=refactor"});
  ASSERT_FALSE(baseline.empty());
  ASSERT_FALSE(current.empty());
  EXPECT_THAT(last_table_, HasSubstr("2 benchmarks"));
  EXPECT_THAT(last_table_, HasSubstr("wall_mean"));
  EXPECT_EQ(last_document_["suite"], "hyperfine");
  EXPECT_EQ(last_document_["run"]["tags"]["branch"], "refactor");

  ProcessOutput out = run_perfgate({"compare", baseline, current, "--store", store_, "--json", "-"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  json report = json::parse(out.out);
  EXPECT_TRUE(report["gate_failed"].get<bool>());
  for (const auto& row : report["rows"]) {
    if (row["metric"] != "wall_mean") continue;
    if (row["benchmark"] == "work") {  // sleep 0.01 -> sleep 0.015
      EXPECT_EQ(row["verdict"], "regressed") << row["reason"];
      EXPECT_EQ(row["samples"], "per-run wall times");
      EXPECT_LT(row["p_value"].get<double>(), 0.01);
    } else {
      EXPECT_EQ(row["benchmark"], "steady");  // sleep 0.02 both times
      EXPECT_NE(row["verdict"], "regressed") << row["reason"];
    }
  }
}

// compare reads the files ingest reads, detecting the format, with the same verdicts as the stored runs.
TEST_F(IngestVerb, CompareReadsHarnessFilesDirectly) {
  ProcessOutput out = run_perfgate({"compare", kFixtures + "hyperfine/baseline.json", kFixtures + "hyperfine/slower.json",
                                    "--json", "-"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  EXPECT_THAT(out.err, HasSubstr("hyperfine/baseline.json (hyperfine)"));
  json report = json::parse(out.out);
  bool seen = false;
  for (const auto& row : report["rows"]) {
    if (row["metric"] == "wall_mean" && row["benchmark"] == "work") {
      EXPECT_EQ(row["verdict"], "regressed") << row["reason"];
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

// The load generators' reports are detected too, and compare on perfgate http's metric names.
TEST_F(IngestVerb, CompareDetectsLoadGeneratorReports) {
  for (const char* file : {"wrk/latency.txt", "vegeta/report.json", "oha/report.json"}) {
    std::string format = std::string(file).substr(0, std::string(file).find('/'));
    ProcessOutput out = run_perfgate({"compare", kFixtures + file, kFixtures + file, "--json", "-"});
    EXPECT_EQ(out.exit_code, 0) << file << ": " << out.err;
    EXPECT_THAT(out.err, HasSubstr(std::string(file) + " (" + format + ")"));
    json report = json::parse(out.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << out.out;
    bool seen = false;
    for (const auto& row : report["rows"]) seen = seen || row["metric"] == "latency_p99";
    EXPECT_TRUE(seen) << file;
  }
  std::string stored = ingest("wrk", kFixtures + "wrk/latency.txt", {"--name", "api"});
  EXPECT_FALSE(stored.empty());
}

// Run ids may be shortened to a unique prefix; a prefix of several lists them and exits 2.
TEST_F(IngestVerb, CompareTakesUniqueRunIdPrefixes) {
  std::string baseline = ingest("hyperfine", kFixtures + "hyperfine/baseline.json");
  std::string current = ingest("hyperfine", kFixtures + "hyperfine/slower.json");
  ASSERT_FALSE(baseline.empty());
  ASSERT_FALSE(current.empty());
  std::size_t common = 0;
  while (common < baseline.size() && baseline[common] == current[common]) ++common;
  ASSERT_LT(common, baseline.size());
  ProcessOutput out = run_perfgate(
      {"compare", baseline.substr(0, common + 1), current.substr(0, common + 1), "--store", store_, "--json", "-"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  EXPECT_THAT(out.err, HasSubstr("run " + baseline));
  EXPECT_THAT(out.err, HasSubstr("run " + current));

  ProcessOutput ambiguous = run_perfgate({"compare", baseline.substr(0, common), current, "--store", store_});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("run id prefix '" + baseline.substr(0, common) + "' is ambiguous"));
  EXPECT_THAT(ambiguous.err, HasSubstr("\n  " + baseline));
  EXPECT_THAT(ambiguous.err, HasSubstr("\n  " + current));
}

TEST_F(IngestVerb, TheRunIsStoredCompleteUnderTheSuite) {
  std::string id = ingest("google-benchmark", kFixtures + "google-benchmark/repetitions.json", {"--suite", "micro"});
  ASSERT_FALSE(id.empty());
  auto store = open_store(store_);
  auto latest = store->latest_complete_run("micro", std::nullopt);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->record.id, id);
  auto doc = store->get_run(id);
  ASSERT_TRUE(doc.has_value());
  ASSERT_EQ((*doc)["benchmarks"].size(), 3u);
  EXPECT_EQ((*doc)["benchmarks"][1]["samples"]["values"].size(), 5u);
}

TEST_F(IngestVerb, CriterionReadsItsDirectoryAndNameNamesTheBenchmark) {
  ASSERT_FALSE(ingest("criterion", kFixtures + "criterion/target-criterion", {"--name", "rust"}).empty());
  ASSERT_EQ(last_document_["benchmarks"].size(), 3u);
  EXPECT_EQ(last_document_["benchmarks"][0]["name"], "rust/join");
  ASSERT_FALSE(ingest("k6", kFixtures + "k6/summary-export.json", {"--name", "checkout"}).empty());
  EXPECT_EQ(last_document_["benchmarks"][0]["name"], "checkout");
  EXPECT_EQ(last_document_["benchmarks"][0]["ingested_name"], "k6");
}

TEST_F(IngestVerb, StandardInputIsReadWithDash) {
  ProcessOutput out = run_process({"sh", "-c",
                                   "cat '" + kFixtures + "go/count3.txt' | '" + perfgate_binary() +
                                       "' ingest --format go - --store '" + store_ + "'"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("3 benchmarks from <stdin> (go)"));
  EXPECT_THAT(out.out, HasSubstr("ns_per_op"));
}

TEST_F(IngestVerb, BadInputExits2) {
  ProcessOutput format =
      run_perfgate({"ingest", "--format", "hyperfin", kFixtures + "hyperfine/baseline.json", "--store", store_});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_THAT(format.err, HasSubstr("did you mean 'hyperfine'?"));
  ProcessOutput missing = run_perfgate({"ingest", "--format", "hyperfine", dir_ + "/nope.json", "--store", store_});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot read '" + dir_ + "/nope.json'"));
  ProcessOutput wrong =
      run_perfgate({"ingest", "--format", "hyperfine", kFixtures + "go/count3.txt", "--store", store_});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("count3.txt: hyperfine: invalid JSON at line 1, column 1"));
  ProcessOutput directory = run_perfgate({"ingest", "--format", "go", kFixtures + "go", "--store", store_});
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_THAT(directory.err, HasSubstr("is a directory"));
  ProcessOutput tag =
      run_perfgate({"ingest", "-f", "go", kFixtures + "go/cpu1.txt", "--tag", "novalue", "--store", store_});
  EXPECT_EQ(tag.exit_code, 2);
  EXPECT_THAT(tag.err, HasSubstr("--tag: expected KEY=VALUE"));
  EXPECT_FALSE(fs::exists(store_));  // nothing stored on bad input
}

}  // namespace
}  // namespace perfgate::testing
