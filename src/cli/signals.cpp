// Interrupt handling; see signals.hpp.
#include "cli/signals.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace perfgate::cli {
namespace {

std::atomic<int> g_signals{0};
std::atomic<bool> g_interrupted{false};
constexpr int kMaxGroups = 64;
std::atomic<pid_t> g_groups[kMaxGroups];
std::atomic<int> g_cgroup_kill_fds[kMaxGroups];  // -1 or 0 when free (0 is never a cgroup.kill: stdin)
// Which cgroup each fd is for; read and written outside the handler only.
std::string g_cgroup_paths[kMaxGroups];
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<pid_t>::is_always_lock_free,
              "read and set from a signal handler");

void on_signal(int) {
  g_interrupted.store(true);
  if (g_signals.fetch_add(1) >= 1) {
    for (auto& group : g_groups) {
      pid_t g = group.load();
      if (g > 0) kill(-g, SIGKILL);
    }
    for (auto& fd : g_cgroup_kill_fds) {
      int f = fd.load();
      if (f > 0) {
        [[maybe_unused]] ssize_t written = write(f, "1", 1);
      }
    }
    _exit(130);
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction previous {};
    sigaction(signal_number, nullptr, &previous);
    if (previous.sa_handler == SIG_IGN && signal_number == SIGHUP) continue;  // `nohup perfgate …`
    sigaction(signal_number, &action, nullptr);
  }
  signal(SIGPIPE, SIG_IGN);
}

bool interrupted() noexcept { return g_interrupted.load(); }

void kill_on_forced_exit(pid_t group) noexcept {
  for (auto& slot : g_groups) {
    if (slot.load() == group) return;
  }
  for (auto& slot : g_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, group)) return;
  }
}

void forget_on_forced_exit(pid_t group) noexcept {
  for (auto& slot : g_groups) {
    pid_t expected = group;
    slot.compare_exchange_strong(expected, 0);
  }
}

void kill_cgroup_on_forced_exit(const std::string& cgroup) noexcept {
  for (int i = 0; i < kMaxGroups; ++i) {
    if (g_cgroup_kill_fds[i].load() > 0) continue;
    const int fd = open((cgroup + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd <= 0) return;  // before Linux 5.14: the process group kill must do
    g_cgroup_paths[i] = cgroup;
    g_cgroup_kill_fds[i].store(fd);
    return;
  }
}

void forget_cgroup_on_forced_exit(const std::string& cgroup) noexcept {
  for (int i = 0; i < kMaxGroups; ++i) {
    if (g_cgroup_kill_fds[i].load() <= 0 || g_cgroup_paths[i] != cgroup) continue;
    const int fd = g_cgroup_kill_fds[i].exchange(0);
    close(fd);
  }
}

const std::atomic<bool>& interrupt_flag() noexcept { return g_interrupted; }

}  // namespace perfgate::cli
