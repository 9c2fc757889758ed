// Turns an HTTP load result into the benchmark object of the result document
// (`kind: "http"`) and its uniform `metrics` list.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result_document.hpp"
#include "http/load_engine.hpp"
#include "http/request_template.hpp"

namespace perfgate::http {

// The `config` object: what was asked for. Secret headers are written as "***".
nlohmann::json http_config_json(const LoadOptions& options, const RequestSpec& spec,
                                const std::vector<std::string>& redacted_headers);

std::vector<Metric> http_metrics(const LoadResult& result);

nlohmann::json http_benchmark_json(const std::string& name, const nlohmann::json& config,
                                   const LoadResult& result);

}  // namespace perfgate::http
