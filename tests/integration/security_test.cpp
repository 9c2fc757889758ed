// The security promises of docs/security.md, end to end with the real binary: secrets from the
// environment reach no file perfgate writes and none of its output, and every signal that ends
// a run (TERM, HUP, QUIT) still stops the services and keeps what was measured.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run/service_supervisor.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using perfgate::testing::BackgroundProcess;
using perfgate::testing::free_port;
using perfgate::testing::perfgate_binary;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_process;
using ::testing::HasSubstr;

// Distinctive values, so that a hit can only be a leak.
const std::vector<std::pair<std::string, std::string>> kSecrets = {
    {"TOKEN", "tok-5e7a91c3"},    // Authorization header and a cmd command
    {"XKEY", "xkey-0b44d2e8"},    // a header named in redact:
    {"APIKEY", "qkey-9c1f7a20"},  // a query parameter named in redact:, in a URL and a ready URL
    {"TRACE", "trace-61d0e4b7"},  // a header not named anywhere: shown as written
    {"DBPASS", "dbpw-3a8e5f19"},  // a service's env:, a cmd's prepare
};

class Security : public perfgate::testing::TempDirTest {
 protected:
  Security() : TempDirTest("perfgate-security") {}
  static std::string read_file(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // `perfgate ARGS...` in the temporary folder, with the secrets in its environment.
  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> v{"sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir_, "env"};
    for (const auto& [name, value] : kSecrets) v.push_back(name + "=" + value);
    v.push_back(perfgate_binary());
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }
  ProcessOutput perfgate(const std::vector<std::string>& args) const { return run_process(argv(args)); }

  // Every secret that occurs in `text`, named by its variable.
  static std::vector<std::string> leaks(const std::string& text) {
    std::vector<std::string> found;
    for (const auto& [name, value] : kSecrets) {
      if (text.find(value) != std::string::npos) found.push_back(name);
    }
    return found;
  }

  // Every file below the temporary folder (the store, the run folder, the logs, the reports)
  // that holds a secret.
  std::vector<std::string> files_with_secrets() const {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file()) continue;
      for (const auto& name : leaks(read_file(entry.path().string()))) found.push_back(entry.path().string() + ": " + name);
    }
    return found;
  }

};

TEST_F(Security, SecretsWrittenEverywhereInASuiteReachNoOutput) {
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  write("suite.yaml",
        "name: secrets\n"
        "redact: [X-Api-Key, api_key]\n"
        "services:\n"
        "  - name: target\n"
        "    command: exec " + perfgate_binary() + " serve --port " + std::to_string(port) + " --quiet\n"
        "    ready: \"" + base + "/health?api_key=${APIKEY}\"\n"
        "    env: {DB_PASSWORD: \"${DBPASS}\"}\n"
        "benchmarks:\n"
        "  - name: get\n"
        "    http:\n"
        "      url: \"" + base + "/health?api_key=${APIKEY}&page=2\"\n"
        "      headers: {Authorization: \"Bearer ${TOKEN}\", \"X-Api-Key \": \"${XKEY}\", X-Trace: \"${TRACE}\"}\n"
        "      requests: 200\n"
        "      connections: 2\n"
        "      threads: 1\n"
        "    thresholds: [error_rate < 1%]\n"
        "  - name: curl-like\n"
        "    cmd: {command: \"echo 'Authorization: Bearer ${TOKEN}' > /dev/null\", prepare: \"true ${DBPASS}\", "
        "runs: 3}\n");
  ProcessOutput out = perfgate({"run", "suite.yaml", "--store", "h.db", "--json", "result.json", "--markdown",
                                "comment.md", "--junit", "junit.xml", "--html", "report.html"});
  ASSERT_EQ(out.exit_code, 0) << out.out << out.err;
  EXPECT_THAT(leaks(out.out), ::testing::IsEmpty()) << out.out;
  EXPECT_THAT(leaks(out.err), ::testing::IsEmpty()) << out.err;
  EXPECT_THAT(files_with_secrets(), ::testing::IsEmpty());

  // What is shown instead: the text as written, the redacted names as ***.
  nlohmann::json doc = nlohmann::json::parse(read_file(path("result.json")));
  const nlohmann::json& config = doc["benchmarks"][0]["config"];
  EXPECT_EQ(config["url"], base + "/health?api_key=***&page=2");
  EXPECT_EQ(config["headers"]["Authorization"], "***");
  EXPECT_EQ(config["headers"]["X-Api-Key"], "***");
  EXPECT_EQ(config["headers"]["X-Trace"], "${TRACE}");
  EXPECT_EQ(doc["benchmarks"][0]["requests"]["ok"], 200) << "the filled-in values went on the wire";
  EXPECT_EQ(doc["benchmarks"][1]["config"]["command"], "echo 'Authorization: Bearer ${TOKEN}' > /dev/null");
  EXPECT_THAT(out.out, HasSubstr("cmd echo 'Authorization: Bearer ${TOKEN}' > /dev/null"));
}

