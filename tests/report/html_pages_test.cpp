// Tests of the compare and trends pages: the verdict and what changed first, the unchanged rows
// and steady series folded away, the baseline's spectrum under the current one, no script.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/histogram.hpp"
#include "core/histogram_codec.hpp"
#include "report/compare_html.hpp"
#include "report/trends.hpp"

namespace perfgate::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json document_of(const std::string& run_id, std::int64_t shift_us) {
  Histogram h;
  for (std::int64_t us = 1; us <= 2000; ++us) h.record((us + shift_us) * 1000);
  json benchmark = {{"name", "</svg><script>x</script>"},
                    {"kind", "http"},
                    {"metrics", {{{"name", "latency_p99"}, {"unit", "ms"}, {"value", 2.0}}}},
                    {"histogram", {{"encoding", "hdr-v2-base64"}, {"unit", "ns"}, {"data", encode_hdr_v2_base64(h)}}}};
  return {{"run", {{"id", run_id}}}, {"benchmarks", json::array({benchmark})}};
}

TEST(CompareHtml, VerdictFirstThenRowsWithTheBaselineSpectrumUnderTheCurrentOne) {
  compare::ComparisonReport report;
  compare::ComparisonRow regressed;
  regressed.benchmark = "</svg><script>x</script>";
  regressed.metric = "latency_p99";
  regressed.unit = "ms";
  regressed.baseline = 1.5;
  regressed.current = 2.0;
  regressed.change_pct = 33.3;
  regressed.verdict = compare::Verdict::regressed;
  report.rows.push_back(regressed);
  compare::ComparisonRow same = regressed;
  same.metric = "throughput";
  same.verdict = compare::Verdict::unchanged;
  report.rows.push_back(same);
  report.gate_failed = true;
  json a = document_of("A", 0), b = document_of("B", 300);
  ComparedRuns runs{"a.json", "b.json", &a, &b, {}, {}};
  const std::string html = compare_html(report, runs);
  EXPECT_THAT(html, HasSubstr("<title>perfgate compare: FAIL: 1 regression</title>"));
  const auto verdict = html.find("<div class=\"verdict fail\"");
  ASSERT_NE(verdict, std::string::npos);
  EXPECT_LT(verdict, html.find("<h2>Comparison</h2>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"regressed\">got worse</span>: 1.5 ms &rarr; 2 ms (+33.3%)"));
  EXPECT_THAT(html, HasSubstr("<summary>1 unchanged row</summary>"));
  EXPECT_THAT(html, HasSubstr("<title>baseline</title></polyline>"));
  EXPECT_THAT(html, HasSubstr("<title>this run</title></polyline>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));

  // The differential flame graph compare wrote is linked beside the current run's.
  b["benchmarks"][0]["profiles"] = {{"api", {{"svg", "runs/B/x.api.svg"}, {"folded", "runs/B/x.api.folded"}, {"samples", 9}}}};
  runs.diff_flame_graphs[{"</svg><script>x</script>", "api"}] = "runs/B/x.api.diff.svg";
  EXPECT_THAT(compare_html(report, runs), HasSubstr("<a href=\"runs/B/x.api.svg\">api</a> <span class=\"meta\">(9 samples; "
                                                    "<a href=\"runs/B/x.api.folded\">folded</a>; "
                                                    "<a href=\"runs/B/x.api.diff.svg\">against the baseline</a>)</span>"));

  report.rows.erase(report.rows.begin());
  report.gate_failed = false;
  const std::string quiet = compare_html(report, runs);
  EXPECT_THAT(quiet, HasSubstr("<span class=\"word\">PASS</span><span class=\"headline\">no regression</span>\n"
                               "<p>Nothing changed significantly.</p>"));
  EXPECT_THAT(quiet, HasSubstr("0 regressed, 0 improved, 0 noisy, 1 unchanged.</p>"));
}

TrendSeries series_of(const std::string& metric, bool shifted) {
  TrendSeries s{"api", "<health>", metric, "ms", "lower", {}, {}};
  for (int i = 0; i < 6; ++i) {
    s.points.push_back({"run-" + std::to_string(i), "2026-11-2" + std::to_string(i) + "T10:00:00.000Z", std::nullopt,
                        shifted && i >= 3 ? 4.0 : 2.0});
  }
  if (shifted) s.changes.push_back({3, 2.0, 4.0, 1.0, 0.001, "worse"});
  return s;
}

TEST(TrendsHtml, ChangePointsFirstInWordsSteadySeriesFolded) {
  const std::string html = trends_html({series_of("latency_p50", false), series_of("latency_p99", true)});
  EXPECT_THAT(html, HasSubstr("<span class=\"word\">WORSE</span><span class=\"headline\">1 change point in 2 series "
                              "(1 worse)</span>"));
  EXPECT_THAT(html, HasSubstr("<li><b>&lt;health&gt;</b> <code>latency_p99</code> <span class=\"worse\">got worse</span>: "
                              "2 ms &rarr; 4 ms (+100.0%) from run <code>run-3</code>"));
  EXPECT_LT(html.find("id=\"verdict\""), html.find("<svg"));
  EXPECT_THAT(html, HasSubstr("<title>latency_p99 across runs</title>"));
  EXPECT_THAT(html, HasSubstr(">+100% worse</text>"));
  EXPECT_THAT(html, Not(HasSubstr("<title>latency_p50 across runs</title>")));
  EXPECT_THAT(html, HasSubstr("<details class=\"unchanged\"><summary>1 series without a change point</summary>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));

  const std::string steady = trends_html({series_of("latency_p50", false)});
  EXPECT_THAT(steady, HasSubstr("<span class=\"word\">STEADY</span>"));
  EXPECT_THAT(steady, HasSubstr("No metric shifted"));
}

}  // namespace
}  // namespace perfgate::report
