// The tree's CPU between readings, conserving the time of children that exited (see the header).
#include "monitor/tree_cpu.hpp"

#include <algorithm>
#include <unordered_map>

namespace perfgate::monitor {

std::uint64_t TreeCpuAccount::advance(std::span<const ProcessTimes> tree) {
  std::map<Key, ProcessTimes> current;
  for (const ProcessTimes& p : tree) {
    current.emplace(Key{p.pid, p.start_ticks}, p);
  }
  std::unordered_map<pid_t, const ProcessTimes*> present_by_pid;
  for (const auto& [key, p] : current) {
    present_by_pid[key.first] = &p;
  }

  // Growth of every process seen now: all of a new one's time falls in this interval (it did
  // not exist at the previous reading), including children it started and reaped meanwhile.
  std::int64_t delta = 0;
  std::unordered_map<pid_t, std::uint64_t> reaped_growth;  // credit against double counting
  for (const auto& [key, p] : current) {
    const auto before = previous_.find(key);
    if (before == previous_.end()) {
      delta += static_cast<std::int64_t>(p.own_ticks + p.reaped_ticks);
      continue;
    }
    const ProcessTimes& b = before->second;
    const std::uint64_t own = p.own_ticks > b.own_ticks ? p.own_ticks - b.own_ticks : 0;
    const std::uint64_t reaped = p.reaped_ticks > b.reaped_ticks ? p.reaped_ticks - b.reaped_ticks : 0;
    delta += static_cast<std::int64_t>(own + reaped);
    reaped_growth[key.first] = reaped;
  }

  // A process that left was (usually) reaped by an ancestor still here, whose reaped time grew
  // by the child's whole life; the part counted at earlier readings comes off, up to that
  // growth (a child reaped by nobody in the tree, or auto-reaped, adds nothing to any parent).
  for (const auto& [key, gone] : previous_) {
    if (current.contains(key)) {
      continue;
    }
    pid_t ancestor = gone.ppid;
    std::size_t hops = 0;
    while (!present_by_pid.contains(ancestor) && hops++ < previous_.size()) {
      auto up = std::find_if(previous_.begin(), previous_.end(),
                             [ancestor](const auto& entry) { return entry.first.first == ancestor; });
      if (up == previous_.end()) {
        break;
      }
      ancestor = up->second.ppid;
    }
    auto credit = reaped_growth.find(ancestor);
    if (credit == reaped_growth.end()) {
      continue;
    }
    const std::uint64_t counted = gone.own_ticks + gone.reaped_ticks;
    const std::uint64_t take = std::min(counted, credit->second);
    credit->second -= take;
    delta -= static_cast<std::int64_t>(take);
  }

  previous_ = std::move(current);
  if (!primed_) {
    primed_ = true;
    return 0;
  }
  return delta > 0 ? static_cast<std::uint64_t>(delta) : 0;
}

}  // namespace perfgate::monitor