TEST_F(Security, MessagesAboutBadValuesNeverQuoteASecret) {
  struct Case {
    std::string benchmark;
    std::string message;
  };
  const Case cases[] = {
      {"    http: {url: \"http://u:${DBPASS}@127.0.0.1:1/\"}\n", "http://***@127.0.0.1:1/"},  // userinfo
      {"    http: {url: \"http://127.0.0.1:1/\", connections: \"${DBPASS}\"}\n", "got '${DBPASS}'"},
      {"    http:\n      url: http://127.0.0.1:1/\n      headers: {X-Trace: \"a\\r\\nAuthorization: ${TOKEN}\"}\n",
       "line break"},
      {"    cmd: {command: x}\n    thresholds: [\"p95 < ${XKEY}\"]\n", "p95 < ${XKEY}"},
  };
  for (const Case& c : cases) {
    write("bad.yaml", "name: bad\nbenchmarks:\n  - name: b\n" + c.benchmark);
    ProcessOutput out = perfgate({"run", "bad.yaml", "--store", "h.db"});
    EXPECT_EQ(out.exit_code, 2) << out.out << out.err;
    EXPECT_THAT(out.err, HasSubstr(c.message));
    EXPECT_THAT(leaks(out.out + out.err), ::testing::IsEmpty()) << out.err;
  }
  ProcessOutput header = perfgate({"http", "http://127.0.0.1:1/", "-H", "Authorization Bearer tok-5e7a91c3"});
  EXPECT_EQ(header.exit_code, 2) << header.err;
  EXPECT_THAT(leaks(header.out + header.err), ::testing::IsEmpty()) << header.err;
  EXPECT_THAT(header.err, HasSubstr("--header: expected 'Name: value'"));
}

