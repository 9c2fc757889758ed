// The result document (`perfgate.result/v1`): the contract between measuring and
// reporting. Every verb that measures builds its benchmark objects and wraps them here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/environment.hpp"

namespace perfgate {

inline constexpr const char* kResultSchema = "perfgate.result/v1";

// One entry of a benchmark's uniform `metrics` list.
struct Metric {
  std::string name;
  double value = 0;
  std::string unit;    // "ms", "rps", "bytes", "ratio", ...
  std::string better;  // "lower" or "higher"
};

struct RunInfo {
  std::string id;
  std::int64_t started_wall_ns = 0;
  MachineEnvironment env;
  std::optional<GitState> git;
  std::map<std::string, std::string> tags;
};

// A fresh run: a new id, now, this machine, this git state.
RunInfo make_run_info();

nlohmann::json metrics_to_json(const std::vector<Metric>& metrics);
// The numeric value of the metric called `name` in a benchmark object's `metrics` list (and its
// unit, when `unit` is given), or nullopt when there is none (or the benchmark is not an object).
std::optional<double> metric_value(const nlohmann::json& benchmark, std::string_view name,
                                   std::string* unit = nullptr);
// The document's `run.env` object (the store keeps the same).
nlohmann::json environment_json(const MachineEnvironment& env);
nlohmann::json result_document(const RunInfo& run, const std::vector<nlohmann::json>& benchmarks,
                               const nlohmann::json& checks = nlohmann::json::array());

// write_output_file (core/output_file.hpp): "-" is stdout, a regular or new file is replaced
// atomically keeping its mode, a link's target is written, a device or FIFO is written in place.
// Throws RunError when it cannot.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace perfgate
