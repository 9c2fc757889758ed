// Monitored services of a suite and their figures per benchmark; see service_monitors.hpp.
#include "run/service_monitors.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/units.hpp"
#include "monitor/monitor_result.hpp"

namespace perfgate::run {
namespace {

using nlohmann::json;

bool process_exists(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// The pid a pid file holds (surrounding blanks allowed), or why there is none.
std::optional<long> read_pid_file(const std::string& path, std::string* why) {
  std::ifstream in(path);
  if (!in) {
    *why = "cannot be read";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto first = content.find_first_not_of(" \t\r\n");
  auto last = content.find_last_not_of(" \t\r\n");
  long pid = 0;
  if (first != std::string::npos) {
    auto [end, ec] = std::from_chars(content.data() + first, content.data() + last + 1, pid);
    if (ec == std::errc() && end == content.data() + last + 1 && pid > 0) return pid;
  }
  *why = "does not hold a process id";
  return std::nullopt;
}

// The process a target names right now: its pid, or why there is none.
std::optional<long> target_pid(const suite::AttachTarget& target, std::string* why) {
  std::optional<long> pid;
  if (target.kind == suite::AttachTarget::Kind::kPid) pid = target.pid;
  if (target.kind == suite::AttachTarget::Kind::kPidFile) pid = read_pid_file(target.path, why);
  if (pid && !process_exists(*pid)) {
    *why = target.kind == suite::AttachTarget::Kind::kPid ? "no such process"
                                                          : fmt::format("holds pid {}, which is not running", *pid);
    return std::nullopt;
  }
  return pid;
}

std::unique_ptr<monitor::ResourceSource> attached_source(const suite::AttachTarget& target, std::string* source) {
  if (target.kind == suite::AttachTarget::Kind::kCgroup) {
    *source = fmt::format("cgroup {}", target.path);
    return monitor::cgroup_source(target.path);
  }
  std::string why;
  auto pid = target_pid(target, &why);
  if (!pid) throw RunError(fmt::format("attach: {}: {}", target.shown, why));
  *source = fmt::format("process tree of pid {}", *pid);
  return monitor::process_tree_source(static_cast<pid_t>(*pid));
}

json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json metric(const std::string& name, double value, const char* unit) {
  return {{"name", name}, {"value", number_or_null(value)}, {"unit", unit}, {"better", "lower"}};
}

double seconds_between(double from, double to) { return std::max(0.0, to - from); }

}  // namespace

std::string attach_problem(const suite::AttachTarget& target) {
  if (target.kind == suite::AttachTarget::Kind::kCgroup) {
    std::error_code error;
    if (!std::filesystem::is_directory(target.path, error)) return "no such folder";
    if (!std::filesystem::exists(target.path + "/cgroup.procs", error)) {
      return "not a cgroup v2 folder (it has no cgroup.procs)";
    }
    return "";
  }
  std::string why;
  return target_pid(target, &why) ? "" : why;
}

void check_attach_targets(const std::vector<const suite::ServiceSpec*>& services) {
  for (const auto* service : services) {
    if (!service->attach || service->started_by_perfgate()) continue;
    std::string problem = attach_problem(*service->attach);
    if (!problem.empty()) {
      throw UsageError(fmt::format("{}: service '{}': attach: {}: {}", service->attach->position.to_string(),
                                   service->name, service->attach->shown, problem));
    }
  }
}

void add_service_resources(json& benchmark, const std::string& service, const std::string& source,
                           std::span<const monitor::ResourceSample> samples, double window_start_s,
                           const std::string& note) {
  json& resources = benchmark["resources"];
  if (!resources.is_object()) resources = json::object();
  if (samples.empty()) {
    resources[service] = {{"samples", 0}, {"source", source},
                          {"note", note.empty() ? std::string("no sample in the window") : note}};
    return;
  }
  monitor::ResourceSummary summary = monitor::summarize(samples);
  json figures = monitor::resources_json(summary);  // the shape `perfgate monitor --json` writes too
  figures["samples"] = summary.samples;
  figures["source"] = source;
  if (!note.empty()) figures["note"] = note;
  resources[service] = std::move(figures);

  json& metrics = benchmark["metrics"];
  if (!metrics.is_array()) metrics = json::array();
  metrics.push_back(metric(service + ".cpu_pct_mean", summary.cpu_pct_mean, "percent"));
  metrics.push_back(metric(service + ".cpu_pct_max", summary.cpu_pct_max, "percent"));
  metrics.push_back(metric(service + ".rss_max", static_cast<double>(summary.rss_max), "bytes"));
  metrics.push_back(metric(service + ".threads_max", static_cast<double>(summary.threads_max), "count"));
  metrics.push_back(metric(service + ".fds_max", static_cast<double>(summary.fds_max), "count"));

  json timeline = json::array();
  for (const auto& s : samples) {
    timeline.push_back({{"t", std::round(seconds_between(window_start_s, s.t_s) * 1e3) / 1e3},
                        {"cpu_pct", number_or_null(s.cpu_pct)},
                        {"rss_bytes", s.rss_bytes},
                        {"threads", s.threads},
                        {"fds", s.fds}});
  }
  json& timelines = benchmark["resource_timeline"];
  if (!timelines.is_object()) timelines = json::object();
  timelines[service] = std::move(timeline);
}

ServiceMonitors::~ServiceMonitors() { stop(); }

void ServiceMonitors::start(const suite::ServiceSpec& spec, pid_t pid, const std::string& cgroup) {
  Monitored m;
  m.name = spec.name;
  std::unique_ptr<monitor::ResourceSource> source;
  try {
    if (spec.attach) {
      source = attached_source(*spec.attach, &m.source);
    } else if (!cgroup.empty() && std::filesystem::exists(cgroup + "/memory.current")) {
      // Everything the service started, also a daemon that left its shell's tree, with the
      // memory the kernel charges it. Without the memory controller the cgroup cannot say that
      // much: then the tree, as `perfgate monitor --pid` sees it.
      m.source = fmt::format("cgroup {}", cgroup);
      source = monitor::cgroup_source(cgroup);
    } else {
      m.source = fmt::format("process tree of pid {}", pid);
      source = monitor::process_tree_source(pid);
    }
  } catch (const std::exception& e) {
    throw RunError(fmt::format("service '{}': cannot monitor it: {}", spec.name, e.what()));
  }
  m.monitor = std::make_unique<monitor::ResourceMonitor>(
      std::move(source), std::chrono::duration_cast<std::chrono::milliseconds>(spec.monitor_interval));
  m.monitor->start();
  services_.push_back(std::move(m));
}

std::string ServiceMonitors::source_of(const std::string& name) const {
  for (const auto& m : services_) {
    if (m.name == name) return m.source;
  }
  return "";
}

std::vector<ServiceMonitors::Sampled> ServiceMonitors::sampled() const {
  std::vector<Sampled> all;
  for (const auto& m : services_) all.push_back({m.name, m.source, m.monitor.get()});
  return all;
}

void ServiceMonitors::stop() noexcept {
  for (auto& m : services_) {
    if (m.monitor) m.monitor->stop();
  }
}

void ServiceMonitors::Window::skip(double seconds) {
  for (double& from : from_s_) from += seconds;
}

// A sample taken as the window opens ends the interval before it, so that the first sample
// inside covers only the window; one taken as it closes covers the window's last part.
void ServiceMonitors::Window::restart() {
  if (owner_ == nullptr) return;
  for (std::size_t i = 0; i < from_s_.size(); ++i) {
    owner_->services_[i].monitor->sample_now();
    from_s_[i] = owner_->services_[i].monitor->now_s();
  }
}

ServiceMonitors::Window ServiceMonitors::open_window() const {
  Window window;
  window.owner_ = this;
  window.from_s_.resize(services_.size());
  window.restart();
  return window;
}

void ServiceMonitors::close_window(const Window& window, const suite::BenchmarkSpec& spec,
                                   std::vector<json>& benchmarks) const {
  for (std::size_t i = 0; i < services_.size() && i < window.from_s_.size(); ++i) {
    const Monitored& m = services_[i];
    if (!spec.needs_service(m.name)) continue;
    double from = window.from_s_[i];
    m.monitor->sample_now();
    double to = m.monitor->now_s();
    std::vector<monitor::ResourceSample> samples = m.monitor->window(from, to);
    std::string note = m.monitor->target_gone() ? "the process (or cgroup) was gone before the window ended" : "";
    for (auto& benchmark : benchmarks) add_service_resources(benchmark, m.name, m.source, samples, from, note);
  }
}

std::string service_resource_lines(const json& benchmark) {
  auto resources = benchmark.find("resources");
  if (resources == benchmark.end() || !resources->is_object()) return "";
  std::string out;
  for (const auto& item : resources->items()) {
    const std::string& service = item.key();
    const json& r = item.value();
    if (!r.is_object()) continue;
    std::size_t samples = r.value("samples", std::size_t{0});
    if (samples == 0) {
      out += fmt::format("  {}: not measured ({})\n", service, r.value("note", "no sample"));
      continue;
    }
    auto at = [&](const char* group, const char* key) {
      const json& g = r.contains(group) ? r[group] : json();
      return g.is_object() && g.contains(key) && g[key].is_number() ? g[key].get<double>() : 0.0;
    };
    out += fmt::format("  {}: CPU {:.1f}% mean, {:.1f}% max; RSS {}; {} threads; {} fds ({} sample{})\n", service,
                       at("cpu_pct", "mean"), at("cpu_pct", "max"), format_bytes(at("rss_bytes", "max")),
                       static_cast<std::uint64_t>(at("threads", "max")), static_cast<std::uint64_t>(at("fds", "max")),
                       samples, samples == 1 ? "" : "s");
    if (r.contains("note") && r["note"].is_string()) out += fmt::format("  {}: note: {}\n", service, r["note"].get<std::string>());
  }
  return out;
}

}  // namespace perfgate::run
