// The command `perfgate profile -- CMD` holds before its exec.
#include "profile/target_process.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "core/error.hpp"

namespace {

std::string comm_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

// perf files every sample under the thread's name; where it misses the name change at the exec,
// the held child's own name shows, so it already carries the program's (at most 15 characters).
TEST(TargetProcess, TheHeldChildIsNamedAfterTheProgramBeforeItsExec) {
  perfgate::profile::TargetProcess target({"/bin/a_program_with_a_long_name", "x"});
  std::string name;
  for (int i = 0; i < 200 && name != "a_program_with_"; ++i) {
    name = comm_of(target.pid());
    if (name != "a_program_with_") usleep(5000);  // the child names itself just after the fork
  }
  EXPECT_EQ(name, "a_program_with_");
  EXPECT_THROW(target.release(), perfgate::RunError);  // no such program
}

TEST(TargetProcess, ReleasedItRunsTheProgramAndReportsItsExitCode) {
  perfgate::profile::TargetProcess target({"sh", "-c", "exit 7"});
  target.release();
  while (!target.exited()) usleep(1000);
  EXPECT_EQ(target.exit_code(), 7);
}
