// The figures of monitored services (perfgate run with `monitor: true` or `attach:`), read back
// from the benchmark objects' `resources`, for the Markdown and HTML reports.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perfgate::report {

struct ServiceFigures {
  std::string benchmark;
  std::string service;
  std::size_t samples = 0;  // 0: not measured, `note` says why
  double cpu_pct_mean = 0;
  double cpu_pct_max = 0;
  double rss_max_bytes = 0;
  double threads_max = 0;
  double fds_max = 0;
  std::string note;
};

// One entry per benchmark and service, in document order.
std::vector<ServiceFigures> service_figures(const nlohmann::json& benchmarks);

// The Markdown table "| Benchmark | Service | CPU mean | CPU max | RSS max | Threads | FDs | Samples |",
// under a "### Service resources" heading; "" when no benchmark has a monitored service.
std::string service_resources_markdown(const nlohmann::json& benchmarks);

}  // namespace perfgate::report
