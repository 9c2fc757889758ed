// Tests of the JUnit XML of a run's checks: the counts CI dashboards read, failures for a
// failed threshold and a regression, skipped benchmarks, escaping, and well-formed output
// (checked by Python's XML parser, which rejects what XML 1.0 forbids).
#include "report/junit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace perfgate::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json check(const std::string& benchmark, const std::string& expr, json observed, bool passed,
           std::optional<std::string> observed_text = std::nullopt) {
  json c = {{"benchmark", benchmark}, {"expr", expr}, {"observed", observed}, {"passed", passed}};
  if (observed_text) c["observed_text"] = *observed_text;
  return c;
}

compare::ComparisonRow row(const std::string& benchmark, const std::string& metric, compare::Verdict verdict,
                           double baseline, double current) {
  compare::ComparisonRow r;
  r.benchmark = benchmark;
  r.metric = metric;
  r.unit = "ms";
  r.better = "lower";
  r.baseline = baseline;
  r.current = current;
  r.change_pct = (current - baseline) / baseline * 100;
  r.allowed_change_pct = 10;
  r.p_value = 0.0012;
  r.verdict = verdict;
  r.reason = "reason for " + metric;
  return r;
}

// A comparison with one row of each kind that matters and a benchmark on each side only.
compare::ComparisonReport sample_comparison() {
  compare::ComparisonReport report;
  report.rows.push_back(row("health", "latency_p95", compare::Verdict::regressed, 10, 12.5));
  report.rows.push_back(row("health", "latency_p50", compare::Verdict::noisy, 5, 6));
  report.rows.push_back(row("health", "throughput", compare::Verdict::unchanged, 1000, 1001));
  report.only_in_baseline = {"old"};
  report.only_in_current = {"new"};
  report.gate_failed = true;
  return report;
}

json sample_checks() {
  return json::array({check("health", "p95 < 50ms", 62.5, false, "62.5ms"), check("health", "p99 < 200ms", 80, true),
                      check("webhook", "error_rate < 0.1%", 0.0, true)});
}

// Writes the XML to a file and asks Python's parser whether it is well-formed.
bool well_formed(const std::string& xml) {
  std::string path = "/tmp/perfgate-junit-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return false;
  close(fd);
  std::ofstream(path, std::ios::binary) << xml;
  std::string command = "python3 -c 'import sys,xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " + path;
  int status = std::system(command.c_str());
  std::remove(path.c_str());
  return status == 0;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

TEST(JUnit, CountsTestsFailuresAndSkippedInTheAttributes) {
  compare::ComparisonReport comparison = sample_comparison();
  std::string xml = junit_xml("webhook-service", sample_checks(), &comparison, 61.5);
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")) << xml;
  // 3 checks + 3 rows + 2 one-sided benchmarks; 1 failed check, 1 regression; 2 skipped.
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"perfgate\" tests=\"8\" failures=\"2\" errors=\"0\" skipped=\"2\" "
                             "time=\"61.500\">"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"webhook-service thresholds\" tests=\"3\" failures=\"1\" errors=\"0\" "
                             "skipped=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"webhook-service regressions\" tests=\"5\" failures=\"1\" errors=\"0\" "
                             "skipped=\"2\""));
  EXPECT_EQ(occurrences(xml, "<testcase "), 8u);
  EXPECT_TRUE(well_formed(xml)) << xml;
}

TEST(JUnit, AFailedCheckIsAThresholdFailureWithWhatWasObserved) {
  std::string xml = junit_xml("svc", sample_checks(), nullptr, 1);
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"svc.health\" name=\"p95 &lt; 50ms\" time=\"0.000\">\n"
                             "      <failure message=\"observed 62.5ms\" type=\"threshold\">"));
  // Passed checks are bare test cases.
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"svc.health\" name=\"p99 &lt; 200ms\" time=\"0.000\"/>"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"svc.webhook\" name=\"error_rate &lt; 0.1%\" time=\"0.000\"/>"));
  EXPECT_EQ(occurrences(xml, "type=\"threshold\""), 1u);
}

