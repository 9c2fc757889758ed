// Integration tests: `perfgate report` on the fixture week (tests/fixtures/oplog/README.md),
// through the real binary: the tables, the exports, stdin and compressed input, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kWeek = std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/oplog/week.jsonl";
const std::string kNow = "2026-01-08T00:00:00Z";

class Report : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("perfgate-report-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string slurp(const std::string& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::filesystem::path dir_;
};

TEST_F(Report, WeeklyPrintsAlignedTablesAndFlags) {
  ProcessOutput out = run_perfgate({"report", "--input", kWeek, "--now", kNow, "weekly"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("period: 2026-01-01T00:00:00.000Z to 2026-01-08T00:00:00.000Z"));
  EXPECT_THAT(out.out, HasSubstr("  operation        count  success  errors  avg ms  p95 ms  p99 ms  min ms  max ms"));
  EXPECT_THAT(out.out, HasSubstr("  db_query            10    10/10   0.00%   19.00  100.00  100.00   10.00  100.00  "
                                 "p95_over_2x_avg avg_up_over_20pct\n"));
  EXPECT_THAT(out.out, HasSubstr("reliability: 133 operations, 131 successful, 2 failed, error rate 1.50%"));
  EXPECT_THAT(out.out, HasSubstr("slowest 10:"));
  EXPECT_THAT(out.out, HasSubstr("  agent_register: error rate 5.00% > 1% (1 of 20 failed)"));
}

TEST_F(Report, OptionsMayAlsoFollowTheSubcommand) {
  ProcessOutput out = run_perfgate({"report", "monthly", "--input", kWeek, "--now", kNow, "--slowest", "2"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("slowest 2:"));
  EXPECT_THAT(out.out, HasSubstr("  legacy_op "));
}

TEST_F(Report, TrendsHasOneRowPerDayAndOperation) {
  ProcessOutput out = run_perfgate({"report", "--input", kWeek, "--now", kNow, "trends", "--days", "3"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("per day:"));
  EXPECT_THAT(out.out, HasSubstr("  2026-01-05  agent_register      3"));
  EXPECT_THAT(out.out, HasSubstr("  2026-01-07  db_query            1  100.00  100.00   0.00%"));
}

TEST_F(Report, ExportJsonToStdout) {
  ProcessOutput out =
      run_perfgate({"report", "--input", kWeek, "--now", kNow, "export", "--format", "json", "--days", "7"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  nlohmann::json doc = nlohmann::json::parse(out.out);
  EXPECT_EQ(doc["schema"], "perfgate.oplog-report/v1");
  ASSERT_EQ(doc["operations"].size(), 4u);
  EXPECT_EQ(doc["operations"][0]["operation_type"], "agent_register");
  EXPECT_EQ(doc["operations"][0]["avg_ms"], 10.5);
  EXPECT_EQ(doc["operations"][0]["p95_ms"], 19.0);
  EXPECT_EQ(doc["reliability"]["total"], 133);
  EXPECT_EQ(doc["skipped_lines"]["count"], 0);
  EXPECT_EQ(out.err, "");
}

TEST_F(Report, ExportCsvAndMarkdownToFiles) {
  std::string csv = path("ops.csv"), md = path("ops.md");
  ASSERT_EQ(run_perfgate({"report", "--input", kWeek, "export", "--format", "csv", "--output", csv}).exit_code, 0);
  EXPECT_THAT(slurp(csv), HasSubstr("\nagent_register,27,26,"));  // every record: 20 + 4 + 3 outside the weeks
  ASSERT_EQ(run_perfgate({"report", "--input", kWeek, "export", "--format", "markdown", "--output", md}).exit_code, 0);
  EXPECT_THAT(slurp(md), HasSubstr("| operation | count | success |"));
}

TEST_F(Report, StdinAndCompressedInputsAndMalformedLines) {
  std::string log = path("log.jsonl");
  std::filesystem::copy_file(kWeek, log);
  { std::ofstream(log, std::ios::app) << "not json\n\n{\"timestamp\":\"2026-01-02T00:00:00Z\"}\n"; }
  ASSERT_EQ(std::system(("gzip -k " + log + " && zstd -q " + log).c_str()), 0);
  for (const std::string& input : {log + ".gz", log + ".zst"}) {
    ProcessOutput out = run_perfgate({"report", "--input", input, "export", "--format", "json"});
    ASSERT_EQ(out.exit_code, 0) << out.err;
    nlohmann::json doc = nlohmann::json::parse(out.out);
    EXPECT_EQ(doc["reliability"]["total"], 145) << input;
    EXPECT_EQ(doc["skipped_lines"]["count"], 3) << input;
    EXPECT_EQ(doc["skipped_lines"]["first"][0]["line"], 146) << input;
    EXPECT_THAT(out.err, HasSubstr("skipped 3 malformed lines")) << input;
    EXPECT_THAT(out.err, HasSubstr(input + ":148: missing operation_type")) << input;
  }
  ProcessOutput piped =
      run_process({"sh", "-c", perfgate_binary() + " report --input - --now " + kNow + " weekly < " + log + ".gz"});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_THAT(piped.out, HasSubstr("3 malformed lines skipped"));
  EXPECT_THAT(piped.out, HasSubstr("  -:146: invalid JSON"));
}

TEST_F(Report, BadOptionsExitTwoNamingThem) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const Case cases[] = {
      {{"report", "--input", kWeek, "export", "--format", "xml"}, "--format"},
      {{"report", "--input", kWeek, "trends"}, "--days"},
      {{"report", "--input", kWeek, "trends", "--days", "0"}, "--days"},
      {{"report", "--input", kWeek, "--now", "yesterday", "weekly"}, "--now"},
      {{"report", "--input", kWeek, "--slowest", "-1", "weekly"}, "--slowest: expected a whole number from 0 to"},
      {{"report", "--input", kWeek, "--slowest", "99999999999999999999999", "weekly"}, "--slowest"},  // overflow
      {{"report", "--input", kWeek}, "subcommand"},
      {{"report", "weekly"}, "--input"},
      {{"report", "--input", kWeek, "yearly"}, "yearly"},
      {{"report", "--input", kWeek, "weekly", "extra"}, "extra"},
      {{"report", "--input", kWeek, "weekly", "--bogus"}, "--bogus"},
      {{"report", "--input", kWeek, "export", "--format", "csv", "--output", "/nonexistent/dir/x.csv"}, "--output"},
      {{"report", "--input", "-", "--input", "-", "weekly"}, "--input"},
  };
  for (const auto& c : cases) {
    ProcessOutput out = run_perfgate(c.args);
    EXPECT_EQ(out.exit_code, 2) << c.args.back() << "\n" << out.err;
    EXPECT_THAT(out.err, HasSubstr(c.names)) << c.args.back();
  }
}

TEST_F(Report, AMissingInputExitsTwoNamingIt) {
  std::string missing = path("missing.jsonl");
  ProcessOutput out = run_perfgate({"report", "--input", kWeek, "--input", missing, "weekly"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr(missing));
  EXPECT_EQ(out.out, "");  // nothing read or printed before the check
}

TEST_F(Report, HelpNamesTheSubcommands) {
  ProcessOutput out = run_perfgate({"report", "--help"});
  EXPECT_EQ(out.exit_code, 0);
  for (const char* word : {"weekly", "monthly", "trends", "export", "--input", "--now", "--slowest"}) {
    EXPECT_THAT(out.out, HasSubstr(word));
  }
  EXPECT_THAT(out.out, Not(HasSubstr("placeholder")));
}

// About 6 MB: 60 operations with decimal durations (their sums depend on the order to the last
// bit), out of time order over the 14 days before kNow, failures, and a malformed line every
// 1,009th line (their numbers in `malformed`).
std::string generated_log(std::vector<std::uint64_t>& malformed) {
  std::string text;
  std::uint64_t state = 88172645463325252ull;
  auto next = [&state] {  // xorshift64: the same log everywhere
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  char line[256];
  for (std::uint64_t n = 1; n <= 36'000; ++n) {
    if (n % 1009 == 0) {
      text += n % 2 == 0 ? "{\"operation_type\":\"broken\"\n" : "\n";
      malformed.push_back(n);
      continue;
    }
    std::uint64_t r = next();
    int day = static_cast<int>(r % 14);  // 2025-12-25 to 2026-01-07
    int written = std::snprintf(
        line, sizeof line,
        "{\"timestamp\":\"%s-%02dT%02d:%02d:%02d.%03dZ\",\"operation_type\":\"op_%02d\",\"duration_ms\":%d.%03d,"
        "\"success\":%s,\"session_id\":\"ses_%04d\",\"context\":{\"line\":%d}}\n",
        day < 7 ? "2025-12" : "2026-01", day < 7 ? 25 + day : day - 6, static_cast<int>(r / 14 % 24),
        static_cast<int>(r / 336 % 60), static_cast<int>(r / 20'160 % 60), static_cast<int>(r / 1'209'600 % 1000),
        static_cast<int>(r / 1'209'600'000 % 60), static_cast<int>(next() % 200), static_cast<int>(next() % 1000),
        next() % 40 == 0 ? "false" : "true", static_cast<int>(next() % 10'000), static_cast<int>(n));
    text.append(line, static_cast<std::size_t>(written));
  }
  return text;
}

TEST_F(Report, AnyNumberOfThreadsPrintsTheSameBytes) {
  std::vector<std::uint64_t> malformed;
  std::string log = path("big.jsonl");
  std::ofstream(log, std::ios::binary) << generated_log(malformed);
  ASSERT_GT(std::filesystem::file_size(log), 5'000'000u);
  const std::vector<std::vector<std::string>> reports = {
      {"weekly"},
      {"--slowest", "40", "monthly"},
      {"trends", "--days", "5"},
      {"export", "--format", "json"},
      {"export", "--format", "csv", "--days", "3"},
      {"export", "--format", "markdown"},
  };
  for (const auto& report : reports) {
    std::vector<std::string> args = {"report", "--input", log, "--input", kWeek, "--input", log, "--now", kNow};
    args.insert(args.end(), report.begin(), report.end());
    args.insert(args.end(), {"--threads", "1"});
    ProcessOutput one = run_perfgate(args);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    for (const char* threads : {"2", "3", "8"}) {
      args.back() = threads;
      ProcessOutput many = run_perfgate(args);
      EXPECT_EQ(many.exit_code, 0) << many.err;
      EXPECT_EQ(many.out, one.out) << report.back() << " with " << threads << " threads";
      EXPECT_EQ(many.err, one.err) << report.back() << " with " << threads << " threads";
    }
  }
  // Streams: a .zst file and stdin are cut into blocks of lines as they are read.
  ASSERT_EQ(std::system(("zstd -q -1 " + log).c_str()), 0);
  std::string piped = perfgate_binary() + " report --input " + log + ".zst --input - --now " + kNow +
                      " export --format markdown --threads ";
  ProcessOutput one = run_process({"sh", "-c", piped + "1 < " + log});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  for (const char* threads : {"2", "8"}) {
    ProcessOutput many = run_process({"sh", "-c", piped + threads + " < " + log});
    EXPECT_EQ(many.exit_code, 0) << many.err;
    EXPECT_EQ(many.out, one.out) << "streams with " << threads << " threads";
    EXPECT_EQ(many.err, one.err) << "streams with " << threads << " threads";
  }

  ProcessOutput json = run_perfgate({"report", "--input", log, "--threads", "3", "export", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["skipped_lines"]["count"], malformed.size());
  ASSERT_EQ(doc["skipped_lines"]["first"].size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(doc["skipped_lines"]["first"][i]["line"], malformed[i]);
  EXPECT_THAT(json.err, HasSubstr(log + ":1009: empty line"));
}

TEST_F(Report, ThreadsMustBeAWholeNumberFromOne) {
  for (const char* bad : {"0", "-1", "two", "257"}) {
    ProcessOutput out = run_perfgate({"report", "--input", kWeek, "--threads", bad, "weekly"});
    EXPECT_EQ(out.exit_code, 2) << bad;
    EXPECT_THAT(out.err, HasSubstr("--threads")) << bad;
  }
}

}  // namespace
}  // namespace perfgate::testing
