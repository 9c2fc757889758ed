// The resources of a suite's monitored services (`monitor: true`, `attach:`): one sampling
// thread per service (monitor/resource_monitor.hpp) for the whole run, and for each benchmark
// the samples of its measured window (warm-up excluded) turned into the benchmark object's
// `metrics` (SERVICE.cpu_pct_mean, SERVICE.cpu_pct_max, SERVICE.rss_max, SERVICE.threads_max,
// SERVICE.fds_max), its `resources` and its `resource_timeline`. Knows nothing about the terminal.
//
//   check_attach_targets(services);                     // before anything starts: bad ones exit 2
//   ServiceMonitors monitors;
//   monitors.start(spec, supervisor.pid_of(name), supervisor.cgroup_of(name));  // once it is ready
//   auto window = monitors.open_window();               // the benchmark starts
//   window.skip(warmup_s);                              // or window.restart() when measuring begins
//   monitors.close_window(window, spec, outcome.benchmarks);  // its figures, into its benchmark objects
#pragma once

#include <sys/types.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "monitor/resource_monitor.hpp"
#include "monitor/resource_source.hpp"
#include "suite/suite.hpp"

namespace perfgate::run {

// Throws UsageError "FILE:LINE:COL: service 'api': attach: pid 4242: no such process" (or a pid
// file that cannot be read or holds no running pid, or a folder that is not a cgroup v2 one) for
// each service perfgate does not start. Those with a command are checked once they are ready.
void check_attach_targets(const std::vector<const suite::ServiceSpec*>& services);

// Why the target cannot be sampled ("no such process", "not a cgroup v2 folder: …"), or "".
std::string attach_problem(const suite::AttachTarget& target);

// The figures of one service over one window, into `benchmark` (perfgate.result/v1):
//   metrics            + SERVICE.cpu_pct_mean (percent), SERVICE.cpu_pct_max (percent),
//                        SERVICE.rss_max (bytes), SERVICE.threads_max, SERVICE.fds_max (count)
//   resources.SERVICE  = {"cpu_pct": {"mean", "max"}, "rss_bytes": {"max"}, "threads": {"max"},
//                         "fds": {"max"}, "samples": N, "source": "process tree of pid 12"}
//   resource_timeline.SERVICE = [{"t": s from window_start_s, "cpu_pct", "rss_bytes", "threads", "fds"}]
// Without samples no metric is added (a threshold on one is then "not measured") and
// resources.SERVICE says why in "note".
void add_service_resources(nlohmann::json& benchmark, const std::string& service, const std::string& source,
                           std::span<const monitor::ResourceSample> samples, double window_start_s,
                           const std::string& note = "");

class ServiceMonitors {
 public:
  ServiceMonitors() = default;
  ~ServiceMonitors();  // stops the threads
  ServiceMonitors(const ServiceMonitors&) = delete;
  ServiceMonitors& operator=(const ServiceMonitors&) = delete;

  // Starts sampling a monitored service: its attach target, else its cgroup (when perfgate put
  // it in one and the memory controller is on there: everything it started, also what left its
  // process tree), else the process tree of its shell `pid`. Throws RunError naming the service when the target cannot be sampled.
  void start(const suite::ServiceSpec& spec, pid_t pid, const std::string& cgroup);
  bool empty() const { return services_.empty(); }
  // What a started service's figures come from: "process tree of pid 12", "cgroup …"; "" if none.
  std::string source_of(const std::string& name) const;
  // Every started service's sampler, in start order (a soak reads whole timelines); valid while
  // this object lives, stopped or not.
  struct Sampled {
    std::string name;
    std::string source;
    const monitor::ResourceMonitor* monitor = nullptr;
  };
  std::vector<Sampled> sampled() const;
  void stop() noexcept;

  // A benchmark's measured window, in each monitor's own clock.
  class Window {
   public:
    void skip(double seconds);  // the warm-up: measuring begins later
    void restart();             // measuring begins now
   private:
    friend class ServiceMonitors;
    const ServiceMonitors* owner_ = nullptr;
    std::vector<double> from_s_;
  };
  Window open_window() const;
  // Ends the window now and adds the figures of each service the suite benchmark needs
  // (`needs:`, or all) to every benchmark object it produced (a cmd benchmark with several
  // commands and an ingest benchmark share the suite benchmark's window).
  // A sample is taken as the window opens (outside it) and one as it closes (inside), so even a
  // window shorter than the interval has one and the first covers only the window.
  void close_window(const Window& window, const suite::BenchmarkSpec& spec, std::vector<nlohmann::json>& benchmarks) const;

 private:
  struct Monitored {
    std::string name;
    std::string source;  // "process tree of pid 12", "cgroup /sys/fs/cgroup/…"
    std::unique_ptr<monitor::ResourceMonitor> monitor;
  };
  std::vector<Monitored> services_;
};

// "  api: CPU 45.2% mean, 98.0% max; RSS 12.3 MB; 5 threads; 12 fds (40 samples)" per monitored
// service of a benchmark object, for the terminal; "" when it has none.
std::string service_resource_lines(const nlohmann::json& benchmark);

}  // namespace perfgate::run