TEST(JUnit, AMissingObservationIsNotANumber) {
  json checks = json::array({check("health", "p95 < 50ms", nullptr, false),
                             check("health", "p99 < 50ms", std::nan(""), false),
                             check("health", "max < 50ms", 75.25, false)});
  std::string xml = junit_xml("svc", checks, nullptr, 1);
  EXPECT_EQ(occurrences(xml, "message=\"observed n/a\""), 2u) << xml;
  EXPECT_THAT(xml, HasSubstr("message=\"observed 75.25\""));
  EXPECT_THAT(xml, Not(HasSubstr("nan")));
  EXPECT_TRUE(well_formed(xml)) << xml;
}

TEST(JUnit, ARegressedRowFailsWithBaselineCurrentChangeAndPValue) {
  compare::ComparisonReport comparison = sample_comparison();
  std::string xml = junit_xml("svc", json::array(), &comparison, 1);
  auto at = xml.find("name=\"latency_p95 did not regress beyond +10% (lower is better)\"");
  ASSERT_NE(at, std::string::npos) << xml;
  std::string testcase = xml.substr(at, xml.find("</testcase>", at) - at);
  EXPECT_THAT(testcase, HasSubstr("type=\"regression\""));
  EXPECT_THAT(testcase, HasSubstr("+25.0%"));
  EXPECT_THAT(testcase, HasSubstr("baseline: 10 ms"));
  EXPECT_THAT(testcase, HasSubstr("current: 12.5 ms"));
  EXPECT_THAT(testcase, HasSubstr("p-value: 0.0012"));
  EXPECT_THAT(testcase, HasSubstr("reason: reason for latency_p95"));
  EXPECT_EQ(occurrences(xml, "<failure "), 1u);
}

TEST(JUnit, ANoisyRowPassesWithItsReasonInSystemOut) {
  compare::ComparisonReport comparison = sample_comparison();
  std::string xml = junit_xml("svc", json::array(), &comparison, 1);
  auto at = xml.find("name=\"latency_p50 did not regress beyond +10% (lower is better)\"");
  ASSERT_NE(at, std::string::npos) << xml;
  std::string testcase = xml.substr(at, xml.find("</testcase>", at) - at);
  EXPECT_THAT(testcase, Not(HasSubstr("<failure")));
  EXPECT_THAT(testcase, HasSubstr("<system-out>noisy: reason for latency_p50"));
  EXPECT_THAT(xml, HasSubstr("classname=\"svc.health\" name=\"throughput did not regress beyond +10% (lower is better)\" time=\"0.000\"/>"));
}

// Each regression case takes its benchmark's measured time; a higher-is-better metric says so.
TEST(JUnit, RegressionCasesTakeTheirBenchmarksDurationAndNameTheirDirection) {
  compare::ComparisonReport comparison = sample_comparison();
  comparison.rows[2].better = "higher";
  json benchmarks = json::array({{{"name", "health"}, {"duration_s", 12.25}}});
  std::string xml = junit_xml("svc", json::array(), &comparison, 30, benchmarks);
  EXPECT_THAT(xml, HasSubstr("name=\"latency_p95 did not regress beyond +10% (lower is better)\" time=\"12.250\">"));
  EXPECT_THAT(xml,
              HasSubstr("name=\"throughput did not regress beyond -10% (higher is better)\" time=\"12.250\"/>"));
}

// A metric outside the gated set never fails the JUnit report, though it shows what it did.
TEST(JUnit, ARegressedRowThatIsNotGatedPasses) {
  compare::ComparisonReport comparison = sample_comparison();
  comparison.rows[0].gated = false;
  comparison.gate_failed = false;
  std::string xml = junit_xml("svc", json::array(), &comparison, 1);
  EXPECT_EQ(occurrences(xml, "<failure "), 0u) << xml;
  EXPECT_THAT(xml, HasSubstr("<system-out>regressed, not gated (regression.metrics): reason for latency_p95"));
}

