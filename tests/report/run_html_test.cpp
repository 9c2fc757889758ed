// Tests of the HTML page of a run: the verdict and what changed come first; per benchmark the
// percentile spectrum on a nines axis (corrected and uncorrected lines, the baseline's overlaid
// only when there is one), latency and throughput per second, the services' CPU and RSS, the
// metric's history with the baseline and change points; unchanged rows folded in <details>; no
// script anywhere and every name escaped, hostile ones included. The page in a browser:
// integration/html_chromium_test.cpp.
#include "report/run_html.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "core/histogram.hpp"
#include "core/histogram_codec.hpp"

namespace perfgate::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

// 1..1000 µs once each (p50 0.5 ms, p99 0.99 ms), or each shifted by `extra_us`.
json histogram_json(std::int64_t extra_us = 0) {
  Histogram h;
  for (std::int64_t us = 1; us <= 1000; ++us) h.record((us + extra_us) * 1000);
  return {{"encoding", "hdr-v2-base64"}, {"unit", "ns"}, {"data", encode_hdr_v2_base64(h)}};
}

json http_benchmark(const std::string& name) {
  json timeline = json::array();
  for (int second = 1; second <= 4; ++second) {
    timeline.push_back({{"t", second}, {"requests", 1000}, {"errors", 0}, {"p50_ms", 2.0 + second * 0.1}, {"p99_ms", 5.0}});
  }
  return {{"name", name},
          {"kind", "http"},
          {"valid", true},
          {"metrics",
           {{{"name", "latency_p50"}, {"unit", "ms"}, {"better", "lower"}, {"value", 2.25}},
            {{"name", "latency_p99"}, {"unit", "ms"}, {"better", "lower"}, {"value", 5.0}},
            {{"name", "latency_max"}, {"unit", "ms"}, {"better", "lower"}, {"value", 9.0}}}},
          {"histogram", histogram_json()},
          {"latency_uncorrected_ms", {{"p50", 0.4}, {"p90", 0.8}, {"p99", 0.9}, {"max", 1.0}}},
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

compare::ComparisonRow row(const std::string& benchmark, const std::string& metric, compare::Verdict verdict,
                           double change_pct) {
  compare::ComparisonRow r;
  r.benchmark = benchmark;
  r.metric = metric;
  r.unit = "ms";
  r.baseline = 2;
  r.current = 2 * (1 + change_pct / 100);
  r.change_pct = change_pct;
  r.p_value = 0.002;
  r.verdict = verdict;
  r.reason = "significant & confirmed";
  return r;
}

TEST(RunHtml, TheVerdictAndWhatChangedComeFirst) {
  compare::ComparisonReport comparison;
  comparison.rows.push_back(row("health", "latency_p50", compare::Verdict::regressed, 50));
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
  EXPECT_THAT(html, HasSubstr("<div class=\"verdict fail\" id=\"verdict\"><span class=\"word\">FAIL</span>"
                              "<span class=\"headline\">1 check failed, 1 regression</span>"));
  // What changed, in words: the failed check and the regression.
  EXPECT_THAT(html, HasSubstr("<li><b>health</b> <code>p99 &lt; 50ms</code> <span class=\"failed\">failed</span>: "
                              "observed 61ms</li>"));
  EXPECT_THAT(html, HasSubstr("<li><b>health</b> <code>latency_p50</code> <span class=\"regressed\">got worse</span>: "
                              "2 ms &rarr; 3 ms (+50.0%, p = 0.002)</li>"));
  // The verdict before everything else of substance.
  const auto verdict = html.find("id=\"verdict\"");
  EXPECT_LT(verdict, html.find("<h2>Checks</h2>"));
  EXPECT_LT(verdict, html.find("<h2>Comparison</h2>"));
  EXPECT_LT(verdict, html.find("<h2>Benchmarks</h2>"));
  EXPECT_LT(verdict, html.find("<svg"));
  // Where it ran, the checks, the tiles with the change.
  EXPECT_THAT(html, HasSubstr("run <code>20261126T010000-abcd</code>"));
  EXPECT_THAT(html, HasSubstr("git main <code>0123456789ab</code> (dirty)"));
  EXPECT_THAT(html, HasSubstr("on ci-1 (EPYC, 2 CPUs, Debian, kernel 6.1)"));
  EXPECT_THAT(html, HasSubstr("<td><code>p99 &lt; 50ms</code></td><td class=\"n\">61ms</td><td class=\"fail\">FAIL</td>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"k\">latency_p50</div><div class=\"v\">2.25 ms</div>"
                              "<div class=\"d regressed\">+50.0% regressed</div>"));
  EXPECT_THAT(html, HasSubstr("significant &amp; confirmed"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

TEST(RunHtml, TheSpectrumHasANinesAxisBothLinesAndTheBaselineOnlyWhenThereIsOne) {
  RunSummary summary;
  summary.suite = "s";
  summary.no_baseline_reason = "--baseline none";
  const std::string alone = run_html(summary, document_with(json::array({http_benchmark("health")})));
  EXPECT_THAT(alone, HasSubstr("<title>Latency by percentile</title>"));
  for (const char* nines : {">50%</text>", ">90%</text>", ">99%</text>", ">99.9%</text>", ">99.99%</text>"}) {
    EXPECT_THAT(alone, HasSubstr(nines));
  }
  EXPECT_THAT(alone, HasSubstr("<title>corrected</title></polyline>"));
  EXPECT_THAT(alone, HasSubstr("<title>uncorrected p99: 0.9 ms</title>"));
  EXPECT_THAT(alone, HasSubstr("<title>uncorrected max: 1 ms</title>"));
  EXPECT_THAT(alone, Not(HasSubstr("<title>baseline</title>")));

  json baseline = document_with(json::array({http_benchmark("health")}));
  baseline["benchmarks"][0]["histogram"] = histogram_json(500);
  summary.baseline_document = &baseline;
  compare::ComparisonReport comparison;
  comparison.rows.push_back(row("health", "latency_p50", compare::Verdict::unchanged, 1));
  summary.comparison = &comparison;
  summary.baseline_label = "run B";
  const std::string overlaid = run_html(summary, document_with(json::array({http_benchmark("health")})));
  EXPECT_THAT(overlaid, HasSubstr("<title>baseline</title></polyline>"));
  EXPECT_THAT(overlaid, HasSubstr("stroke-dasharray=\"5 3\""));  // the baseline's line is dashed
  EXPECT_THAT(overlaid, HasSubstr("<p>Nothing changed significantly against run B.</p>"));
}

TEST(RunHtml, WithoutAnUncorrectedSeriesTheSpectrumIsOneLine) {
  json closed = http_benchmark("closed");
  closed.erase("latency_uncorrected_ms");
  RunSummary summary;
  const std::string html = run_html(summary, document_with(json::array({closed})));
  EXPECT_THAT(html, HasSubstr("<title>this run</title></polyline>"));
  EXPECT_THAT(html, Not(HasSubstr("uncorrected")));
}

TEST(RunHtml, LatencyAndThroughputPerSecond) {
  json benchmark = http_benchmark("health");
  benchmark["timeline"][2]["errors"] = 7;
  RunSummary summary;
  const std::string html = run_html(summary, document_with(json::array({benchmark})));
  EXPECT_THAT(html, HasSubstr("<title>Latency per second</title>"));
  EXPECT_THAT(html, HasSubstr("<title>p99</title></polyline>"));
  EXPECT_THAT(html, HasSubstr("<title>Throughput per second</title>"));
  EXPECT_THAT(html, HasSubstr("<title>requests</title></polyline>"));
  EXPECT_THAT(html, HasSubstr("<title>errors</title></polyline>"));  // drawn only when there were some
  EXPECT_THAT(html, HasSubstr(">1000 rps</text>"));              // a y tick with its unit
  EXPECT_THAT(html, HasSubstr(">4 s</text>"));                     // an x tick
}

TEST(RunHtml, UnchangedRowsAreFoldedAway) {
  compare::ComparisonReport comparison;
  comparison.rows.push_back(row("health", "latency_p50", compare::Verdict::unchanged, 1));
  comparison.rows.push_back(row("health", "latency_p99", compare::Verdict::improved, -30));
  comparison.rows.back().p_value = 1e-12;
  comparison.rows.push_back(row("login", "latency_p50", compare::Verdict::unchanged, -2));
  comparison.rows.push_back(row("login", "latency_max", compare::Verdict::noisy, 40));
  comparison.rows.back().gated = false;  // shown, never gating: folded too
  RunSummary summary;
  summary.suite = "s";
  summary.baseline_label = "run B";
  summary.comparison = &comparison;
  const std::string html = run_html(summary, document_with(json::array()));
  const auto folded = html.find("<details class=\"unchanged\"><summary>2 unchanged rows</summary>");
  ASSERT_NE(folded, std::string::npos);
  const auto improved = html.find("<td class=\"improved\">improved</td>");
  ASSERT_NE(improved, std::string::npos);
  EXPECT_LT(improved, folded);  // what changed is shown, before the fold
  EXPECT_GT(html.find("<td>login</td><td>latency_p50</td>"), folded);
  EXPECT_GT(html.find("<td class=\"unchanged\">unchanged</td>"), folded);
  const auto ungated = html.find("<details class=\"ungated\"><summary>1 change of metrics that do not gate</summary>");
  ASSERT_NE(ungated, std::string::npos);
  EXPECT_GT(html.find("<td class=\"noisy\">noisy (not gated)</td>"), ungated);
  EXPECT_LT(improved, ungated);
  EXPECT_THAT(html, HasSubstr("<span class=\"improved\">got better</span>: 2 ms &rarr; 1.4 ms (-30.0%, p &lt;0.001)"));
  EXPECT_THAT(html, HasSubstr("<td class=\"n\">&lt;0.001</td>"));
  // The counts are of the gated rows, as the verdict's.
  EXPECT_THAT(html, HasSubstr("0 regressed, 1 improved, 0 noisy, 2 unchanged (and 1 more shown, not gated).</p>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"verdict pass\""));
}

TEST(RunHtml, TheMetricsHistoryMarksTheBaselineThisRunAndTheChangePoints) {
  TrendSeries series{"s", "health", "latency_p50", "ms", "lower", {}, {}};
  for (int i = 0; i < 8; ++i) {
    series.points.push_back({fmt::format("run-{}", i), fmt::format("2026-11-2{}T0{}:00:00.000Z", i, i),
                             std::string("abcdef0123456"), i < 4 ? 2.0 : 3.0});
  }
  series.changes.push_back({4, 2.0, 3.0, 0.5, 0.001, "worse"});
  RunSummary summary;
  summary.suite = "s";
  summary.history = {series};
  summary.baseline_run_ids["health"] = "run-6";
  json document = document_with(json::array({http_benchmark("health")}));
  document["run"]["id"] = "run-7";
  const std::string html = run_html(summary, document);
  EXPECT_THAT(html, HasSubstr("<title>latency_p50 across runs</title>"));
  EXPECT_THAT(html, HasSubstr(">+50% worse</text>"));
  EXPECT_THAT(html, HasSubstr("<title>change point: +50% worse (2 ms → 3 ms) from run run-4</title>"));
  EXPECT_THAT(html, HasSubstr("<title>3 ms: run run-6 (2026-11-26T06:00:00.000Z, abcdef0123)</title>"));
  EXPECT_THAT(html, HasSubstr(">baseline</text>"));  // in the legend
  EXPECT_THAT(html, HasSubstr(">this run</text>"));
  EXPECT_THAT(html, HasSubstr(">11-20 00:00</text>"));  // the first run's tick
  // A benchmark without a series has no history chart.
  summary.history.clear();
  EXPECT_THAT(run_html(summary, document), Not(HasSubstr("across runs")));
}

TEST(RunHtml, HostileNamesNeverBecomeMarkupAndThereIsNoScript) {
  const std::string hostile = "</svg><script>alert(1)</script>";
  json benchmark = http_benchmark(hostile);
  benchmark["resource_timeline"] = {{hostile, {{{"t", 0}, {"cpu_pct", 50}, {"rss_bytes", 1 << 20}},
                                               {{"t", 1}, {"cpu_pct", 70}, {"rss_bytes", 2 << 20}}}}};
  benchmark["profiles"] = {{hostile, {{"folded", "JavaScript:alert(1)"}, {"svg", "x\"><script>"}, {"samples", 3}}}};
  compare::ComparisonReport comparison;
  comparison.rows.push_back(row(hostile, hostile, compare::Verdict::regressed, 20));
  comparison.rows.back().unit = hostile;
  comparison.rows.push_back(row(hostile, "latency_p99", compare::Verdict::unchanged, 0));
  comparison.notes.push_back(hostile);
  comparison.gate_failed = true;
  RunSummary summary;
  summary.suite = hostile;
  summary.baseline_label = hostile;
  summary.run_label = hostile;
  summary.comparison = &comparison;
  summary.checks = json::array({{{"benchmark", hostile}, {"expr", hostile}, {"observed_text", hostile}, {"passed", false}}});
  TrendSeries series{hostile, hostile, "latency_p50", hostile, "lower", {}, {}};
  for (int i = 0; i < 3; ++i) series.points.push_back({hostile, hostile, hostile, 1.0 + i});
  series.changes.push_back({1, 1, 2.5, 1.5, 0.001, "worse"});
  summary.history = {series};
  json baseline = document_with(json::array({benchmark}));
  summary.baseline_document = &baseline;
  json document = document_with(json::array({benchmark}));
  document["run"]["id"] = hostile;
  document["run"]["env"]["hostname"] = hostile;
  const std::string html = run_html(summary, document);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("<a href=\"x&quot;&gt;&lt;script&gt;\">"));
  EXPECT_THAT(html, Not(HasSubstr("href=\"JavaScript:")));  // a URL with a scheme is shown, never linked
  EXPECT_THAT(html, HasSubstr("folded <code>JavaScript:alert(1)</code>"));
  // Still complete: every chart closed, the page ends.
  std::size_t opened = 0, closed = 0;
  for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++opened;
  for (auto at = html.find("</svg>"); at != std::string::npos; at = html.find("</svg>", at + 1)) ++closed;
  EXPECT_GE(opened, 5u);  // spectrum, latency, throughput, CPU, RSS (and the history)
  EXPECT_EQ(opened, closed);
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

TEST(RunHtml, APassingRunWithoutBaselineAndAnInvalidBenchmark) {
  RunSummary summary;
  summary.suite = "quick";
  summary.no_baseline_reason = "first run of 'quick' on main";
  json invalid = http_benchmark("open");
  invalid["valid"] = false;
  invalid["invalid_reason"] = "p99 send lag 7ms > 5ms";
  invalid["timeline"] = json::array();
  invalid.erase("histogram");
  invalid.erase("latency_uncorrected_ms");
  json cmd = {{"name", "build"}, {"kind", "cmd"}};  // no metrics at all
  const std::string html = run_html(summary, document_with(json::array({invalid, cmd})));
  EXPECT_THAT(html, HasSubstr("<span class=\"word\">PASS</span><span class=\"headline\">0 checks passed, no regression"));
  EXPECT_THAT(html, HasSubstr("<p>No comparison: first run of &#39;quick&#39; on main.</p></div>"));
  EXPECT_THAT(html, Not(HasSubstr("<h2>Checks</h2>")));
  EXPECT_THAT(html, HasSubstr("<p class=\"failed\">INVALID: p99 send lag 7ms &gt; 5ms</p>"));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));  // nothing to draw
  EXPECT_THAT(html, HasSubstr("<h3>build <span class=\"meta\">(cmd)</span></h3>"));
  EXPECT_THAT(html, HasSubstr("<summary>All 3 metrics</summary>"));
}

TEST(RunHtml, ADocumentWithoutRunOrBenchmarksStillRenders) {
  RunSummary summary;
  summary.suite = "empty";
  summary.no_baseline_reason = "--baseline none";
  const std::string html = run_html(summary, json::object());
  EXPECT_THAT(html, HasSubstr("<h1>perfgate <code>empty</code></h1>"));
  EXPECT_THAT(html, Not(HasSubstr("<h2>Benchmarks</h2>")));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

TEST(RunHtml, TheServicesCpuAndMemoryOverTime) {
  json benchmark = http_benchmark("health");
  benchmark["resource_timeline"] = {{"api", {{{"t", 0}, {"cpu_pct", 50}, {"rss_bytes", 10 << 20}},
                                             {{"t", 1}, {"cpu_pct", 70}, {"rss_bytes", 12 << 20}}}}};
  RunSummary summary;
  const std::string html = run_html(summary, document_with(json::array({benchmark})));
  EXPECT_THAT(html, HasSubstr("<title>api CPU over time</title>"));
  EXPECT_THAT(html, HasSubstr("<title>api RSS over time</title>"));
  EXPECT_THAT(html, HasSubstr(">15 MiB</text>"));  // the top tick of the RSS chart
  EXPECT_THAT(html, HasSubstr(">80%</text>"));     // of the CPU chart
  EXPECT_THAT(html, HasSubstr("<title>CPU (100% = one core busy)</title></polyline>"));
}

TEST(RunHtml, LinksTheServicesFlameGraphsEscaped) {
  json benchmark = http_benchmark("health");
  benchmark["profiles"] = {{"api", {{"folded", "./runs/R/health.api.folded"},
                                    {"svg", "./runs/R/health.api.svg\"><script>"},
                                    {"samples", 1234}}}};
  RunSummary summary;
  summary.suite = "s";
  const std::string html = run_html(summary, document_with(json::array({benchmark})));
  EXPECT_THAT(html, HasSubstr("CPU flame graphs: <a href=\"./runs/R/health.api.svg&quot;&gt;&lt;script&gt;\">api</a> "
                              "<span class=\"meta\">(1234 samples; <a href=\"./runs/R/health.api.folded\">folded</a>)"));
  EXPECT_THAT(run_html(summary, document_with(json::array({http_benchmark("x")}))), Not(HasSubstr("flame graphs")));
}

}  // namespace
}  // namespace perfgate::report
