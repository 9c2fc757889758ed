// `perfgate profile` end to end: a CPU-busy program with known hot functions profiled with the
// real perf (skipped, saying why, where perf cannot sample), the folded shares and the SVG
// checked; exit 3 when perf is missing; folded files drawn without sampling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "profile/folded_stacks.hpp"
#include "profile/perf_recorder.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using perfgate::testing::BackgroundProcess;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_perfgate;
using perfgate::testing::run_process;
using ::testing::HasSubstr;

class Profile : public perfgate::testing::TempDirTest {
 protected:
  Profile() : TempDirTest("perfgate-profile") {}

  // Why perf cannot sample here, or "" when it can: the tests that need it are skipped then.
  static std::string perf_unavailable() {
    try {
      perfgate::profile::find_perf();
    } catch (const std::exception& e) {
      return e.what();
    }
    ProcessOutput probe = run_process({"perf", "record", "-o", "/dev/null", "-F", "99", "-g", "--", "true"});
    if (probe.exit_code != 0) return "perf record fails here: " + probe.err;
    return "";
  }

  // The file parses as XML (Python's parser: strict, with the expat errors a browser would give).
  static bool parses_as_xml(const std::string& file) {
    return run_process({"python3", "-c", "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])", file})
               .exit_code == 0;
  }
};

#define SKIP_WITHOUT_PERF()                                                   \
  do {                                                                        \
    std::string why = perf_unavailable();                                     \
    if (!why.empty()) GTEST_SKIP() << "perf cannot sample here: " << why;     \
  } while (0)

