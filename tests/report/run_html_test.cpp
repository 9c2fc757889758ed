// Tests of the HTML page of a run: the verdict in the title, every name escaped, checks and
// comparison rows with their verdicts, the latency chart from the timeline, INVALID benchmarks,
// and a document missing its optional parts.
#include "report/run_html.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace perfgate::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json http_benchmark(const std::string& name) {
  json timeline = json::array();
  for (int second = 1; second <= 4; ++second) {
    timeline.push_back({{"t", second}, {"requests", 1000}, {"errors", 0}, {"p50_ms", 2.0 + second * 0.1}, {"p99_ms", 5.0}});
  }
  return {{"name", name},
          {"kind", "http"},
          {"valid", true},
          {"metrics", {{{"name", "latency_p50"}, {"unit", "ms"}, {"better", "lower"}, {"value", 2.25}}}},
          {"timeline", timeline}};
}

json document_with(json benchmarks) {
  return {{"run",
           {{"id", "20261126T010000-abcd"},
            {"started_at", "2026-11-26T01:00:00.000Z"},
            {"git", {{"branch", "main"}, {"commit", "0123456789abcdef0123"}, {"dirty", true}}},
            {"env", {{"hostname", "ci-1"}, {"cpu_model", "EPYC"}, {"cpus", 2}, {"os", "Debian"}, {"kernel", "6.1"}}}}},
          {"benchmarks", std::move(benchmarks)}};
}

TEST(RunHtml, AFailedRunWithARegressionEscapesEveryName) {
  compare::ComparisonReport comparison;
  compare::ComparisonRow regressed;
  regressed.benchmark = "<script>alert(1)</script>";
  regressed.metric = "latency_p50";
  regressed.unit = "ms";
  regressed.baseline = 2;
  regressed.current = 3;
  regressed.change_pct = 50;
  regressed.p_value = 0.002;
  regressed.verdict = compare::Verdict::regressed;
  regressed.reason = "significant & confirmed";
  comparison.rows.push_back(regressed);
  comparison.gate_failed = true;

  RunSummary summary;
  summary.suite = "api \"v2\"";
  summary.run_label = "run 20261126T010000-abcd";
  summary.baseline_label = "run 20261125T090000-0000";
  summary.checks = json::array({{{"benchmark", "health"}, {"expr", "p99 < 50ms"}, {"observed_text", "61ms"}, {"passed", false}},
                                {{"benchmark", "health"}, {"expr", "error_rate < 1%"}, {"observed_text", "0%"}, {"passed", true}}});
  summary.comparison = &comparison;
  const std::string html = run_html(summary, document_with(json::array({http_benchmark("health")})));

  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<title>perfgate api &quot;v2&quot;: FAIL: 1 check failed, 1 regression</title>"));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("<td><code>p99 &lt; 50ms</code></td><td class=\"n\">61ms</td><td class=\"fail\">FAIL</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"pass\">pass</td>"));
  EXPECT_THAT(html, HasSubstr("<h2>Comparison with run 20261125T090000-0000</h2>"));
  EXPECT_THAT(html, HasSubstr("<p>1 regressed, 0 improved, 0 noisy, 0 unchanged.</p>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"n\">+50.0%</td><td class=\"n\">0.002</td><td class=\"regressed\">regressed</td>"));
  EXPECT_THAT(html, HasSubstr("significant &amp; confirmed"));
  // Where it ran.
  EXPECT_THAT(html, HasSubstr("run <code>20261126T010000-abcd</code>"));
  EXPECT_THAT(html, HasSubstr("git main <code>0123456789ab</code> (dirty)"));
  EXPECT_THAT(html, HasSubstr("on ci-1 (EPYC, 2 CPUs, Debian, kernel 6.1)"));
  // The benchmark, its metric and the chart: two lines of four points each.
  EXPECT_THAT(html, HasSubstr("<h3>health <span class=\"meta\">(http)</span></h3>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>latency_p50</td><td class=\"n\">2.25</td><td>ms</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<svg role=\"img\""));
  EXPECT_THAT(html, HasSubstr("<polyline class=\"p50\""));
  EXPECT_THAT(html, HasSubstr("<polyline class=\"p99\""));
  EXPECT_THAT(html, HasSubstr("<text x=\"4\" y=\"20\" font-size=\"11\">5.5 ms</text>"));  // the top: p99 max + 10%
  EXPECT_THAT(html, HasSubstr("4 s</text>"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

TEST(RunHtml, APassingRunWithoutBaselineAndAnInvalidBenchmark) {
  RunSummary summary;
  summary.suite = "quick";
  summary.no_baseline_reason = "first run of 'quick' on main";
  json invalid = http_benchmark("open");
  invalid["valid"] = false;
  invalid["invalid_reason"] = "p99 send lag 7ms > 5ms";
  invalid["timeline"] = json::array();  // under two points: no chart
  json cmd = {{"name", "build"}, {"kind", "cmd"}};  // no metrics at all
  const std::string html = run_html(summary, document_with(json::array({invalid, cmd})));
  EXPECT_THAT(html, HasSubstr("<span class=\"pass\">PASS: 0 checks passed, no regression</span>"));
  EXPECT_THAT(html, Not(HasSubstr("<h2>Checks</h2>")));
  EXPECT_THAT(html, HasSubstr("<p>No comparison: first run of &#39;quick&#39; on main.</p>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"fail\">INVALID: p99 send lag 7ms &gt; 5ms</p>"));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
  EXPECT_THAT(html, HasSubstr("<h3>build <span class=\"meta\">(cmd)</span></h3>"));
}

TEST(RunHtml, ADocumentWithoutRunOrBenchmarksStillRenders) {
  RunSummary summary;
  summary.suite = "empty";
  summary.no_baseline_reason = "--baseline none";
  const std::string html = run_html(summary, json::object());
  EXPECT_THAT(html, HasSubstr("<h1>perfgate <code>empty</code>"));
  EXPECT_THAT(html, Not(HasSubstr("<h2>Benchmarks</h2>")));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

}  // namespace
}  // namespace perfgate::report

namespace perfgate::report {
namespace {

TEST(RunHtml, LinksTheServicesFlameGraphsEscaped) {
  nlohmann::json benchmark = http_benchmark("health");
  benchmark["profiles"] = {{"api", {{"folded", "./runs/R/health.api.folded"},
                                    {"svg", "./runs/R/health.api.svg\"><script>"},
                                    {"samples", 1234}}}};
  RunSummary summary;
  summary.suite = "s";
  const std::string html = run_html(summary, document_with(nlohmann::json::array({benchmark})));
  EXPECT_THAT(html, HasSubstr("CPU flame graphs: <a href=\"./runs/R/health.api.svg&quot;&gt;&lt;script&gt;\">api</a> "
                              "(1234 samples; <a href=\"./runs/R/health.api.folded\">folded</a>)"));
  EXPECT_THAT(run_html(summary, document_with(nlohmann::json::array({http_benchmark("x")}))),
              Not(HasSubstr("flame graphs")));
}

}  // namespace
}  // namespace perfgate::report
