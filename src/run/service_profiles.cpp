// Profiles of a suite's services; see service_profiles.hpp.
#include "run/service_profiles.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "profile/flame_graph.hpp"
#include "profile/process_list.hpp"

namespace perfgate::run {

ServiceProfiles::ServiceProfiles(const std::vector<const suite::ServiceSpec*>& services, std::string run_directory)
    : run_directory_(std::move(run_directory)) {
  for (const auto* service : services) {
    if (service->profile) services_.push_back(service);
  }
  if (!services_.empty()) {
    try {
      perf_ = profile::find_perf();
    } catch (const RunError& e) {
      throw RunError(fmt::format("{}: service '{}' has profile: true, but {}", services_.front()->position.to_string(),
                                 services_.front()->name, e.what()));
    }
  }
}

void ServiceProfiles::prepare(const ServiceSupervisor& supervisor) {
  recorders_.clear();
  start_notes_.clear();
  for (const auto* service : services_) {
    std::vector<pid_t> pids =
        profile::processes_of(supervisor.process_group_of(service->name), supervisor.cgroup_of(service->name));
    if (pids.empty()) {
      start_notes_ += fmt::format("  note: service '{}' not profiled: it has no running process\n", service->name);
      continue;
    }
    try {
      recorders_.emplace_back(service->name, std::make_unique<profile::PerfRecorder>(perf_, pids, 99, true));
    } catch (const RunError& e) {
      start_notes_ += fmt::format("  note: service '{}' not profiled: {}\n", service->name, e.what());
    }
  }
}

void ServiceProfiles::start() {
  for (auto& [service, recorder] : recorders_) recorder->enable();
}

nlohmann::json ServiceProfiles::stop(const std::string& benchmark, std::string* notes) {
  nlohmann::json files = nlohmann::json::object();
  std::string said = start_notes_;
  for (auto& [service, recorder] : recorders_) {
    try {
      recorder->disable();
      profile::FoldedStacks stacks = recorder->stop();
      const std::string base = run_directory_ + "/" + benchmark + "." + service;
      write_output_file(base + ".folded", profile::format_folded(stacks));
      profile::FlameGraphOptions graph;
      graph.title = fmt::format("{}: service {}", benchmark, service);
      graph.subtitle = fmt::format("{} samples at 99 Hz during the measured window", stacks.total());
      write_output_file(base + ".svg", profile::render_flame_graph(stacks, graph));
      files[service] = {{"folded", base + ".folded"}, {"svg", base + ".svg"}, {"samples", stacks.total()}};
      said += fmt::format("  profile of '{}': {}.svg ({} samples)\n", service, base, stacks.total());
    } catch (const RunError& e) {
      said += fmt::format("  note: service '{}' not profiled: {}\n", service, e.what());
    }
  }
  recorders_.clear();
  start_notes_.clear();
  if (notes != nullptr) *notes += said;
  return files;
}

}  // namespace perfgate::run
