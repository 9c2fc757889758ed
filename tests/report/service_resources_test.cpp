// The figures of monitored services in the reports of a run: the Markdown table, the HTML page's
// table and its CPU and RSS charts over time (inline SVG), and the JUnit properties.
#include "report/service_resources.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "report/junit.hpp"
#include "report/run_html.hpp"
#include "report/run_markdown.hpp"

namespace perfgate::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json monitored_benchmark() {
  json timeline = json::array();
  for (int i = 1; i <= 8; ++i) {
    timeline.push_back(
        {{"t", 0.25 * i}, {"cpu_pct", 40.0 + i}, {"rss_bytes", 10 * 1024 * 1024 + i * 4096}, {"threads", 5}, {"fds", 12}});
  }
  return {{"name", "health"},
          {"kind", "http"},
          {"valid", true},
          {"metrics",
           {{{"name", "latency_p50"}, {"unit", "ms"}, {"better", "lower"}, {"value", 2.25}},
            {{"name", "api.cpu_pct_mean"}, {"unit", "percent"}, {"better", "lower"}, {"value", 44.5}},
            {{"name", "api.rss_max"}, {"unit", "bytes"}, {"better", "lower"}, {"value", 10518528}}}},
          {"resources",
           {{"api",
             {{"cpu_pct", {{"mean", 44.5}, {"max", 48}}},
              {"rss_bytes", {{"max", 10518528}}},
              {"threads", {{"max", 5}}},
              {"fds", {{"max", 12}}},
              {"samples", 8},
              {"source", "process tree of pid 12"}}},
            {"db", {{"samples", 0}, {"note", "the process (or cgroup) was gone before the window ended"}}}}},
          {"resource_timeline", {{"api", timeline}}}};
}

TEST(ServiceResources, ReadsTheFiguresOfEachService) {
  auto figures = service_figures(json::array({monitored_benchmark()}));
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_EQ(figures[0].benchmark, "health");
  EXPECT_EQ(figures[0].service, "api");
  EXPECT_EQ(figures[0].samples, 8u);
  EXPECT_DOUBLE_EQ(figures[0].cpu_pct_mean, 44.5);
  EXPECT_DOUBLE_EQ(figures[0].rss_max_bytes, 10518528);
  EXPECT_DOUBLE_EQ(figures[0].threads_max, 5);
  EXPECT_DOUBLE_EQ(figures[0].fds_max, 12);
  EXPECT_EQ(figures[1].samples, 0u);
  EXPECT_THAT(figures[1].note, HasSubstr("gone"));
  EXPECT_TRUE(service_figures(json::array({{{"name", "x"}}})).empty());
}

TEST(ServiceResources, MarkdownHasATableOnlyWhenSomethingWasMonitored) {
  RunSummary summary;
  summary.suite = "s";
  summary.no_baseline_reason = "--baseline none";
  summary.benchmarks = json::array({monitored_benchmark()});
  std::string md = run_markdown(summary);
  EXPECT_THAT(md, HasSubstr("### Service resources"));
  EXPECT_THAT(md, HasSubstr("| health | api | 44.5% | 48.0% | 10.03 MiB | 5 | 12 | 8 |"));
  EXPECT_THAT(md, HasSubstr("| health | db | – | – | – | – | – | 0 (the process (or cgroup) was gone"));
  summary.benchmarks = json::array({{{"name", "x"}}});
  EXPECT_THAT(run_markdown(summary), Not(HasSubstr("Service resources")));
}

TEST(ServiceResources, HtmlDrawsACpuAndAnRssChartPerService) {
  RunSummary summary;
  summary.suite = "s";
  summary.no_baseline_reason = "--baseline none";
  json document = {{"benchmarks", json::array({monitored_benchmark()})}};
  std::string html = run_html(summary, document);
  EXPECT_THAT(html, HasSubstr("aria-label=\"api CPU over time\""));
  EXPECT_THAT(html, HasSubstr("aria-label=\"api RSS over time\""));
  EXPECT_THAT(html, HasSubstr("<title>CPU (100% = one core busy)</title></polyline>"));
  EXPECT_THAT(html, HasSubstr("<title>RSS</title></polyline>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"n\">44.5%</td>"));
  EXPECT_THAT(html, HasSubstr("not measured: the process (or cgroup) was gone"));
  EXPECT_THAT(html, Not(HasSubstr("<script"))) << "self-contained, no script";
}

TEST(ServiceResources, JunitListsTheFiguresAsProperties) {
  json checks = json::array({{{"benchmark", "health"}, {"expr", "api.rss < 1KB"}, {"observed_text", "10.03MB"}, {"passed", false}}});
  std::string xml = junit_xml("s", checks, nullptr, 2.0, json::array({monitored_benchmark()}));
  EXPECT_THAT(xml, HasSubstr("<property name=\"health api.rss_max\" value=\"10518528 bytes\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"health api.cpu_pct_mean\" value=\"44.5 percent\"/>"));
  EXPECT_THAT(xml, Not(HasSubstr("latency_p50\" value")));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"observed 10.03MB\" type=\"threshold\">"));
}

}  // namespace
}  // namespace perfgate::report