TEST_F(Security, HttpRedactsNamedQueryParametersInEveryOutput) {
  perfgate::testing::ServeProcess server({"--quiet"});
  ProcessOutput out = perfgate({"http", server.url("/health?api_key=qkey-9c1f7a20"), "-n", "20", "-c", "1",
                                "--redact", "api_key", "-H", "X-Trace: trace-61d0e4b7", "--redact", "x-trace",
                                "--json", "r.json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(leaks(out.out + out.err), ::testing::IsEmpty()) << out.out;
  EXPECT_THAT(files_with_secrets(), ::testing::IsEmpty());
  nlohmann::json doc = nlohmann::json::parse(read_file(path("r.json")));
  EXPECT_EQ(doc["benchmarks"][0]["name"], "GET /health?api_key=***");
  EXPECT_EQ(doc["benchmarks"][0]["config"]["headers"]["X-Trace"], "***");
}

// Each signal that ends a session — TERM (kill), HUP (the terminal or SSH session went away),
// QUIT (Ctrl-\) — stops the load, writes what was measured, stops the services and exits 130.
class RunSignal : public Security, public ::testing::WithParamInterface<int> {};

TEST_P(RunSignal, StopsTheServicesAndKeepsWhatWasMeasured) {
  const int signal_number = GetParam();
  struct sigaction current {};
  sigaction(signal_number, nullptr, &current);
  if (current.sa_handler == SIG_IGN) GTEST_SKIP() << "the test runs with the signal ignored (nohup), as would perfgate";
  const int port = free_port();
  write("suite.yaml",
        "name: signals\n"
        "services:\n"
        "  - name: target\n"
        "    command: echo $$$$ > service.pid; sleep 300 & exec " + perfgate_binary() + " serve --port " +
            std::to_string(port) + " --quiet\n"
        "    ready: http://127.0.0.1:" + std::to_string(port) + "/health\n"
        "benchmarks:\n"
        "  - name: long\n"
        "    http: {url: \"http://127.0.0.1:" + std::to_string(port) + "/health\", connections: 2, threads: 1, "
        "duration: 60s}\n");
  BackgroundProcess run(argv({"run", "suite.yaml", "--store", "h.db", "--json", "partial.json", "-q"}));
  ASSERT_TRUE(perfgate::testing::wait_for_port(port));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  run.signal(signal_number);
  EXPECT_EQ(run.wait(std::chrono::seconds(15)), 130) << run.out() << run.err();
  const pid_t group = static_cast<pid_t>(std::stol(read_file(path("service.pid"))));
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = perfgate::testing::process_group_dead(group);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "the service outlived " << strsignal(signal_number);
  nlohmann::json doc = nlohmann::json::parse(read_file(path("partial.json")));
  EXPECT_EQ(doc["run"]["status"], "incomplete");
  ASSERT_EQ(doc["benchmarks"].size(), 1u);
  EXPECT_GT(doc["benchmarks"][0]["requests"]["total"].get<int>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, RunSignal, ::testing::Values(SIGTERM, SIGHUP, SIGQUIT),
                         [](const ::testing::TestParamInfo<int>& signal) {
                           return std::string(signal.param == SIGTERM ? "Term" : signal.param == SIGHUP ? "Hup" : "Quit");
                         });

// With cgroups, even a service process that left its process group (setsid) dies with the
// services when a second signal forces perfgate out at once.
TEST_F(Security, ASecondSignalKillsWhatLeftTheProcessGroup) {
  {
    perfgate::run::ServiceSupervisor probe(dir_ + "/probe");
    perfgate::suite::ServiceSpec sleeper;
    sleeper.name = "probe";
    sleeper.command = "exec sleep 300";
    probe.start(sleeper);
    if (probe.cgroup_of("probe").empty()) GTEST_SKIP() << "no cgroups here: " << probe.containment_warning();
  }
  const int port = free_port();
  write("suite.yaml",
        "name: forced\n"
        "services:\n"
        "  - name: target\n"
        "    command: setsid sh -c 'echo $$$$ > escaped.pid; exec sleep 300' & exec " + perfgate_binary() +
            " serve --port " + std::to_string(port) + " --quiet\n"
        "    ready: http://127.0.0.1:" + std::to_string(port) + "/health\n"
        "benchmarks:\n"
        "  - name: long\n"
        "    http: {url: \"http://127.0.0.1:" + std::to_string(port) + "/health\", connections: 1, threads: 1, "
        "duration: 60s}\n");
  BackgroundProcess run(argv({"run", "suite.yaml", "--store", "h.db", "-q"}));
  ASSERT_TRUE(perfgate::testing::wait_for_port(port));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const pid_t escaped = static_cast<pid_t>(std::stol(read_file(path("escaped.pid"))));
  run.signal(SIGINT);
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(std::chrono::seconds(5)), 130) << run.err();
  bool dead = false;
  for (int i = 0; i < 150 && !dead; ++i) {
    dead = perfgate::testing::process_dead(escaped);
    if (!dead) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(dead) << "the setsid() process outlived a forced exit";
  if (!dead) kill(escaped, SIGKILL);
}

// Where perfgate may not create a cgroup (here: run as nobody), services still run, in process
// groups, and the user is told what that means.
TEST_F(Security, WithoutCgroupsServicesRunInProcessGroupsWithAWarning) {
  if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
    GTEST_SKIP() << "needs root and setpriv, to run perfgate as a user who may not create cgroups";
  }
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  write("suite.yaml",
        "name: fallback\nservices:\n  - {name: svc, command: exec sleep 300}\n"
        "benchmarks:\n  - {name: c, cmd: {command: \"true\", runs: 2}}\n");
  ProcessOutput out = run_process({"sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir_, "/usr/bin/setpriv",
                                   "--reuid=65534", "--regid=65534", "--clear-groups", perfgate_binary(), "run",
                                   "suite.yaml", "--store", "h.db", "-q"});
  EXPECT_EQ(out.exit_code, 0) << out.out << out.err;
  EXPECT_THAT(out.err, HasSubstr("warning: services run in process groups only"));
  EXPECT_THAT(out.err, HasSubstr("a service process that calls setsid() can outlive the run"));
}

TEST_F(Security, HttpWritesWhatWasMeasuredOnHangup) {
  struct sigaction current {};
  sigaction(SIGHUP, nullptr, &current);
  if (current.sa_handler == SIG_IGN) GTEST_SKIP() << "the test runs with SIGHUP ignored (nohup), as would perfgate";
  perfgate::testing::ServeProcess server({"--quiet"});
  BackgroundProcess run(argv({"http", server.url("/health"), "-d", "60s", "-c", "1", "-t", "1", "--json", "h.json"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  run.signal(SIGHUP);
  EXPECT_EQ(run.wait(std::chrono::seconds(10)), 130) << run.err();
  nlohmann::json doc = nlohmann::json::parse(read_file(path("h.json")));
  EXPECT_GT(doc["benchmarks"][0]["requests"]["total"].get<int>(), 0);
}

}  // namespace
