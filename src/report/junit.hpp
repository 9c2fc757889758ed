// JUnit XML for `perfgate run --junit FILE`: every threshold check and every regression check
// becomes a test case, so CI dashboards (Jenkins, GitLab, GitHub test reporters) list them,
// count them and show the failing ones with what was observed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"

namespace perfgate::report {

// One <testsuites name="perfgate"> with two <testsuite>s:
//   "SUITE thresholds"  — one test case per entry of `checks` (the result document's list
//                         [{"benchmark", "expr", "observed", "observed_text"?, "passed"}]);
//                         a check that did not pass is a <failure type="threshold">; the
//                         figures of monitored services are its <properties> ("health
//                         api.rss_max" = "13631488 bytes"), service thresholds its cases.
//   "SUITE regressions" — one test case per row of `comparison`, named for what it checks
//                         ("latency_p99 did not regress beyond +10% (lower is better)") and
//                         timed with its benchmark's duration (from `benchmarks`, the document's
//                         list): a row that fails the gate is a <failure type="regression">, a
//                         noisy or ungated one passes with its reason in <system-out>; a
//                         benchmark on one side only is <skipped>. Without a baseline
//                         (`comparison` nullptr) a single skipped case says so.
// Every name and message is escaped, and characters XML 1.0 cannot carry are dropped, so the
// output is well-formed whatever the suite and benchmark names hold.
//   std::string xml = junit_xml("webhook-service", document["checks"], &report, 61.5);
std::string junit_xml(const std::string& suite_name, const nlohmann::json& checks,
                      const compare::ComparisonReport* comparison, double duration_s,
                      const nlohmann::json& benchmarks = nlohmann::json::array());

// `text` made safe for XML character data and attribute values: & < > " ' as entities, tab,
// line feed and carriage return as character references (attribute values keep them), other
// control characters, U+FFFE/U+FFFF and surrogates dropped, invalid UTF-8 as U+FFFD.
std::string xml_escape(const std::string& text);

}  // namespace perfgate::report
