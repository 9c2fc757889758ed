// Resources in suites end to end: `perfgate serve` as a monitored service (its figures in the
// document, plausible, in every report, stored and compared), service thresholds that pass and
// fail (a benchmark's own and the suite's `resources:`), and services perfgate did not start,
// attached by pid, by pid file and by cgroup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using perfgate::testing::BackgroundProcess;
using perfgate::testing::free_port;
using perfgate::testing::perfgate_binary;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_process;
using perfgate::testing::ServeProcess;
using ::testing::HasSubstr;
using ::testing::Not;

class Resources : public perfgate::testing::TempDirTest {
 protected:
  Resources() : TempDirTest("perfgate-resources") {}

  // `perfgate serve` started by the suite and monitored, one short http benchmark on it (with a
  // warm-up, which the figures leave out) and one cmd benchmark; `thresholds` and `resources`
  // are the YAML lists written after them. The service's shell holds 4 MB in a variable while
  // serve runs as its child: the figures are the whole tree's (serve alone may have a PSS of
  // about 1 MB, since it shares its pages with every process that maps the same files).
  std::string monitored_suite(int port, const std::string& thresholds, const std::string& resources) const {
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/health";
    return "name: monitored\n"
           "services:\n"
           "  - name: api\n"
           "    command: held=$$(head -c 4000000 /dev/zero | tr '\\0' x); " + perfgate_binary() + " serve --port " +
           std::to_string(port) + " --quiet\n"
           "    ready: " + url + "\n"
           "    monitor: {interval: 100ms}\n"
           "benchmarks:\n"
           "  - name: health\n"
           "    http: {url: \"" + url + "\", connections: 2, threads: 1, duration: 2s, warmup: 500ms}\n"
           "    thresholds: " + thresholds + "\n"
           "  - name: nap\n"
           "    cmd: {command: \"sleep 0.05\", runs: 5, warmup: 1}\n"
           "resources: " + resources + "\n";
  }

  // Exit 0 and every attached service's figures measured, for a suite attaching to `attach`.
  nlohmann::json run_attached(const std::string& attach) const {
    write("attached.yaml",
          "name: attached\n"
          "services:\n"
          "  - name: target\n"
          "    attach: " + attach + "\n"
          "benchmarks:\n"
          "  - name: nap\n"
          "    cmd: {command: \"sleep 0.1\", runs: 5}\n"
          "  - name: alone\n"
          "    cmd: {command: \"true\", runs: 2}\n"
          "    needs: []\n"
          "resources: [target.fds >= 1]\n");
    ProcessOutput out = perfgate({"run", "attached.yaml", "--store", "h.db", "--json", "attached.json", "-q"});
    EXPECT_EQ(out.exit_code, 0) << out.out << out.err;
    EXPECT_THAT(out.out, HasSubstr("pass  target.fds >= 1"));
    nlohmann::json doc = json_file("attached.json");
    EXPECT_EQ(doc["checks"].size(), 1u) << "the suite's resources: hold for the benchmarks that need the service";
    EXPECT_FALSE(doc["benchmarks"][1].contains("resources")) << "a benchmark that does not need it has no figures";
    return doc["benchmarks"][0];
  }
};

double metric(const nlohmann::json& benchmark, const std::string& name) {
  for (const auto& m : benchmark["metrics"]) {
    if (m["name"] == name) return m["value"].get<double>();
  }
  ADD_FAILURE() << "no metric " << name << " in " << benchmark.dump();
  return -1;
}

