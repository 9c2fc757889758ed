// SIGINT/SIGTERM/SIGHUP/SIGQUIT handling for verbs that measure: the first signal asks the run to
// stop and keep what it measured; a second one exits at once with 130. SIGHUP (a closed terminal,
// a dropped SSH session) and SIGQUIT (Ctrl-\\) are handled like SIGTERM, so the services are
// stopped and the results written on those paths too. A signal that was ignored when perfgate
// started (`nohup perfgate …`) stays ignored.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>

namespace perfgate::cli {

void install_interrupt_handlers();
bool interrupted() noexcept;
// The same, as a flag a library loop can poll.
const std::atomic<bool>& interrupt_flag() noexcept;

// Process groups (a run's services) that the second signal kills before exiting, since the
// orderly stop never runs then. Up to 64 at a time; more are not tracked.
void kill_on_forced_exit(pid_t group) noexcept;
void forget_on_forced_exit(pid_t group) noexcept;
// The same for cgroups (their cgroup.kill, opened now, since a signal handler may only write to
// it): every process in them dies, those that left the process group with setsid() too.
void kill_cgroup_on_forced_exit(const std::string& cgroup) noexcept;
void forget_cgroup_on_forced_exit(const std::string& cgroup) noexcept;

}  // namespace perfgate::cli
