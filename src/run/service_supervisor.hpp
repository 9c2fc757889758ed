// The `services:` of a suite: each started by `sh -c` in its own process group — and, where perfgate
// may create one, its own cgroup v2 — with stdout and stderr in a log file, waited for until it is
// ready, and stopped (TERM to the group and the cgroup, KILL after a grace) on every path out of
// the run, so that no process of a service outlives perfgate. A process group is left by any
// process that calls setsid(); a cgroup cannot be left without privileges, so with one, nothing of
// the service escapes the stop.
//
//   run::ServiceSupervisor services(".perfgate/logs");     // logs: .perfgate/logs/NAME.log
//   for (const auto& service : suite.services) services.start(service, &cli::interrupt_flag());
//   ...                                                   // benchmarks; between them:
//   if (auto failure = services.exited_service()) throw RunError(*failure);
//   services.stop_all();                                  // the destructor does it too
//
// start() makes perfgate a child subreaper (PR_SET_CHILD_SUBREAPER), so that a service's
// background processes, orphaned when its shell dies, are reparented to perfgate and reaped here
// instead of lingering as zombies that keep the group from being empty.
//
// Not thread-safe. Call start() from a thread that lives as long as the services (the main
// thread): Linux sends the parent-death signal when the thread that forked ends, not the process.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

// A service that could not be started or did not become ready (exit code 3). The message names
// the service, says what happened and ends with the last lines of its log.
class ServiceFailed : public RunError {
 public:
  ServiceFailed(std::string service, const std::string& message) : RunError(message), service_(std::move(service)) {}
  const std::string& service() const noexcept { return service_; }

 private:
  std::string service_;
};

class ServiceSupervisor {
 public:
  // Logs go to LOG_DIRECTORY/NAME.log (the directory is created, with parents, by start()).
  // stop_grace: the time between TERM and KILL.
  explicit ServiceSupervisor(std::string log_directory, Nanos stop_grace = std::chrono::seconds(5));
  ~ServiceSupervisor();  // stop_all()
  ServiceSupervisor(const ServiceSupervisor&) = delete;
  ServiceSupervisor& operator=(const ServiceSupervisor&) = delete;

  // Starts `/bin/sh -c COMMAND` as the leader of a new process group (in a new cgroup when
  // possible), stdin from /dev/null, stdout and stderr appended to the log, the service's env
  // added to perfgate's environment (or to none, with env_clear). The name must be a label
  // (suite::is_label), since it names the log file. With a ready check, repeats it (every
  // ~50 ms) until it succeeds, up to ready_timeout: ready_url until a GET answers 2xx,
  // ready_tcp until a connection is accepted, ready_command until it exits 0; without one,
  // checks that the process is still running ~100 ms later. Throws ServiceFailed (after stopping
  // what it started) when the process exits first, when it is not ready in time, or when *stop
  // becomes true meanwhile.
  void start(const suite::ServiceSpec& service, const std::atomic<bool>* stop = nullptr);

  // TERM to every service's process group (latest started first), then waits up to stop_grace
  // for each shell to exit and each group to be empty, then KILLs what is left; reaps. Returns
  // within stop_grace + ~1.5 s. Idempotent.
  void stop_all() noexcept;

  // "service 'api' exited with code 1" (or "was killed by signal 9") when a started service's
  // shell has exited on its own; nullopt while all are running. Once exited, always reported.
  std::optional<std::string> exited_service();

  std::string log_path(const std::string& name) const;
  // Empty when services are contained in cgroups; else why not, and what that means (a warning
  // for the user), once a service has been started.
  const std::string& containment_warning() const { return containment_warning_; }
  // The cgroup v2 folder of a started service ("" when it runs in a process group only).
  std::string cgroup_of(const std::string& name) const;
  // The pid of a started service's shell, the root of its process tree (-1 when not started).
  pid_t pid_of(const std::string& name) const;
  // The process group ids (= the shells' pids) of the started, not yet stopped services.
  std::vector<pid_t> process_groups() const;

 private:
  struct Service {
    std::string name;
    pid_t pid = -1;  // the shell, leader of process group `pid`
    std::string log_path;
    std::uint64_t log_offset = 0;  // where this start's output begins in the (appended) log
    bool leader_reaped = false;
    int wait_status = 0;     // when leader_reaped
    std::string cgroup;      // its cgroup v2 folder, "" when none could be created
    std::vector<pid_t> seen; // processes seen in the cgroup, reaped at the stop if they are ours
  };

  pid_t spawn(const suite::ServiceSpec& spec, Service& service);
  // A new cgroup for the service under perfgate's own: its folder, or "" (and the warning set).
  std::string make_cgroup(const std::string& name);
  void wait_until_ready(Service& service, const suite::ServiceSpec& spec, const std::atomic<bool>* stop);
  // Reaps the group leader if it has exited (without waiting); true when it has.
  static bool reap_if_exited(Service& service);
  [[noreturn]] void fail(const std::string& name, const std::string& what);
  // Stops these services' groups (TERM, grace, KILL) and reaps them; they stay in services_.
  void stop(std::span<Service* const> services) noexcept;

  std::string log_directory_;
  Nanos stop_grace_;
  std::string cgroup_root_;  // perfgate-PID under perfgate's own cgroup, once created
  std::string containment_warning_;
  std::vector<Service> services_;  // in start order
};

// KEY=VALUE entries for a process perfgate starts: perfgate's environment (none with `clear`)
// with `added` added or replaced.
std::vector<std::string> child_environment(bool clear, const std::map<std::string, std::string>& added);

// The last `lines` lines of a file (as written, newlines included), reading from byte
// `from_offset` on; "" when the file cannot be read.
std::string log_tail(const std::string& path, std::size_t lines, std::uint64_t from_offset = 0);

// One `GET` (Connection: close) to an http:// URL, connect and response within `timeout`: the
// status code, or nullopt with *error set ("connection refused", "timed out connecting", ...).
std::optional<int> http_get_status(const std::string& url, Nanos timeout, std::string* error);
// nullopt when HOST:PORT accepts a TCP connection within `timeout`, else why it did not.
std::optional<std::string> tcp_accept_error(const std::string& host_port, Nanos timeout);
// nullopt when `sh -c COMMAND` exits 0 within `timeout` (else its group is killed), else how it ended.
std::optional<std::string> ready_command_error(const std::string& command, Nanos timeout);

}  // namespace perfgate::run
