// The processes of a service; see process_list.hpp.
#include "profile/process_list.hpp"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace perfgate::profile {
namespace {

// The process group in /proc/PID/stat: the fifth field, after the command name in parentheses
// (which may hold spaces and parentheses itself, hence the last ')').
pid_t process_group(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  long parent = 0;
  long group = -1;
  rest >> state >> parent >> group;
  return rest ? static_cast<pid_t>(group) : -1;
}

}  // namespace

std::vector<pid_t> processes_of(pid_t group, const std::string& cgroup) {
  std::vector<pid_t> pids;
  if (!cgroup.empty()) {
    std::ifstream procs(cgroup + "/cgroup.procs");
    long pid = 0;
    while (procs >> pid) pids.push_back(static_cast<pid_t>(pid));
  }
  if (pids.empty() && group > 0) {
    if (DIR* dir = opendir("/proc")) {
      while (dirent* entry = readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0') continue;
        if (process_group(static_cast<pid_t>(pid)) == group) pids.push_back(static_cast<pid_t>(pid));
      }
      closedir(dir);
    }
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

}  // namespace perfgate::profile
