// --targets FILE: one request per line, as JSON, sent round-robin across the run (vegeta's
// habit):
//   {"method": "POST", "url": "http://127.0.0.1:8080/orders", "headers": {"X-Id": "${seq}"}, "body": "{}"}
// Every line is checked before anything is sent. All targets share one scheme://host:port,
// since the connections are reused for every target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_template.hpp"
#include "http/url.hpp"

namespace perfgate::http {

struct Target {
  Url url;
  RequestSpec spec;
  std::size_t line = 0;  // 1-based, in the file
};

// `text` is the file's content and `shown` its name in messages. `defaults` (-m, -H, -b) fill
// what a line leaves out: its method and body when it gives none; its headers come after
// the defaults', replacing a default of the same name. Throws UsageError "FILE:LINE: what is
// wrong" (blank lines are skipped; a file without a target is an error too).
std::vector<Target> parse_targets(std::string_view text, const std::string& shown, const RequestSpec& defaults);

}  // namespace perfgate::http
