// Turns an HTTP load result into the benchmark object of the result document
// (`kind: "http"`) and its uniform `metrics` list.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/redaction.hpp"
#include "core/result_document.hpp"
#include "http/load_engine.hpp"
#include "http/request_template.hpp"

namespace perfgate::http {

// The `config` object: what was asked for, as it may be shown. `shown_url` and `shown`'s headers
// are what to show (a suite's text as written, never the filled-in values); `redaction` turns
// secret headers and query parameters into "***".
nlohmann::json http_config_json(const LoadOptions& options, const std::string& shown_url, const RequestSpec& shown,
                                const Redaction& redaction);

std::vector<Metric> http_metrics(const LoadResult& result);

// `latency_ms`: min, mean, stddev, p50, p90, p95, p99, p999, max of a histogram in ns (also the
// delivery latency of `sse` documents).
nlohmann::json latency_json(const Histogram& latency_ns);
// The terminal's lines about callbacks: counts, then the latency from the send (scheduled, in
// the open model) to the callback.
std::string callback_summary(const CallbackTotals& callbacks, bool open_model);
// The HdrHistogram interval-log line of one second (core/hdr_interval_log.hpp); `scratch` is a
// default-shaped histogram, left empty again.
std::string hdr_log_line(const PublishedSecond& second, Histogram& scratch);

nlohmann::json http_benchmark_json(const std::string& name, const nlohmann::json& config,
                                   const LoadResult& result);

}  // namespace perfgate::http
