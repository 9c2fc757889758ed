// The human summary of an HTTP run, as printed at the end of `perfgate http`.
#pragma once

#include <string>

#include "http/load_engine.hpp"
#include "http/request_template.hpp"

namespace perfgate::cli {

std::string http_summary(const http::LoadOptions& options, const http::RequestSpec& spec,
                         const http::LoadResult& result);

}  // namespace perfgate::cli
