// `perfgate report trends` over the store: a stored history with a known shift is reported at
// the run where it happened, with its commit, size and direction, in text, JSON, Markdown and
// HTML; the operation-log form (`--input`) is untouched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/sqlite_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_perfgate;

class ReportTrends : public perfgate::testing::TempDirTest {
 protected:
  ReportTrends() : TempDirTest("perfgate-trends") {}

  // 24 runs of suite "api": latency_p99 10 ms, then from run 16 (commit c16…) 14 ms;
  // throughput flat. A few rows of wobble, the same every time.
  void store_history() {
    SqliteStore store(path("h.db"));
    for (int i = 0; i < 24; ++i) {
      RunRecord r;
      r.started_at = fmt::format("2026-12-01T10:{:02}:00.000Z", i);
      r.suite = "api";
      r.git = GitState{fmt::format("c{:02}{}", i, std::string(37, 'a')), "main", false};
      r.env = json::object();
      r.tool_version = "0.1.0";
      std::string id = store.begin_run(r);
      ids_.push_back(id);
      double wobble = 0.1 * ((i * 7) % 5);
      store.add_benchmark(id, {{"name", "health"},
                               {"kind", "http"},
                               {"valid", true},
                               {"invalid_reason", nullptr},
                               {"metrics", {{{"name", "latency_p99"}, {"value", (i < 16 ? 10.0 : 14.0) + wobble}, {"unit", "ms"}, {"better", "lower"}},
                                            {{"name", "throughput"}, {"value", 1000.0 + 10 * wobble}, {"unit", "rps"}, {"better", "higher"}}}}});
      store.complete_run(id, json::object());
    }
  }

  std::vector<std::string> ids_;
};

TEST_F(ReportTrends, AShiftIsNamedWithItsRunCommitSizeAndDirection) {
  store_history();
  ProcessOutput out = run_perfgate({"report", "trends", "--store", path("h.db"), "--json", path("t.json"), "--markdown",
                                    path("t.md"), "--html", path("t.html")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("api health latency_p99: +39.5% worse (10.19 ms -> 14.21 ms) from run"));
  EXPECT_THAT(out.out, HasSubstr("worse"));
  EXPECT_THAT(out.out, HasSubstr("from run " + ids_[16] + " (c16aaaaaaa"));
  EXPECT_THAT(out.out, HasSubstr("2 series, 1 without a change point"));

  json doc = json::parse(read("t.json"));
  ASSERT_EQ(doc["series"].size(), 2u);
  const json& p99 = doc["series"][0]["metric"] == "latency_p99" ? doc["series"][0] : doc["series"][1];
  const json& rps = doc["series"][0]["metric"] == "latency_p99" ? doc["series"][1] : doc["series"][0];
  ASSERT_EQ(p99["change_points"].size(), 1u);
  const json& c = p99["change_points"][0];
  EXPECT_EQ(c["run_id"], ids_[16]);
  EXPECT_EQ(c["index"], 16);
  EXPECT_EQ(c["direction"], "worse");
  EXPECT_NEAR(c["relative_change"].get<double>(), 0.4, 0.03);
  EXPECT_EQ(p99["points"].size(), 24u);
  EXPECT_TRUE(rps["change_points"].empty());

  std::string md = read("t.md");
  EXPECT_THAT(md, HasSubstr("| api | health | `latency_p99` | +"));
  EXPECT_THAT(md, HasSubstr("worse"));
  std::string html = read("t.html");
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("stroke-dasharray"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
}

TEST_F(ReportTrends, SelectionsAndAnEmptyStore) {
  store_history();
  ProcessOutput one = run_perfgate({"report", "trends", "--store", path("h.db"), "--metric", "throughput", "--json", "-"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  json doc = json::parse(one.out);  // stdout is the JSON alone
  ASSERT_EQ(doc["series"].size(), 1u);
  EXPECT_EQ(doc["series"][0]["metric"], "throughput");
  EXPECT_THAT(one.err, HasSubstr("1 series, 1 without a change point"));

  ProcessOutput recent = run_perfgate({"report", "trends", "--store", path("h.db"), "--suite", "nope"});
  EXPECT_EQ(recent.exit_code, 0);
  EXPECT_THAT(recent.out, HasSubstr("no metric has two or more complete runs"));

  ProcessOutput missing = run_perfgate({"report", "trends", "--store", path("none.db")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no run history at"));

  ProcessOutput bad = run_perfgate({"report", "trends", "--store", path("h.db"), "--days", "0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--days"));
}

}  // namespace
}  // namespace perfgate
