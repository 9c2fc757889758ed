// Turns an exec result into the benchmark object of the result document (`kind: "exec"`): the
// fields and `metrics` of an HTTP benchmark (requests, latency_ms, throughput_rps, timeline,
// ...), with the worker's error answers in place of HTTP statuses.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "exec/exec_engine.hpp"

namespace perfgate::exec {

// The `config` object; `shown_command` is the worker as written (a suite's text, unfilled).
nlohmann::json exec_config_json(const ExecOptions& options, const std::string& shown_command);

nlohmann::json exec_benchmark_json(const std::string& name, const nlohmann::json& config, const ExecResult& result);

// "ID<TAB>error" answers, one line per distinct message: "  error  3x 'queue full'".
std::string error_message_lines(const ExecResult& result);

}  // namespace perfgate::exec
