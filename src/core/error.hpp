// Errors meant for the user. The verb that catches one prints its message and
// returns the exit code DESIGN.md gives it: 2 for usage, 3 for a run that could not be done.
#pragma once

#include <stdexcept>
#include <string>

namespace perfgate {

// Bad options or configuration (exit 2). The message names the option or the place.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The run could not be done: target unreachable, a service failed to start (exit 3).
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace exit_code {
inline constexpr int kOk = 0;
inline constexpr int kGateFailed = 1;
inline constexpr int kUsage = 2;
inline constexpr int kRunFailed = 3;
inline constexpr int kInterrupted = 130;
}  // namespace exit_code

}  // namespace perfgate
