// The SVG flame graph: one frame per node of the merged stacks, widths by samples, every name
// escaped, the differential colours' direction, the same bytes for the same input.
#include "profile/flame_graph.hpp"

#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace perfgate::profile {
namespace {

struct Frame {
  std::string name;
  std::uint64_t samples = 0;
  double width = 0;
  double x = 0;
  std::string fill;
};

// The frames drawn, by the name in their tooltip's first line.
std::map<std::string, Frame> frames_of(const std::string& svg) {
  static const std::regex frame_re(
      "<g class=\"f\" data-s=\"(\\d+)\" data-n=\"(\\d+)\" data-d=\"(\\d+)\"><title>([^\\n<]*)\\n[^<]*</title>"
      "<rect x=\"([0-9.]+)\" y=\"\\d+\" width=\"([0-9.]+)\" height=\"\\d+\" fill=\"([^\"]+)\"");
  std::map<std::string, Frame> frames;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), frame_re); it != std::sregex_iterator(); ++it) {
    Frame f;
    f.name = (*it)[4];
    f.samples = std::stoull((*it)[2]);
    f.x = std::stod((*it)[5]);
    f.width = std::stod((*it)[6]);
    f.fill = (*it)[7];
    frames[f.name] = f;
  }
  return frames;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(FlameGraph, OneRectPerFrameOfTheMergedStacks) {
  FoldedStacks stacks = parse_folded("p;main;a 6\np;main;b;a 2\np;main;b 2\n", "x");
  const std::string svg = render_flame_graph(stacks, {});
  // all, p, main, a, b, b;a: six frames (a appears twice, at two places), each one rect.
  EXPECT_EQ(count_of(svg, "<g class=\"f\""), 6u);
  EXPECT_EQ(count_of(svg, "<rect"), 6u + 1u);  // and the background
  EXPECT_EQ(count_of(svg, "<title>"), 6u);
  auto frames = frames_of(svg);
  EXPECT_EQ(frames.at("all").samples, 10u);
  EXPECT_NE(svg.find("<title>all\n10 samples (100.00%)</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>b\n4 samples (40.00%)</title>"), std::string::npos);
}

TEST(FlameGraph, WidthsAreProportionalToSamples) {
  FoldedStacks stacks = parse_folded("root;wide 3\nroot;narrow 1\n", "x");
  FlameGraphOptions options;
  options.width_px = 1020;  // 1000 px for the frames, 10 px padding each side
  auto frames = frames_of(render_flame_graph(stacks, options));
  EXPECT_NEAR(frames.at("all").width, 1000.0, 0.01);
  EXPECT_NEAR(frames.at("wide").width, 750.0, 0.01);
  EXPECT_NEAR(frames.at("narrow").width, 250.0, 0.01);
  // Children in name order, left to right: narrow, then wide.
  EXPECT_NEAR(frames.at("narrow").x, 10.0, 0.01);
  EXPECT_NEAR(frames.at("wide").x, 260.0, 0.01);
}

TEST(FlameGraph, EveryNameIsEscaped) {
  FoldedStacks stacks = parse_folded("app;operator<<&\"x\" 2\napp;a<b>'c 1\n", "x");
  FlameGraphOptions options;
  options.title = "title <&\">";
  const std::string svg = render_flame_graph(stacks, options);
  EXPECT_NE(svg.find("operator&lt;&lt;&amp;&quot;x&quot;"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b&gt;&#39;c"), std::string::npos);
  EXPECT_NE(svg.find("title &lt;&amp;&quot;&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("operator<<"), std::string::npos);
  EXPECT_EQ(svg.find("a<b>"), std::string::npos);
  EXPECT_EQ(svg.find("&\"x"), std::string::npos);
}

TEST(FlameGraph, XmlTextReplacesWhatXmlCannotHold) {
  EXPECT_EQ(xml_text("a\x01" "b\x7f"), "a?b?");       // control characters
  EXPECT_EQ(xml_text("caf\xc3\xa9"), "caf\xc3\xa9");   // UTF-8 kept
  EXPECT_EQ(xml_text("bad\xff\xc3"), "bad??");         // not UTF-8
  EXPECT_EQ(xml_text("\xed\xa0\x80"), "???");          // a UTF-16 surrogate is not a character
}

TEST(FlameGraph, SameInputSameBytes) {
  FoldedStacks one = parse_folded("p;b 1\np;a;x 2\np;a 3\n", "x");
  FoldedStacks two = parse_folded("p;a 3\np;a;x 1\np;b 1\np;a;x 1\n", "y");  // other order, split counts
  EXPECT_EQ(render_flame_graph(one, {}), render_flame_graph(two, {}));
}

TEST(FlameGraph, SelfContained) {
  const std::string svg = render_flame_graph(parse_folded("p;a 1\n", "x"), {});
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_EQ(svg.find("<script src"), std::string::npos);
  EXPECT_EQ(count_of(svg, "http://"), 1u);  // the SVG namespace name only, which is never fetched
  EXPECT_NE(svg.find("<script type=\"text/ecmascript\"><![CDATA["), std::string::npos);
  EXPECT_NE(svg.find("Reset Zoom"), std::string::npos);
  EXPECT_NE(svg.find(">Search<"), std::string::npos);
}

int red(const std::string& fill) { return std::stoi(fill.substr(4)); }
int blue(const std::string& fill) { return std::stoi(fill.substr(fill.rfind(',') + 1)); }

TEST(FlameGraph, DifferentialColoursGrowthRedAndShrinkageBlue) {
  FoldedStacks base = parse_folded("p;grew 1\np;shrank 3\np;same 4\n", "base");
  FoldedStacks now = parse_folded("p;grew 3\np;shrank 1\np;same 4\np;new 2\n", "now");
  FlameGraphOptions options;
  options.base = &base;
  const std::string svg = render_flame_graph(now, options);
  auto frames = frames_of(svg);
  // Shares: grew 12.5% -> 30%, shrank 37.5% -> 10%, same 50% -> 40%, new 0 -> 20%.
  EXPECT_EQ(red(frames.at("grew").fill), 255);
  EXPECT_LT(blue(frames.at("grew").fill), 255);
  EXPECT_EQ(blue(frames.at("shrank").fill), 255);
  EXPECT_LT(red(frames.at("shrank").fill), 255);
  EXPECT_EQ(red(frames.at("new").fill), 255);     // not in the base: all of its share is growth
  EXPECT_EQ(blue(frames.at("same").fill), 255);   // same samples, smaller share of more samples
  // The largest change (shrank, -27.5 points) is the deepest colour.
  EXPECT_LT(red(frames.at("shrank").fill), blue(frames.at("grew").fill));
  EXPECT_EQ(frames.at("all").fill, "rgb(230,230,230)");  // 100% in both
  EXPECT_NE(svg.find("base: 3 samples (37.50%); change -27.50 points"), std::string::npos);
  EXPECT_EQ(frames.size(), 6u);  // the new profile's shape: nothing only in the base is drawn
}

TEST(FlameGraph, NoSamplesStillAValidGraph) {
  const std::string svg = render_flame_graph(FoldedStacks{}, {});
  EXPECT_NE(svg.find("no samples"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<g class=\"f\""), 0u);
}

}  // namespace
}  // namespace perfgate::profile
