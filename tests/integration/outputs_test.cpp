// Integration tests of what perfgate writes and prints: outputs that never damage what the
// user points at (devices, FIFOs, links, /dev/stdout), modes that follow the umask, every
// output checked before anything is stored, "-" outputs alone on stdout, input that reaches a
// terminal, a spreadsheet or Markdown only escaped, and JSON inputs nested too deep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kHyperfine = std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/ingest/hyperfine/";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Outputs : public perfgate::testing::TempDirTest {
 protected:
  Outputs() : TempDirTest("perfgate-outputs") {}
  void SetUp() override {
    TempDirTest::SetUp();
    store_ = dir_ + "/history.db";
  }

  std::vector<std::string> ingest(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"ingest", "--format", "hyperfine", file, "--store", store_};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // A hyperfine export whose one command is named `name`.
  std::string hyperfine_named(const std::string& name) {
    json doc = json::parse(read_text(kHyperfine + "baseline.json"));
    doc["results"][0]["command"] = name;
    std::string path = dir_ + "/named.json";
    std::ofstream(path) << doc.dump();
    return path;
  }
  mode_t mode_of(const std::string& path) const {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode;
  }

  std::string store_;
};

TEST_F(Outputs, ACharacterDeviceGivenAsJsonIsWrittenNotReplaced) {
  std::string device = dir_ + "/mynull";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod refused (" << std::strerror(errno) << "): needs CAP_MKNOD";
  }
  ProcessOutput out = run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", device}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_TRUE(S_ISCHR(mode_of(device)));
}

TEST_F(Outputs, DevStdoutCarriesTheDocumentAloneAndKeepsWhatCameBefore) {
  ProcessOutput out = run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", "/dev/stdout"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(json::parse(out.out)["schema"], "perfgate.result/v1");
  EXPECT_THAT(out.err, HasSubstr("perfgate ingest: 2 benchmarks from"));
  // The shell's `>> file` is written at its end, not replaced.
  std::string file = dir_ + "/out.txt";
  std::ofstream(file) << "before\n";
  ProcessOutput appended = run_process(
      {"/bin/sh", "-c", perfgate_binary() + " ingest -f hyperfine " + kHyperfine + "baseline.json --store " + store_ +
                            " --json /dev/stdout >> " + file});
  ASSERT_EQ(appended.exit_code, 0) << appended.err;
  std::string text = read_text(file);
  EXPECT_THAT(text, StartsWith("before\n{"));
  EXPECT_TRUE(S_ISLNK(mode_of("/dev/stdout"))) << "never replaced";
}

