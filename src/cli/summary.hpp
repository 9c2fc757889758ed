// The human summary of an HTTP run, as printed at the end of `perfgate http`.
#pragma once

#include <string>

#include "exec/exec_engine.hpp"
#include "http/load_engine.hpp"
#include "http/request_template.hpp"

namespace perfgate::cli {

// `shown_url`: the URL with its secrets redacted (core/redaction.hpp).
std::string http_summary(const http::LoadOptions& options, const http::RequestSpec& spec, const std::string& shown_url,
                         const http::LoadResult& result);

// The summary of `perfgate exec`: the same latency table, operations instead of requests, the
// workers' error answers instead of HTTP statuses.
std::string exec_summary(const exec::ExecOptions& options, const std::string& shown_command, const exec::ExecResult& result);

}  // namespace perfgate::cli
