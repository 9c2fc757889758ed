// The result document; see result_document.hpp.
#include "core/result_document.hpp"

#include <random>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/output_file.hpp"

namespace perfgate {

RunInfo make_run_info() {
  RunInfo run;
  run.started_wall_ns = wall_ns();
  std::random_device device;
  std::uint32_t random = device();
  // Sortable by time, unique enough across machines: 20261123T225000-1a2b3c4d.
  std::string stamp = iso8601_utc(run.started_wall_ns);
  std::string compact;
  for (char c : stamp.substr(0, 19)) {
    if (c != '-' && c != ':') compact.push_back(c);
  }
  run.id = fmt::format("{}-{:08x}", compact, random);
  run.env = read_machine_environment();
  run.git = read_git_state();
  return run;
}

nlohmann::json metrics_to_json(const std::vector<Metric>& metrics) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : metrics) {
    list.push_back({{"name", m.name}, {"value", m.value}, {"unit", m.unit}, {"better", m.better}});
  }
  return list;
}

std::optional<double> metric_value(const nlohmann::json& benchmark, std::string_view name, std::string* unit) {
  if (!benchmark.is_object()) return std::nullopt;
  const auto metrics = benchmark.find("metrics");
  if (metrics == benchmark.end() || !metrics->is_array()) return std::nullopt;
  for (const auto& m : *metrics) {
    if (!m.is_object() || m.value("name", "") != name) continue;
    const auto value = m.find("value");
    if (value == m.end() || !value->is_number()) continue;
    if (unit != nullptr) *unit = m.value("unit", "");
    return value->get<double>();
  }
  return std::nullopt;
}

nlohmann::json environment_json(const MachineEnvironment& env) {
  nlohmann::json json = {{"hostname", env.hostname}, {"os", env.os},     {"kernel", env.kernel},
                         {"cpu_model", env.cpu_model}, {"cpus", env.cpus}, {"memory_bytes", env.memory_bytes}};
  if (env.cpu_canary_ms) json["cpu_canary_ms"] = *env.cpu_canary_ms;
  return json;
}

nlohmann::json result_document(const RunInfo& run, const std::vector<nlohmann::json>& benchmarks,
                               const nlohmann::json& checks) {
  nlohmann::json git = nullptr;
  if (run.git) git = {{"commit", run.git->commit}, {"branch", run.git->branch}, {"dirty", run.git->dirty}};
  nlohmann::json doc;
  doc["schema"] = kResultSchema;
  doc["tool"] = {{"name", "perfgate"}, {"version", PERFGATE_VERSION}};
  doc["run"] = {{"id", run.id},
                {"started_at", iso8601_utc(run.started_wall_ns)},
                {"git", git},
                {"env", environment_json(run.env)},
                {"tags", run.tags}};
  doc["benchmarks"] = benchmarks;
  doc["checks"] = checks;
  return doc;
}

void write_file_atomically(const std::string& path, const std::string& content) { write_output_file(path, content); }

}  // namespace perfgate