TEST_F(Profile, ACommandsHotFunctionsComeOutWithTheirShares) {
  SKIP_WITHOUT_PERF();
  ProcessOutput r = run_perfgate({"profile", "--frequency", "499", "--folded", path("cpu.folded"), "-o",
                                  path("cpu.svg"), "--json", path("cpu.json"), "--", PERFGATE_HOT_FUNCTIONS, "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stacks = perfgate::profile::read_folded_file(path("cpu.folded"));
  const double total = static_cast<double>(stacks.total());
  ASSERT_GT(total, 20) << "too few samples to judge: " << read("cpu.folded");
  const double hot = static_cast<double>(perfgate::profile::samples_containing(stacks, "busy::hot_three_quarters"));
  const double warm = static_cast<double>(perfgate::profile::samples_containing(stacks, "busy::warm_one_quarter"));
  // Three quarters and one quarter of the work (not of the time, so a loaded machine does not
  // move them); the tolerance is five binomial standard deviations of this many samples.
  const double tolerance = 5 * std::sqrt(0.75 * 0.25 / total) + 0.02;
  EXPECT_NEAR(hot / total, 0.75, tolerance) << read("cpu.folded");
  EXPECT_NEAR(warm / total, 0.25, tolerance) << read("cpu.folded");
  EXPECT_GT(hot, warm);
  // The process name is the root frame.
  EXPECT_TRUE(stacks.counts.begin()->first.starts_with("perfgate_hot_fu")) << stacks.counts.begin()->first;

  const std::string svg = read("cpu.svg");
  EXPECT_TRUE(parses_as_xml(path("cpu.svg")));
  EXPECT_THAT(svg, HasSubstr("busy::hot_three_quarters"));
  EXPECT_THAT(svg, HasSubstr("busy::warm_one_quarter"));

  auto doc = nlohmann::json::parse(read("cpu.json"));
  const auto& b = doc["benchmarks"][0];
  EXPECT_EQ(b["kind"], "profile");
  EXPECT_EQ(b["profile"]["samples"].get<double>(), total);
  EXPECT_EQ(b["profile"]["hottest_self"][0]["frame"], "busy::spin");
  EXPECT_THAT(r.out, HasSubstr("busy::spin"));  // the summary names what was on CPU
}

TEST_F(Profile, ARunningProcessByPidForADuration) {
  SKIP_WITHOUT_PERF();
  BackgroundProcess busy({PERFGATE_HOT_FUNCTIONS, "30"});
  auto started = std::chrono::steady_clock::now();
  ProcessOutput r = run_perfgate({"profile", "--pid", std::to_string(busy.pid()), "--duration", "2s", "--folded",
                                  path("pid.folded"), "-o", path("pid.svg")});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(took, std::chrono::seconds(25));  // ended by --duration, not by the program
  EXPECT_FALSE(perfgate::testing::process_dead(busy.pid()));  // a process we did not start is left running
  auto stacks = perfgate::profile::read_folded_file(path("pid.folded"));
  EXPECT_GT(perfgate::profile::samples_containing(stacks, "busy::hot_three_quarters"), 0u) << read("pid.folded");
}

TEST_F(Profile, InterruptedWritesWhatWasSampledAndExits130) {
  SKIP_WITHOUT_PERF();
  BackgroundProcess profiler({perfgate::testing::perfgate_binary(), "profile", "--folded", path("int.folded"), "-o",
                              path("int.svg"), "--", PERFGATE_HOT_FUNCTIONS, "60"});
  // Sampling has begun once the summary line is out.
  for (int i = 0; i < 300 && profiler.out().find("profiling") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  profiler.signal(SIGINT);
  ASSERT_EQ(profiler.wait(std::chrono::seconds(30)), 130) << profiler.err();
  EXPECT_TRUE(std::filesystem::exists(path("int.folded")));
  EXPECT_TRUE(std::filesystem::exists(path("int.svg")));
}

TEST_F(Profile, NoPerfInPathExits3SayingWhatToInstall) {
  ProcessOutput r = run_process({"/usr/bin/env", "PATH=" + dir_, perfgate::testing::perfgate_binary(), "profile",
                                 "--pid", "1", "-o", path("x.svg")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("linux-perf"));
  EXPECT_FALSE(std::filesystem::exists(path("x.svg")));
}

TEST_F(Profile, ASuiteWithProfileTrueAndNoPerfExits3BeforeAnythingStarts) {
  write("suite.yaml", "name: t\nservices:\n  - name: api\n    command: echo started > " + path("started") +
                          "; sleep 30\n    profile: true\nbenchmarks:\n  - name: b\n    cmd: {command: \"true\", runs: 2}\n");
  ProcessOutput r = run_process({"/usr/bin/env", "PATH=" + dir_, perfgate::testing::perfgate_binary(), "run",
                                 path("suite.yaml"), "--store", path("h.db")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("suite.yaml:3:5: service 'api' has profile: true, but perf is not installed"));
  EXPECT_FALSE(std::filesystem::exists(path("started")));
  EXPECT_FALSE(std::filesystem::exists(path("runs")));
}

TEST_F(Profile, ACommandThatCannotRunExits3) {
  SKIP_WITHOUT_PERF();
  ProcessOutput r = run_perfgate({"profile", "-o", path("x.svg"), "--", path("no-such-program")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no-such-program"));
}

TEST_F(Profile, BadOptionsExit2NamingThem) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"profile"}, "--pid PID, or -- CMD ARGS"},                            // nothing to profile
      {{"profile", "--pid", "1", "--", "true"}, "exclude each other"},       // two targets
      {{"profile", "--pid", "0"}, "--pid"},                                   // not a pid
      {{"profile", "--pid", "4194000"}, "--pid: no process 4194000"},         // no such process
      {{"profile", "--pid", "1", "--frequency", "0"}, "--frequency"},         // zero rate
      {{"profile", "--pid", "1", "--duration", "soon"}, "--duration"},        // not a duration
      {{"profile", "--render", "/nonexistent.folded"}, "--render"},           // unreadable input
      {{"profile", "--pid", "1", "--diff", "/nonexistent.folded"}, "--diff"}, // unreadable base
      {{"profile", "--pid", "1", "-o", "/nonexistent-dir/x.svg"}, "-o"},      // output nowhere
  };
  for (const Case& c : cases) {
    ProcessOutput r = run_perfgate(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
  }
}

TEST_F(Profile, RenderDrawsAFoldedFileAndADifferentialGraph) {
  write("base.folded", "app;main;parse 30\napp;main;render 70\n");
  write("new.folded", "app;main;parse 60\napp;main;render 40\napp;main;<script>&\"x\" 1\n");
  ProcessOutput r = run_perfgate({"profile", "--render", path("new.folded"), "-o", path("new.svg")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(parses_as_xml(path("new.svg")));
  EXPECT_THAT(read("new.svg"), HasSubstr("&lt;script&gt;&amp;&quot;x&quot;"));

  r = run_perfgate({"profile", "--render", path("new.folded"), "--diff", path("base.folded"), "-o", path("diff.svg")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(parses_as_xml(path("diff.svg")));
  EXPECT_THAT(read("diff.svg"), HasSubstr("Differential"));
  EXPECT_THAT(read("diff.svg"), HasSubstr("parse\n60 samples (59.41%)\nbase: 30 samples (30.00%); change +29.41 points"));

  // The same input gives the same bytes.
  r = run_perfgate({"profile", "--render", path("new.folded"), "-o", path("again.svg")});
  EXPECT_EQ(read("again.svg"), read("new.svg"));
}

TEST_F(Profile, ASuiteServiceWithProfileTrueGetsItsFlameGraphsAndCompareTheDifferential) {
  SKIP_WITHOUT_PERF();
  const int port = perfgate::testing::free_port();
  write("suite.yaml", "name: profiled\n"
                      "services:\n"
                      "  - name: api\n"
                      "    command: exec " + perfgate::testing::perfgate_binary() + " serve --quiet --port " +
                          std::to_string(port) + "\n"
                      "    ready: http://127.0.0.1:" + std::to_string(port) + "/health\n"
                      "    profile: true\n"
                      "benchmarks:\n"
                      "  - name: health\n"
                      "    http: {url: \"http://127.0.0.1:" + std::to_string(port) +
                          "/health\", connections: 2, threads: 1, duration: 2s, warmup: 500ms}\n");
  auto run = [&](const std::string& json) {
    return run_process({"sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir_,
                        perfgate::testing::perfgate_binary(), "run", "suite.yaml", "--store", "h.db", "--json", json,
                        "--html", "report.html", "--baseline", "none"});
  };
  ProcessOutput first = run("first.json");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  auto doc = nlohmann::json::parse(read("first.json"));
  const std::string run_id = doc["run"]["id"];
  const auto& files = doc["benchmarks"][0]["profiles"]["api"];
  EXPECT_EQ(files["folded"], "./runs/" + run_id + "/health.api.folded");
  EXPECT_EQ(files["svg"], "./runs/" + run_id + "/health.api.svg");
  auto stacks = perfgate::profile::read_folded_file(path("runs/" + run_id + "/health.api.folded"));
  EXPECT_GT(stacks.total(), 0u);
  EXPECT_EQ(files["samples"].get<std::uint64_t>(), stacks.total());
  EXPECT_TRUE(stacks.counts.begin()->first.starts_with("perfgate")) << stacks.counts.begin()->first;  // the server's frames
  EXPECT_TRUE(parses_as_xml(path("runs/" + run_id + "/health.api.svg")));
  EXPECT_THAT(read("report.html"), HasSubstr("<a href=\"./runs/" + run_id + "/health.api.svg\">api</a>"));
  EXPECT_THAT(first.out, HasSubstr("health.api.svg"));

  ProcessOutput second = run("second.json");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const std::string second_id = nlohmann::json::parse(read("second.json"))["run"]["id"];
  ProcessOutput compared = run_process({"sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir_,
                                        perfgate::testing::perfgate_binary(), "compare", run_id, second_id, "--store",
                                        "h.db"});
  EXPECT_THAT(compared.out, HasSubstr("differential flame graph of health/api"));
  const std::string diff = "runs/" + second_id + "/health.api.diff.svg";
  ASSERT_TRUE(std::filesystem::exists(path(diff))) << compared.out << compared.err;
  EXPECT_TRUE(parses_as_xml(path(diff)));
  EXPECT_THAT(read(diff), HasSubstr("base: ")) << compared.out << read("second.json").substr(0, 300) << second.out;
}

}  // namespace
