// Turns an SSE run into the benchmark object of the result document (`kind: "sse"`): the
// `requests`, `latency_ms` and `throughput_rps` fields of `http` (requests: the (event,
// subscriber) pairs that counted, ok = received in time, errors = lost; latency: delivery;
// throughput: events received per second), the SSE figures, and the uniform `metrics` list.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/redaction.hpp"
#include "core/result_document.hpp"
#include "sse/sse_engine.hpp"

namespace perfgate::sse {

// `shown_url` / `shown_publish_url`: what to show (a suite's text as written).
nlohmann::json sse_config_json(const SseOptions& options, const std::string& shown_url,
                               const std::string& shown_publish_url, const Redaction& redaction);

std::vector<Metric> sse_metrics(const SseResult& result);

nlohmann::json sse_benchmark_json(const std::string& name, const nlohmann::json& config, const SseResult& result);

// Two or three lines for a terminal: events, delivery latency, losses, notes.
std::string sse_summary_lines(const SseResult& result);

}  // namespace perfgate::sse