TEST_F(Resources, MonitoredServeHasPlausibleFiguresInEveryOutputAndTheStore) {
  int port = free_port();
  write("suite.yaml", monitored_suite(port, "[p99 < 1s, api.rss > 1MB, api.cpu_pct_max < 1000%]",
                                      "[api.threads >= 1, api.fds >= 3, api.rss < 1GB]"));
  ProcessOutput out = perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "r.json", "--markdown", "r.md",
                                "--html", "r.html", "--junit", "r.xml"});
  ASSERT_EQ(out.exit_code, 0) << out.out << out.err;
  EXPECT_THAT(out.out, HasSubstr("service 'api' monitored ("));
  EXPECT_THAT(out.out, HasSubstr("pass  api.rss > 1MB"));
  EXPECT_THAT(out.out, HasSubstr("pass  api.fds >= 3"));
  EXPECT_THAT(out.out, HasSubstr("  api: CPU "));

  nlohmann::json doc = json_file("r.json");
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  const nlohmann::json& health = doc["benchmarks"][0];
  EXPECT_GT(metric(health, "api.rss_max"), 1024.0 * 1024);
  EXPECT_GT(metric(health, "api.rss_max"), 4e6) << "the shell's 4 MB and serve's own, summed over the tree";
  EXPECT_LT(metric(health, "api.rss_max"), 1024.0 * 1024 * 1024);
  EXPECT_GE(metric(health, "api.threads_max"), 1);
  EXPECT_GE(metric(health, "api.fds_max"), 3) << "stdin, stdout, stderr at least";
  EXPECT_GT(metric(health, "api.cpu_pct_mean"), 0) << "it served requests for 2 s";
  EXPECT_GE(metric(health, "api.cpu_pct_max"), metric(health, "api.cpu_pct_mean"));
  const nlohmann::json& figures = health["resources"]["api"];
  // 2 s measured at 10 Hz: about 20 samples (one per 100 ms of the window, whatever its length
  // on a busy machine), each with its time from the start of the window.
  const nlohmann::json& timeline = health["resource_timeline"]["api"];
  ASSERT_EQ(timeline.size(), figures["samples"].get<std::size_t>());
  ASSERT_GE(timeline.size(), 8u);
  double window_s = timeline.back()["t"].get<double>();
  EXPECT_GE(window_s, 1.5) << "the window covers the 2 s measured";
  EXPECT_LE(static_cast<double>(timeline.size()), window_s / 0.1 + 3);
  EXPECT_GE(timeline.front()["t"].get<double>(), 0);
  EXPECT_LE(timeline.front()["t"].get<double>(), 0.5);
  EXPECT_EQ(figures["rss_bytes"]["max"].get<double>(), metric(health, "api.rss_max"));
  // The cmd benchmark was sampled too, and both benchmarks' checks include the suite's.
  EXPECT_GE(metric(doc["benchmarks"][1], "api.threads_max"), 1);
  EXPECT_EQ(doc["checks"].size(), 9u);

  EXPECT_THAT(read("r.md"), HasSubstr("| health | api | "));
  EXPECT_THAT(read("r.html"), HasSubstr("aria-label=\"api RSS over time\""));
  EXPECT_THAT(read("r.html"), HasSubstr("aria-label=\"api CPU over time\""));
  EXPECT_THAT(read("r.xml"), HasSubstr("<property name=\"health api.rss_max\""));
  EXPECT_THAT(read("r.xml"), HasSubstr("name=\"api.fds &gt;= 3\""));

  auto store = perfgate::open_store(path("h.db"));
  auto stored = store->get_run(doc["run"]["id"].get<std::string>());
  ASSERT_TRUE(stored.has_value());
  EXPECT_THAT(stored->dump(), HasSubstr("\"api.rss_max\""));
  auto series = store->metric_series("monitored", "health", "api.rss_max", 10);
  ASSERT_EQ(series.size(), 1u);

  // A memory threshold that cannot hold: exit 1, naming it; the run is still stored and
  // compared, with the service's metrics among the rows.
  write("suite.yaml", monitored_suite(port, "[api.rss < 1KB]", "[api.fds < 100000]"));
  ProcessOutput failing = perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "f.json", "-q"});
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  EXPECT_THAT(failing.out, HasSubstr("FAIL  api.rss < 1KB  (observed "));
  EXPECT_THAT(failing.out, HasSubstr("pass  api.fds < 100000"));
  EXPECT_THAT(failing.out, HasSubstr("FAIL: 1 check failed"));
  ProcessOutput compared = perfgate({"compare", doc["run"]["id"].get<std::string>(),
                                     json_file("f.json")["run"]["id"].get<std::string>(), "--store", "h.db"});
  EXPECT_THAT(compared.out, HasSubstr("api.rss_max"));
  EXPECT_THAT(compared.out, HasSubstr("api.cpu_pct_mean"));
  EXPECT_EQ(store->metric_series("monitored", "health", "api.rss_max", 10).size(), 2u)
      << "a run whose threshold failed is complete and stored";
}

