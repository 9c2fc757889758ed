// Tests of the charts of the HTML pages: round ticks, the nines axis, markers, escaping, and
// nothing drawn without data.
#include "report/svg_chart.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace perfgate::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SvgChart, TicksAreRoundNumbers) {
  EXPECT_THAT(nice_ticks(0, 9.7), ElementsAre(0, 2, 4, 6, 8, 10));
  EXPECT_THAT(nice_ticks(0, 1000, 5), ElementsAre(0, 200, 400, 600, 800, 1000));
  auto small = nice_ticks(0.12, 0.31, 4);
  ASSERT_EQ(small.size(), 5u);  // 0.15 … 0.35: the last one covers the top
  EXPECT_NEAR(small.front(), 0.15, 1e-12);
  EXPECT_NEAR(small.back(), 0.35, 1e-12);
  EXPECT_THAT(nice_ticks(5, 5, 5), Not(::testing::IsEmpty()));  // a flat series still gets an axis
}

TEST(SvgChart, TheNinesAxisPutsEachNineOneStepFurther) {
  EXPECT_NEAR(nines_position(0.0), 0, 1e-12);
  EXPECT_NEAR(nines_position(0.9), 1, 1e-12);
  EXPECT_NEAR(nines_position(0.99), 2, 1e-9);
  EXPECT_NEAR(nines_position(0.9999), 4, 1e-9);
  EXPECT_TRUE(std::isfinite(nines_position(1.0)));
}

TEST(SvgChart, ANinesChartLabelsFiftyToFourNinesEvenWhenTheDataStopsEarlier) {
  Chart chart;
  chart.title = "spectrum";
  chart.y_unit = "ms";
  chart.x_axis = XAxis::nines;
  chart.lines.push_back({"run", {0, 1, 2}, {1, 2, 4}});
  const std::string svg = svg_chart(chart);
  for (const char* label : {">50%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"}) EXPECT_THAT(svg, HasSubstr(label));
  EXPECT_THAT(svg, Not(HasSubstr(">99.999%<")));
  EXPECT_THAT(svg, HasSubstr(">4 ms</text>"));
  EXPECT_THAT(svg, HasSubstr(">percentile</text>"));
}

TEST(SvgChart, LargeTicksInThousandsAndTheNinesAxisStopsAtSeven) {
  Chart chart{"throughput", "rps"};
  chart.lines.push_back({"requests", {0, 1, 2}, {0, 150000, 250000}});
  const std::string svg = svg_chart(chart);
  EXPECT_THAT(svg, HasSubstr(">250k rps</text>"));
  EXPECT_THAT(svg, HasSubstr(">50k rps</text>"));
  Chart spectrum{"spectrum", "ms", XAxis::nines};
  spectrum.lines.push_back({"run", {0, 3, 7, 8}, {1, 2, 3, 99}});
  const std::string nines = svg_chart(spectrum);
  EXPECT_THAT(nines, HasSubstr(">99.99999%</text>"));
  EXPECT_THAT(nines, Not(HasSubstr(">99.999999%</text>")));
  EXPECT_EQ(std::count(nines.begin(), nines.end(), ','), 3) << "the point past seven nines is left out";
}

TEST(SvgChart, ASeriesAcrossRunsSpansAtLeastATenthOfItsLevel) {
  Chart chart{"throughput across runs", "rps", XAxis::runs};
  chart.y_from_zero = false;
  chart.run_labels = {"a", "b"};
  chart.lines.push_back({"runs", {0, 1}, {200.0, 200.2}});
  const std::string svg = svg_chart(chart);
  EXPECT_THAT(svg, HasSubstr(">195 rps</text>"));  // 0.1% of noise is not drawn as a cliff
  EXPECT_THAT(svg, HasSubstr(">210 rps</text>"));
  EXPECT_THAT(svg, Not(HasSubstr(">200.2 rps</text>")));
}

TEST(SvgChart, MarkersLegendAndEscaping) {
  Chart chart;
  chart.title = "a <b> & \"c\"";
  chart.x_axis = XAxis::runs;
  chart.run_labels = {"r0", "r1", "<r2>"};
  chart.lines.push_back({"<line>", {0, 1, 2}, {1, 2, 3}, kBlue, true});
  chart.markers.push_back({1.5, "+10% worse", kRed, "from run <x>"});
  const std::string svg = svg_chart(chart);
  EXPECT_THAT(svg, HasSubstr("aria-label=\"a &lt;b&gt; &amp; &quot;c&quot;\""));
  EXPECT_THAT(svg, HasSubstr(">&lt;line&gt;</text>"));  // the legend
  EXPECT_THAT(svg, HasSubstr(">&lt;r2&gt;</text>"));
  EXPECT_THAT(svg, HasSubstr("<title>from run &lt;x&gt;</title>"));
  EXPECT_THAT(svg, HasSubstr(">+10% worse</text>"));
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray=\"5 3\""));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
}

TEST(SvgChart, NothingToDrawIsNoChart) {
  Chart chart;
  EXPECT_EQ(svg_chart(chart), "");
  chart.lines.push_back({"empty", {}, {}});
  chart.lines.push_back({"nan", {NAN}, {1}});
  EXPECT_EQ(svg_chart(chart), "");
  chart.lines.push_back({"one", {1}, {1}});  // one point: a dot, no line
  const std::string svg = svg_chart(chart);
  EXPECT_THAT(svg, HasSubstr("<circle"));
  EXPECT_THAT(svg, Not(HasSubstr("<polyline")));
}

}  // namespace
}  // namespace perfgate::report
