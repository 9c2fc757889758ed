// Interrupt handling; see signals.hpp.
#include "cli/signals.hpp"

#include <signal.h>
#include <unistd.h>

namespace perfgate::cli {
namespace {

std::atomic<int> g_signals{0};
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "set from a signal handler");

void on_signal(int) {
  g_interrupted.store(true);
  if (g_signals.fetch_add(1) >= 1) _exit(130);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool interrupted() noexcept { return g_interrupted.load(); }

const std::atomic<bool>& interrupt_flag() noexcept { return g_interrupted; }

}  // namespace perfgate::cli