TEST_F(Outputs, ALinkStaysALinkAndAFifosReaderGetsTheDocument) {
  std::string target = dir_ + "/target.json";
  ASSERT_EQ(::symlink("target.json", (dir_ + "/link.json").c_str()), 0);
  ASSERT_EQ(run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", dir_ + "/link.json"})).exit_code, 0);
  EXPECT_TRUE(S_ISLNK(mode_of(dir_ + "/link.json")));
  EXPECT_EQ(json::parse(read_text(target))["schema"], "perfgate.result/v1");

  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ProcessOutput piped = run_process({"/bin/sh", "-c",
                                     "cat " + fifo + " > " + dir_ + "/read.json & " + perfgate_binary() +
                                         " ingest -f hyperfine " + kHyperfine + "baseline.json --store " + store_ +
                                         " --json " + fifo + "; wait"},
                                    std::chrono::seconds(30));
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_TRUE(S_ISFIFO(mode_of(fifo)));
  EXPECT_EQ(json::parse(read_text(dir_ + "/read.json"))["schema"], "perfgate.result/v1");
}

TEST_F(Outputs, NewFilesFollowTheUmaskAndReplacedFilesKeepTheirMode) {
  std::string shared = dir_ + "/perf.json";
  ProcessOutput out = run_process({"/bin/sh", "-c",
                                   "umask 077 && exec " + perfgate_binary() + " ingest -f hyperfine " + kHyperfine +
                                       "baseline.json --store " + store_ + " --json " + shared});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(mode_of(shared) & 07777, 0600u);
  EXPECT_EQ(mode_of(store_) & 0077, 0u) << "the store too";
  std::string private_file = dir_ + "/private.json";
  std::ofstream(private_file) << "{}";
  ASSERT_EQ(::chmod(private_file.c_str(), 0600), 0);
  ASSERT_EQ(run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", private_file})).exit_code, 0);
  EXPECT_EQ(mode_of(private_file) & 07777, 0600u);
  EXPECT_EQ(json::parse(read_text(private_file))["schema"], "perfgate.result/v1");
}

TEST_F(Outputs, AnOutputThatCannotBeWrittenExits2BeforeAnythingIsStored) {
  // Root may write anywhere access() asks about, but not create a file in /proc.
  ProcessOutput out = run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", "/proc/perfgate-out.json"}));
  EXPECT_EQ(out.exit_code, 2) << out.err;
  EXPECT_THAT(out.err, HasSubstr("--json: cannot create files in directory '/proc'"));
  EXPECT_FALSE(fs::exists(store_)) << "nothing stored, so a retry does not store the run twice";
  ProcessOutput directory = run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", dir_}));
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_THAT(directory.err, HasSubstr("is a directory"));
}

TEST_F(Outputs, ADashOutputHasStdoutToItself) {
  std::string a = dir_ + "/a.json", b = dir_ + "/b.json";
  ASSERT_EQ(run_perfgate(ingest(kHyperfine + "baseline.json", {"--json", a})).exit_code, 0);
  ASSERT_EQ(run_perfgate(ingest(kHyperfine + "slower.json", {"--json", b})).exit_code, 0);
  ProcessOutput markdown = run_perfgate({"compare", a, b, "--store", store_, "--markdown", "-"});
  EXPECT_EQ(markdown.exit_code, 1) << markdown.err;  // slower.json regressed
  EXPECT_THAT(markdown.out, StartsWith("### perfgate:"));
  EXPECT_THAT(markdown.out, Not(HasSubstr("baseline: ")));
  EXPECT_THAT(markdown.err, HasSubstr("baseline: "));

  ProcessOutput both = run_perfgate({"compare", a, b, "--markdown", "-", "--json", "/dev/stdout"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("--markdown and --json both write to stdout"));
  EXPECT_EQ(both.out, "");

  ProcessOutput history = run_perfgate({"history", "--store", store_, "--json", "-"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(json::parse(history.out)["runs"].size(), 2u);
  EXPECT_THAT(history.err, HasSubstr("2 runs, newest first"));
}

TEST_F(Outputs, RunWithJunitDashPutsOnlyTheXmlOnStdout) {
  std::string suite = dir_ + "/suite.yaml";
  std::ofstream(suite) << "name: quick\nbenchmarks:\n  - name: b\n    cmd: {command: \"true\", runs: 2}\n";
  ProcessOutput out = run_perfgate({"run", suite, "--store", store_, "--junit", "-"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, StartsWith("<?xml"));
  EXPECT_THAT(out.err, HasSubstr("perfgate run: suite 'quick'"));
  ProcessOutput unwritable = run_perfgate({"run", suite, "--store", dir_ + "/other.db", "--html", "/proc/x.html"});
  EXPECT_EQ(unwritable.exit_code, 2) << unwritable.err;
  EXPECT_FALSE(fs::exists(dir_ + "/other.db")) << "checked before the store is opened";
}

TEST_F(Outputs, NamesFromInputReachTheTerminalEscaped) {
  ProcessOutput out = run_perfgate(ingest(hyperfine_named("work\x1b]0;pwned\x07\x1b[2J"), {"--tag", "k=\x1b[31mred"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(out.out, HasSubstr("work\\x1b]0;pwned\\x07\\x1b[2J"));
  ProcessOutput history = run_perfgate({"history", "--store", store_});
  EXPECT_THAT(history.out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(history.out, HasSubstr("k=\\x1b[31mred"));
}

TEST_F(Outputs, JsonNestedTooDeepIsRefusedNamingTheFileAndTheDepth) {
  std::string deep = dir_ + "/deep.json";
  std::ofstream(deep) << std::string(200000, '[') << std::string(200000, ']');
  ProcessOutput ingested = run_perfgate(ingest(deep));
  EXPECT_EQ(ingested.exit_code, 2) << ingested.err;
  EXPECT_THAT(ingested.err, HasSubstr(deep + ": hyperfine: JSON nested more than 256 levels deep at line 1, column 257"));
  // Found by fuzzing: a number too large for a double was an internal error (exit 3).
  std::string huge = dir_ + "/huge.json";
  std::ofstream(huge) << R"({"results": [{"command": "x", "mean": 1e99999}]})";
  ProcessOutput overflow = run_perfgate(ingest(huge));
  EXPECT_EQ(overflow.exit_code, 2) << overflow.err;
  EXPECT_THAT(overflow.err, HasSubstr(huge + ": hyperfine: invalid JSON: number overflow parsing '1e99999'"));
  ProcessOutput compared = run_perfgate({"compare", deep, deep, "--store", store_});
  EXPECT_EQ(compared.exit_code, 2) << compared.err;
  EXPECT_THAT(compared.err, HasSubstr("'" + deep + "': JSON nested more than 256 levels deep"));
  EXPECT_FALSE(fs::exists(store_));
}

TEST_F(Outputs, ReportEscapesOperationNamesForTerminalsSpreadsheetsAndMarkdown) {
  std::string log = dir_ + "/ops.jsonl";
  std::ofstream(log) << R"({"timestamp":"2026-01-05T10:00:00Z","operation_type":"=HYPERLINK(\"x\")\u001b[2J<img src=x>","duration_ms":5,"success":true,"session_id":"\u001b]0;pwned\u0007"})"
                     << "\n";
  ProcessOutput text = run_perfgate({"report", "--input", log, "--now", "2026-01-06T00:00:00Z", "weekly"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text.out, HasSubstr("\\x1b]0;pwned\\x07"));
  ProcessOutput csv = run_perfgate({"report", "--input", log, "export", "--format", "csv"});
  EXPECT_THAT(csv.out, HasSubstr("\n\"'=HYPERLINK(\"\"x\"\")"));
  ProcessOutput markdown = run_perfgate({"report", "--input", log, "export", "--format", "markdown"});
  EXPECT_THAT(markdown.out, HasSubstr("&lt;img src=x&gt;"));
  EXPECT_THAT(markdown.out, Not(HasSubstr("<img")));
}

}  // namespace
}  // namespace perfgate::testing
