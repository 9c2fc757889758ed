// The human summary of an HTTP run, as printed at the end of `perfgate http`.
#pragma once

#include <string>

#include "http/load_engine.hpp"
#include "http/request_template.hpp"

namespace perfgate::cli {

// `shown_url`: the URL with its secrets redacted (core/redaction.hpp).
std::string http_summary(const http::LoadOptions& options, const http::RequestSpec& spec, const std::string& shown_url,
                         const http::LoadResult& result);

}  // namespace perfgate::cli
