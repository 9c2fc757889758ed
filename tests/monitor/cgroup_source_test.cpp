// The cgroup v2 source: a directory that is not one is refused by name; our own cgroup, where
// the machine has v2 mounted, is read.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <sys/stat.h>

#include "core/error.hpp"
#include "monitor/resource_source.hpp"

namespace perfgate::monitor {
namespace {

TEST(CgroupSource, NotACgroupDirectoryNamesIt) {
  try {
    cgroup_source("/nonexistent/cgroup/dir");
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cgroup/dir"), std::string::npos);
  }
}

// Our own v2 cgroup ("0::/path" in /proc/self/cgroup) under the usual mount points, if any.
std::string own_cgroup_dir() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) {
      for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        const std::string dir = std::string(mount) + line.substr(3);
        struct stat info {};
        if (::stat((dir + "/cpu.stat").c_str(), &info) == 0 && ::stat((dir + "/cgroup.procs").c_str(), &info) == 0) {
          return dir;
        }
      }
    }
  }
  return {};
}

TEST(CgroupSource, ReadsOurOwnCgroup) {
  const std::string dir = own_cgroup_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "no cgroup v2 directory for this process";
  }
  auto source = cgroup_source(dir);
  auto sample = source->sample();
  ASSERT_TRUE(sample);
  EXPECT_GE(sample->processes, 1u);  // this test, at least
  EXPECT_GE(sample->fds, 3u);
  EXPECT_GE(sample->threads, 1u);
}

}  // namespace
}  // namespace perfgate::monitor