TEST(JUnit, BenchmarksOnOneSideOnlyAreSkipped) {
  compare::ComparisonReport comparison = sample_comparison();
  std::string xml = junit_xml("svc", json::array(), &comparison, 1);
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"svc.old\" name=\"compared with the baseline\" time=\"0.000\">\n"
                             "      <skipped message=\"only in the baseline"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"svc.new\" name=\"compared with the baseline\" time=\"0.000\">\n"
                             "      <skipped message=\"only in this run"));
}

TEST(JUnit, WithoutABaselineTheRegressionSuiteSaysSoInOneSkippedCase) {
  std::string xml = junit_xml("svc", sample_checks(), nullptr, 2);
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"svc regressions\" tests=\"1\" failures=\"0\" errors=\"0\" "
                             "skipped=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"no baseline to compare with\"/>"));
  EXPECT_THAT(xml, HasSubstr("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.000\""));
  EXPECT_TRUE(well_formed(xml)) << xml;
}

TEST(JUnit, EscapesNamesAndDropsWhatXmlCannotCarry) {
  const std::string name = "a<b & \"c\"";
  compare::ComparisonReport comparison;
  comparison.rows.push_back(row(name, "latency_p95", compare::Verdict::regressed, 10, 20));
  comparison.rows.back().reason = "went from <10 ms> to 'twenty' & more\x01\x1b[31m";
  comparison.only_in_current = {"bell\x07 and tab\t"};
  json checks = json::array({check(name, "p95 < 50ms & p99 > 'x'", 62.5, false, "62.5ms\x0c")});
  std::string xml = junit_xml("suite\x02 <1>", checks, &comparison, 3);

  EXPECT_THAT(xml, HasSubstr("classname=\"suite &lt;1&gt;.a&lt;b &amp; &quot;c&quot;\""));
  EXPECT_THAT(xml, HasSubstr("name=\"p95 &lt; 50ms &amp; p99 &gt; &apos;x&apos;\""));
  EXPECT_THAT(xml, HasSubstr("message=\"observed 62.5ms\""));
  EXPECT_THAT(xml, HasSubstr("went from &lt;10 ms&gt; to &apos;twenty&apos; &amp; more[31m"));
  EXPECT_THAT(xml, HasSubstr("classname=\"suite &lt;1&gt;.bell and tab&#9;\""));
  for (char c : xml) {
    unsigned char u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n' || c == '\t') << "control character " << int(u) << " in\n" << xml;
  }
  EXPECT_TRUE(well_formed(xml)) << xml;
}

TEST(JUnit, InvalidUtf8BecomesTheReplacementCharacterAndValidUtf8Stays) {
  EXPECT_EQ(xml_escape("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80"), "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80");
  EXPECT_EQ(xml_escape("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(xml_escape("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // an overlong '/'
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(xml_escape("x\xef\xbf\xbey"), "xy");  // U+FFFE is not an XML character
  EXPECT_EQ(xml_escape("cut \xe2\x86"), "cut \xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(xml_escape("line\r\nnext"), "line&#13;&#10;next");

  json checks = json::array({check("bad\xff\xfe name", "p95 < 1ms", 2, false)});
  EXPECT_TRUE(well_formed(junit_xml("s\xc3", checks, nullptr, 0))) << junit_xml("s\xc3", checks, nullptr, 0);
}

TEST(JUnit, ChecksThatAreNotAListGiveAnEmptyThresholdSuite) {
  std::string xml = junit_xml("svc", json(), nullptr, 0);
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"svc thresholds\" tests=\"0\" failures=\"0\""));
  EXPECT_TRUE(well_formed(xml)) << xml;
}

}  // namespace
}  // namespace perfgate::report
