// CPU profiles of a suite's services marked `profile: true`: perf attached to each one's
// processes for a benchmark's measured window (warm-up excluded), then BENCH.SERVICE.folded and
// BENCH.SERVICE.svg written to the run folder, and their paths and sample counts returned for
// the benchmark's document ("profiles").
//
//   ServiceProfiles profiles(services, run_directory);   // RunError (exit 3) when perf cannot run
//   profiles.prepare(supervisor);                       // the benchmark begins: perf attached, not sampling
//   profiles.start();                                   // the measured window begins: sampling
//   nlohmann::json files = profiles.stop("health", &notes);  // {"api": {"folded": …, "svg": …, "samples": N}}
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "profile/perf_recorder.hpp"
#include "run/service_supervisor.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

class ServiceProfiles {
 public:
  // Keeps the services with `profile: true`; finds perf when there is one (RunError when perf is
  // missing or not permitted, before anything starts).
  ServiceProfiles(const std::vector<const suite::ServiceSpec*>& services, std::string run_directory);

  bool any() const { return !services_.empty(); }
  // Attaches perf, not yet sampling, to each profiled service's processes (its cgroup, else its
  // process group): perf's start-up, which takes long on a busy machine, happens before the
  // window. A service perf cannot attach to is left out, with a note for stop() to return.
  void prepare(const ServiceSupervisor& supervisor);
  // Sampling begins (the measured window opens).
  void start();
  // Sampling ends; perf is stopped and the files written. What went wrong is added to `notes`.
  nlohmann::json stop(const std::string& benchmark, std::string* notes);
  // Stops perf without writing anything (a benchmark whose window never opened).
  void discard() { recorders_.clear(); }

 private:
  std::string perf_;
  std::vector<const suite::ServiceSpec*> services_;
  std::string run_directory_;
  std::vector<std::pair<std::string, std::unique_ptr<profile::PerfRecorder>>> recorders_;
  std::string start_notes_;
};

}  // namespace perfgate::run
