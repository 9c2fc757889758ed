// The exec benchmark object of the result document; see exec_result.hpp.
#include "exec/exec_result.hpp"

#include <fmt/format.h>

#include "http/load_result.hpp"

namespace perfgate::exec {
namespace {

double seconds(Nanos d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace

nlohmann::json exec_config_json(const ExecOptions& options, const std::string& shown_command) {
  nlohmann::json config;
  config["command"] = shown_command;
  config["workers"] = options.workers;
  config["in_flight"] = options.in_flight;
  config["connections"] = options.rate_per_s ? nlohmann::json(nullptr) : nlohmann::json(options.concurrency);
  config["rate"] = options.rate_per_s ? nlohmann::json(*options.rate_per_s) : nlohmann::json(nullptr);
  config["duration_s"] = options.duration ? nlohmann::json(seconds(*options.duration)) : nlohmann::json(nullptr);
  config["requests"] = options.operations != 0 ? nlohmann::json(options.operations) : nlohmann::json(nullptr);
  config["payload_bytes"] = options.payload ? nlohmann::json(options.payload->size()) : nlohmann::json(nullptr);
  config["warmup_s"] = seconds(options.warmup);
  config["timeout_s"] = seconds(options.timeout);
  return config;
}

nlohmann::json exec_benchmark_json(const std::string& name, const nlohmann::json& config, const ExecResult& result) {
  // The HTTP object is the shape; what only HTTP has goes, what only exec has comes.
  nlohmann::json b = http::http_benchmark_json(name, config, result.load);
  b["kind"] = "exec";
  b.erase("status");
  b.erase("bytes_per_s");
  nlohmann::json messages = nlohmann::json::object();
  for (const auto& [message, count] : result.error_messages) messages[message] = count;
  b["errors"] = {{"timeout", result.load.error_classes.timeout},
                 {"error", result.error_answers},
                 {"messages", messages}};
  b["late_answers"] = result.late_answers;
  b["worker_stderr"] = result.stderr_paths;
  return b;
}

std::string error_message_lines(const ExecResult& result) {
  std::string out;
  for (const auto& [message, count] : result.error_messages) {
    out += fmt::format("  {:<12}{}x '{}'\n", "error", count, message);
  }
  return out;
}

}  // namespace perfgate::exec