TEST_F(Resources, AttachByPidAndByPidFileToAProcessTheTestStarted) {
  // A shell that holds 4 MB in a variable while its child sleeps: its tree has two processes and
  // more than 4 MB, whatever the machine shares of the pages of its programs.
  BackgroundProcess held({"sh", "-c", "held=$(head -c 4000000 /dev/zero | tr '\\0' x); touch \"$0\"; sleep 300",
                          path("held.ready")});
  for (int i = 0; i < 500 && !std::filesystem::exists(path("held.ready")); ++i) ::usleep(10'000);
  ASSERT_TRUE(std::filesystem::exists(path("held.ready")));
  ::usleep(50'000);  // its sleep started
  pid_t pid = held.pid();
  nlohmann::json by_pid = run_attached("{pid: " + std::to_string(pid) + "}");
  EXPECT_GT(metric(by_pid, "target.rss_max"), 4e6);
  EXPECT_EQ(metric(by_pid, "target.threads_max"), 2) << "the shell and its sleep";
  EXPECT_GE(metric(by_pid, "target.fds_max"), 3);
  EXPECT_EQ(by_pid["resources"]["target"]["source"], "process tree of pid " + std::to_string(pid));

  write("held.pid", std::to_string(pid) + "\n");
  nlohmann::json by_file = run_attached("{pid_file: held.pid}");  // relative to the suite's folder
  EXPECT_GT(metric(by_file, "target.rss_max"), 4e6);
  EXPECT_EQ(by_file["resources"]["target"]["source"], "process tree of pid " + std::to_string(pid));
}

TEST_F(Resources, AttachTargetsThatCannotBeSampledExit2BeforeAnyLoad) {
  // A pid nobody has: beyond the kernel's pid_max.
  write("suite.yaml",
        "name: s\n"
        "services:\n"
        "  - {name: ghost, attach: {pid: 2147483000}}\n"
        "benchmarks:\n"
        "  - name: marker\n"
        "    cmd: {command: \"touch ran\", runs: 1}\n");
  ProcessOutput gone = perfgate({"run", "suite.yaml", "--store", "h.db", "-q"});
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_THAT(gone.err, HasSubstr("suite.yaml:3:33: service 'ghost': attach: pid 2147483000: no such process"));
  EXPECT_FALSE(std::filesystem::exists(path("ran"))) << "no benchmark may run";

  write("suite.yaml",
        "name: s\n"
        "services:\n"
        "  - {name: ghost, attach: {pid_file: none.pid}}\n"
        "benchmarks:\n"
        "  - {name: marker, cmd: {command: \"touch ran\", runs: 1}}\n");
  ProcessOutput no_file = perfgate({"run", "suite.yaml", "--store", "h.db", "-q"});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_THAT(no_file.err, HasSubstr("suite.yaml:3:38: service 'ghost': attach: pid_file none.pid: cannot be read"));

  write("suite.yaml",
        "name: s\n"
        "services:\n"
        "  - {name: ghost, attach: {cgroup: " + dir_ + "}}\n"
        "benchmarks:\n"
        "  - {name: marker, cmd: {command: \"touch ran\", runs: 1}}\n");
  ProcessOutput not_cgroup = perfgate({"run", "suite.yaml", "--store", "h.db", "-q"});
  EXPECT_EQ(not_cgroup.exit_code, 2);
  EXPECT_THAT(not_cgroup.err, HasSubstr("not a cgroup v2 folder (it has no cgroup.procs)"));
  EXPECT_FALSE(std::filesystem::exists(path("ran")));
}

// The cgroup v2 folder this process runs in, from /proc/self/mountinfo and /proc/self/cgroup.
std::string own_cgroup_v2() {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string mount;
  for (std::string line; std::getline(mounts, line);) {
    auto dash = line.find(" - cgroup2 ");
    if (dash == std::string::npos) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, device, root;
    fields >> id >> parent >> device >> root >> mount;
    break;
  }
  if (mount.empty()) return "";
  std::ifstream cgroups("/proc/self/cgroup");
  for (std::string line; std::getline(cgroups, line);) {
    if (line.starts_with("0::")) return mount + (line.size() > 4 ? line.substr(3) : "");
  }
  return "";
}

TEST_F(Resources, AttachByCgroup) {
  std::string own = own_cgroup_v2();
  if (own.empty()) GTEST_SKIP() << "no cgroup v2 file system mounted: cannot test attach: {cgroup: …}";
  std::string cgroup = own + "/perfgate-test-" + std::to_string(::getpid());
  if (::mkdir(cgroup.c_str(), 0755) != 0) {
    GTEST_SKIP() << "cannot create a cgroup under " << own << " (" << std::strerror(errno)
                 << "): cannot test attach: {cgroup: …}";
  }
  {
    ServeProcess serve({"--quiet"});
    std::ofstream procs(cgroup + "/cgroup.procs");
    procs << serve.process().pid() << std::flush;
    if (!procs) {
      ::rmdir(cgroup.c_str());
      GTEST_SKIP() << "cannot move a process into " << cgroup << ": cannot test attach: {cgroup: …}";
    }
    nlohmann::json b = run_attached("{cgroup: " + cgroup + "}");
    EXPECT_EQ(b["resources"]["target"]["source"], "cgroup " + cgroup);
    EXPECT_GE(b["resources"]["target"]["samples"].get<int>(), 1);
    EXPECT_GE(metric(b, "target.cpu_pct_mean"), 0);
  }
  for (int i = 0; i < 100 && ::rmdir(cgroup.c_str()) != 0; ++i) ::usleep(20'000);
}

}  // namespace
