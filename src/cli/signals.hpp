// SIGINT/SIGTERM handling for verbs that measure: the first signal asks the run to stop
// and keep what it measured; a second one exits at once with 130.
#pragma once

#include <atomic>

namespace perfgate::cli {

void install_interrupt_handlers();
bool interrupted() noexcept;
// The same, as a flag a library loop can poll.
const std::atomic<bool>& interrupt_flag() noexcept;

}  // namespace perfgate::cli
