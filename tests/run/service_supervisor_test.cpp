// Tests of run::ServiceSupervisor with real processes: `perfgate serve` as the service that gets
// ready, shell one-liners as the ones that misbehave. Every test checks that nothing of a service
// is left running afterwards: its process group is empty.
#include "run/service_supervisor.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/process.hpp"

namespace {

using perfgate::run::ServiceFailed;
using perfgate::testing::process_dead;
using perfgate::run::ServiceSupervisor;
using perfgate::suite::ServiceSpec;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class TempDir {
 public:
  TempDir() {
    std::string templ = "/tmp/perfgate-supervisor-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ServiceSpec service(const std::string& name, const std::string& command) {
  ServiceSpec spec;
  spec.name = name;
  spec.command = command;
  return spec;
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

std::string serve_command(int port) {
  return quoted(perfgate::testing::perfgate_binary()) + " serve --port " + std::to_string(port);
}

std::string local_url(int port, const std::string& target = "/") {
  return "http://127.0.0.1:" + std::to_string(port) + target;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool group_empty(pid_t pgid) { return kill(-pgid, 0) != 0 && errno == ESRCH; }

// Waits until the log contains `text` (the service got that far).
bool wait_for_log(const std::string& path, const std::string& text, milliseconds limit = milliseconds(5000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (slurp(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

TEST(ServiceSupervisor, StartsAServiceAndWaitsUntilItIsReady) {
  TempDir logs;
  const int port = perfgate::testing::free_port();
  ServiceSpec spec = service("api", serve_command(port));
  spec.ready_url = local_url(port);
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);

  std::string error;
  EXPECT_EQ(perfgate::run::http_get_status(local_url(port, "/health"), milliseconds(2000), &error), 200) << error;
  const std::vector<pid_t> groups = supervisor.process_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_FALSE(group_empty(groups[0]));
  EXPECT_EQ(supervisor.exited_service(), std::nullopt);

  supervisor.stop_all();
  EXPECT_TRUE(group_empty(groups[0]));
  EXPECT_TRUE(supervisor.process_groups().empty());
  supervisor.stop_all();  // idempotent
}

TEST(ServiceSupervisor, HttpGetStatusReportsStatusesAndErrors) {
  TempDir logs;
  const int port = perfgate::testing::free_port();
  std::string error;
  EXPECT_EQ(perfgate::run::http_get_status(local_url(port), milliseconds(1000), &error), std::nullopt);
  EXPECT_EQ(error, "connection refused");
  EXPECT_EQ(perfgate::run::http_get_status("ftp://x/", milliseconds(1000), &error), std::nullopt);
  EXPECT_NE(error.find("unsupported scheme"), std::string::npos) << error;

  ServiceSpec spec = service("api", serve_command(port));
  spec.ready_url = local_url(port);
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);
  EXPECT_EQ(perfgate::run::http_get_status(local_url(port, "/?status=503"), milliseconds(2000), &error), 503) << error;
}

// `ready: tcp://HOST:PORT` waits until the port accepts: the server is listening when start returns.
TEST(ServiceSupervisor, ReadyTcpWaitsUntilThePortAccepts) {
  TempDir logs;
  const int port = perfgate::testing::free_port();
  EXPECT_EQ(perfgate::run::tcp_accept_error("127.0.0.1:" + std::to_string(port), milliseconds(1000)),
            "connection refused");
  // The shell sleeps before it starts the server, so a check that did not wait would find nothing.
  ServiceSpec spec = service("api", "sleep 0.3; exec " + serve_command(port));
  spec.ready_tcp = "127.0.0.1:" + std::to_string(port);
  spec.ready_timeout = std::chrono::seconds(20);
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);
  EXPECT_EQ(perfgate::run::tcp_accept_error(*spec.ready_tcp, milliseconds(1000)), std::nullopt);
}

// `ready: {command: …}` runs the check until it exits 0; a check that never passes names itself.
TEST(ServiceSupervisor, ReadyCommandRunsUntilItExitsZero) {
  TempDir logs;
  const std::string flag = logs.path() + "/up";
  ServiceSpec spec = service("api", "sleep 0.3; touch " + quoted(flag) + "; exec sleep 30");
  spec.ready_command = "test -e " + quoted(flag);
  spec.ready_timeout = std::chrono::seconds(20);
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);
  EXPECT_TRUE(std::filesystem::exists(flag));  // ready only once the check passed

  ServiceSpec never = service("db", "exec sleep 30");
  never.ready_command = "exit 3";
  never.ready_timeout = milliseconds(300);
  try {
    supervisor.start(never);
    ADD_FAILURE() << "a check that always fails made the service ready";
  } catch (const ServiceFailed& error) {
    EXPECT_NE(std::string(error.what()).find("service 'db' was not ready after 300 ms: 'exit 3' exited with code 3"),
              std::string::npos)
        << error.what();
  }
}

TEST(ServiceSupervisor, StopAllLeavesNoOrphanedBackgroundProcesses) {
  TempDir logs;
  ServiceSupervisor supervisor(logs.path(), std::chrono::seconds(2));
  supervisor.start(service("workers", "sleep 300 & sleep 300 & echo started; wait"));
  ASSERT_TRUE(wait_for_log(supervisor.log_path("workers"), "started"));
  const pid_t pgid = supervisor.process_groups().at(0);
  EXPECT_FALSE(group_empty(pgid));

  const auto start = Clock::now();
  supervisor.stop_all();
  EXPECT_TRUE(group_empty(pgid)) << "a sleep of the service outlived stop_all";
  EXPECT_LT(seconds_since(start), 1.0) << "TERM should have been enough";
}

TEST(ServiceSupervisor, KillsAServiceThatIgnoresTermAfterTheGrace) {
  TempDir logs;
  ServiceSupervisor supervisor(logs.path(), milliseconds(300));
  // The ignored TERM is inherited by the sleep; the loop restarts a `wait` a trapped signal ends.
  supervisor.start(service("stubborn", "trap '' TERM; sleep 300 & echo trapped; while :; do wait; done"));
  ASSERT_TRUE(wait_for_log(supervisor.log_path("stubborn"), "trapped"));
  const pid_t pgid = supervisor.process_groups().at(0);

  const auto start = Clock::now();
  supervisor.stop_all();
  const double took = seconds_since(start);
  EXPECT_TRUE(group_empty(pgid));
  EXPECT_GE(took, 0.3);
  EXPECT_LT(took, 2.3);
}

TEST(ServiceSupervisor, AServiceThatExitsBeforeItIsReadyFails) {
  TempDir logs;
  ServiceSpec spec = service("api", "echo starting; echo boom >&2; exit 7");
  spec.ready_url = local_url(perfgate::testing::free_port());
  ServiceSupervisor supervisor(logs.path());
  try {
    supervisor.start(spec);
    FAIL() << "start should have thrown";
  } catch (const ServiceFailed& failure) {
    const std::string message = failure.what();
    EXPECT_EQ(failure.service(), "api");
    EXPECT_NE(message.find("service 'api' exited with code 7 before it was ready"), std::string::npos) << message;
    EXPECT_NE(message.find("last lines of " + supervisor.log_path("api") + ":\n    starting\n    boom"),
              std::string::npos)
        << message;
  }
  EXPECT_TRUE(supervisor.process_groups().empty());
}

TEST(ServiceSupervisor, AServiceKilledBySignalFails) {
  TempDir logs;
  ServiceSupervisor supervisor(logs.path());
  try {
    supervisor.start(service("api", "kill -9 $$"));
    FAIL() << "start should have thrown";
  } catch (const ServiceFailed& failure) {
    const std::string message = failure.what();
    EXPECT_NE(message.find("service 'api' was killed by signal 9 right after it started"), std::string::npos)
        << message;
    EXPECT_NE(message.find("nothing in " + supervisor.log_path("api")), std::string::npos) << message;
  }
}

TEST(ServiceSupervisor, AServiceThatIsNotReadyInTimeFailsAndIsStopped) {
  TempDir logs;
  const int port = perfgate::testing::free_port();
  ServiceSpec spec = service("api", "echo $$; exec " + serve_command(port));
  spec.ready_url = local_url(port, "/?status=503");
  spec.ready_timeout = std::chrono::seconds(1);
  ServiceSupervisor supervisor(logs.path());
  const auto start = Clock::now();
  try {
    supervisor.start(spec);
    FAIL() << "start should have thrown";
  } catch (const ServiceFailed& failure) {
    const std::string message = failure.what();
    EXPECT_NE(message.find("service 'api' was not ready after 1 s: " + *spec.ready_url + " answered HTTP 503"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(supervisor.log_path("api")), std::string::npos) << message;
  }
  const double took = seconds_since(start);
  EXPECT_GE(took, 1.0);
  EXPECT_LT(took, 3.0);
  EXPECT_TRUE(supervisor.process_groups().empty());
  const pid_t pgid = std::stoi(slurp(supervisor.log_path("api")));
  EXPECT_TRUE(group_empty(pgid));
}

TEST(ServiceSupervisor, AddsTheServiceEnvironmentToPerfgates) {
  TempDir logs;
  ASSERT_NE(getenv("PATH"), nullptr);
  ServiceSpec spec = service("env", "echo \"FOO=$FOO\"; echo \"PATH=$PATH\"; exec sleep 300");
  spec.env = {{"FOO", "bar"}};
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);
  ASSERT_TRUE(wait_for_log(supervisor.log_path("env"), "PATH="));
  const std::string log = slurp(supervisor.log_path("env"));
  EXPECT_NE(log.find("FOO=bar\n"), std::string::npos) << log;
  EXPECT_NE(log.find(std::string("PATH=") + getenv("PATH") + "\n"), std::string::npos) << log;
}

TEST(ServiceSupervisor, OverridesAnInheritedVariable) {
  TempDir logs;
  ServiceSpec spec = service("env", "echo \"HOME=$HOME\"; exec sleep 300");
  spec.env = {{"HOME", "/nowhere"}};
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);
  ASSERT_TRUE(wait_for_log(supervisor.log_path("env"), "HOME="));
  EXPECT_EQ(slurp(supervisor.log_path("env")), "HOME=/nowhere\n");
}

TEST(ServiceSupervisor, TheDestructorStopsTheServices) {
  TempDir logs;
  pid_t first = -1;
  pid_t second = -1;
  {
    ServiceSupervisor supervisor(logs.path(), std::chrono::seconds(2));
    supervisor.start(service("one", "sleep 300 & wait"));
    supervisor.start(service("two", "exec sleep 300"));
    const std::vector<pid_t> groups = supervisor.process_groups();
    ASSERT_EQ(groups.size(), 2u);
    first = groups[0];
    second = groups[1];
    EXPECT_FALSE(group_empty(first));
    EXPECT_FALSE(group_empty(second));
  }
  EXPECT_TRUE(group_empty(first));
  EXPECT_TRUE(group_empty(second));
}

TEST(ServiceSupervisor, ReportsAServiceThatExitedAfterItStarted) {
  TempDir logs;
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(service("steady", "exec sleep 300"));
  supervisor.start(service("short", "sleep 0.3; exit 4"));
  EXPECT_EQ(supervisor.exited_service(), std::nullopt);
  std::optional<std::string> exited;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!exited && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    exited = supervisor.exited_service();
  }
  EXPECT_EQ(exited, "service 'short' exited with code 4");
  EXPECT_EQ(supervisor.exited_service(), "service 'short' exited with code 4");  // still
  EXPECT_EQ(supervisor.process_groups().size(), 2u);
}

TEST(ServiceSupervisor, TheStopFlagInterruptsTheWait) {
  TempDir logs;
  ServiceSpec spec = service("api", "echo $$; exec sleep 300");
  spec.ready_url = local_url(perfgate::testing::free_port());  // nobody listens
  spec.ready_timeout = std::chrono::seconds(30);
  std::atomic<bool> stop{false};
  std::thread interrupter([&stop] {
    std::this_thread::sleep_for(milliseconds(200));
    stop = true;
  });
  ServiceSupervisor supervisor(logs.path());
  const auto start = Clock::now();
  try {
    supervisor.start(spec, &stop);
    ADD_FAILURE() << "start should have thrown";
  } catch (const ServiceFailed& failure) {
    EXPECT_NE(std::string(failure.what()).find("service 'api': interrupted"), std::string::npos) << failure.what();
  }
  interrupter.join();
  EXPECT_LT(seconds_since(start), 1.5);
  EXPECT_TRUE(supervisor.process_groups().empty());
  EXPECT_TRUE(group_empty(std::stoi(slurp(supervisor.log_path("api")))));
}

TEST(ServiceSupervisor, CreatesTheLogDirectoryAndAppendsToTheLog) {
  TempDir logs;
  const std::string directory = logs.path() + "/a/b";
  ServiceSupervisor supervisor(directory);
  EXPECT_EQ(supervisor.log_path("api"), directory + "/api.log");
  supervisor.start(service("api",
                           "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do "
                           "echo line $i; done; echo done; exec sleep 300"));
  ASSERT_TRUE(wait_for_log(supervisor.log_path("api"), "done"));
  EXPECT_EQ(perfgate::run::log_tail(supervisor.log_path("api"), 3), "line 24\nline 25\ndone\n");
  supervisor.stop_all();

  // A second start appends; what it reports comes from its own output only.
  try {
    supervisor.start(service("api", "echo second; exit 3"));
    FAIL() << "start should have thrown";
  } catch (const ServiceFailed& failure) {
    const std::string message = failure.what();
    EXPECT_NE(message.find(":\n    second"), std::string::npos) << message;
    EXPECT_EQ(message.find("line 25"), std::string::npos) << message;
  }
  const std::string log = slurp(supervisor.log_path("api"));
  EXPECT_EQ(log.substr(0, 7), "line 1\n");
  EXPECT_EQ(log.substr(log.size() - 12), "done\nsecond\n");
}

TEST(ServiceSupervisor, LogTailReturnsTheLastLines) {
  TempDir directory;
  const std::string path = directory.path() + "/x.log";
  EXPECT_EQ(perfgate::run::log_tail(path, 3), "");  // missing
  std::ofstream(path) << "one\ntwo\nthree\nfour";
  EXPECT_EQ(perfgate::run::log_tail(path, 2), "three\nfour");
  EXPECT_EQ(perfgate::run::log_tail(path, 10), "one\ntwo\nthree\nfour");
  EXPECT_EQ(perfgate::run::log_tail(path, 0), "");
  EXPECT_EQ(perfgate::run::log_tail(path, 10, 8), "three\nfour");
  std::ofstream(path) << "\n\nlast\n";
  EXPECT_EQ(perfgate::run::log_tail(path, 2), "\nlast\n");

  // A long log: only its end is read, and a cut first line is not shown.
  {
    std::ofstream out(path);
    for (int i = 0; i < 20000; ++i) out << "line number " << i << "\n";
  }
  EXPECT_EQ(perfgate::run::log_tail(path, 2), "line number 19998\nline number 19999\n");
}

TEST(ServiceSupervisor, TheServiceGetsOnlyTheStandardDescriptors) {
  TempDir logs;
  int leaky[2];
  ASSERT_EQ(pipe(leaky), 0);  // deliberately without O_CLOEXEC
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(service("fds", "ls /proc/$$/fd; echo end; exec sleep 300"));
  close(leaky[0]);
  close(leaky[1]);
  ASSERT_TRUE(wait_for_log(supervisor.log_path("fds"), "end"));
  EXPECT_EQ(slurp(supervisor.log_path("fds")), "0\n1\n2\nend\n");
}

TEST(ServiceSupervisor, AKilledPerfgateTakesTheServiceDown) {
  TempDir logs;
  int ends[2];
  ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
  const pid_t supervisor_process = fork();
  ASSERT_GE(supervisor_process, 0);
  if (supervisor_process == 0) {
    // Stands in for perfgate: starts a service, says which, waits to be SIGKILLed.
    close(ends[0]);
    try {
      ServiceSupervisor supervisor(logs.path());
      supervisor.start(service("api", "exec sleep 300"));
      const pid_t pid = supervisor.process_groups().at(0);
      if (write(ends[1], &pid, sizeof pid) != sizeof pid) _exit(2);
      for (;;) pause();  // with the supervisor alive: its destructor must not be what stops the service
    } catch (...) {
      _exit(1);
    }
  }
  close(ends[1]);
  pid_t service_pid = -1;
  pollfd readable{ends[0], POLLIN, 0};
  ASSERT_EQ(poll(&readable, 1, 5000), 1);
  ASSERT_EQ(read(ends[0], &service_pid, sizeof service_pid), static_cast<ssize_t>(sizeof service_pid));
  close(ends[0]);
  EXPECT_FALSE(process_dead(service_pid));

  kill(supervisor_process, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(supervisor_process, &status, 0), supervisor_process);
  // The sleep was reparented (to us, if an earlier test made this process a subreaper, else to
  // init): reaping is someone else's business, dying is the point.
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (!process_dead(service_pid) && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_TRUE(process_dead(service_pid));
  if (!process_dead(service_pid)) kill(service_pid, SIGKILL);  // the test failed: leave nothing behind
  waitpid(service_pid, &status, WNOHANG);
}

}  // namespace

namespace {

// Whether this machine lets perfgate create a cgroup v2 below its own (root, or a delegated
// subtree): then the supervisor contains services in cgroups.
bool cgroups_available(std::string* why) {
  TempDir logs;
  ServiceSupervisor probe(logs.path());
  probe.start(service("probe", "exec sleep 300"));
  const bool available = !probe.cgroup_of("probe").empty();
  *why = probe.containment_warning();
  return available;
}

}  // namespace

TEST(ServiceSupervisor, AServiceThatCallsSetsidIsStoppedWithItsCgroup) {
  std::string why;
  if (!cgroups_available(&why)) GTEST_SKIP() << "cgroups cannot be created here, so setsid() escapes: " << why;
  TempDir logs;
  const std::string pid_file = logs.path() + "/escaped.pid";
  ServiceSupervisor supervisor(logs.path(), milliseconds(500));
  // setsid leaves the service's process group (and the shell does not wait for it).
  supervisor.start(service("daemon", "setsid sh -c 'echo $$ > " + pid_file + "; exec sleep 300' & exec sleep 300"));
  ASSERT_TRUE(wait_for_log(pid_file, "\n"));
  const pid_t escaped = static_cast<pid_t>(std::stol(slurp(pid_file)));
  const pid_t pgid = supervisor.process_groups().at(0);
  ASSERT_NE(getpgid(escaped), pgid) << "the test's process did not leave the group";
  const std::string cgroup = supervisor.cgroup_of("daemon");
  EXPECT_TRUE(supervisor.containment_warning().empty());

  supervisor.stop_all();
  EXPECT_TRUE(group_empty(pgid));
  EXPECT_TRUE(process_dead(escaped)) << "the setsid() process outlived the stop";
  EXPECT_FALSE(std::filesystem::exists(cgroup)) << "the service's cgroup was not removed";
}

TEST(ServiceSupervisor, EnvClearStartsFromAnEmptyEnvironment) {
  TempDir logs;
  setenv("PERFGATE_TEST_CI_SECRET", "do-not-pass", 1);
  ServiceSpec spec = service("env", "env; echo done; exec sleep 300");
  spec.env = {{"ONLY", "this"}};
  spec.env_clear = true;
  ServiceSupervisor supervisor(logs.path());
  supervisor.start(spec);
  ASSERT_TRUE(wait_for_log(supervisor.log_path("env"), "done"));
  unsetenv("PERFGATE_TEST_CI_SECRET");
  const std::string log = slurp(supervisor.log_path("env"));
  EXPECT_NE(log.find("ONLY=this\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("do-not-pass"), std::string::npos) << log;
  EXPECT_EQ(log.find("HOME="), std::string::npos) << log;
}

TEST(ServiceSupervisor, ANameThatIsAPathIsRefusedBeforeAnyFileIsWritten) {
  TempDir logs;
  ServiceSupervisor supervisor(logs.path() + "/run");
  for (const char* name : {"../escaped", "/tmp/victim", ".hidden"}) {
    EXPECT_THROW(supervisor.start(service(name, "exec sleep 300")), ServiceFailed) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(logs.path() + "/escaped.log"));
  EXPECT_FALSE(std::filesystem::exists(logs.path() + "/run"));
}
