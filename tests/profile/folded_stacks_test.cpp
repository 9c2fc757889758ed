// Folded stacks read and written: FlameGraph's format, the same bytes for the same samples.
#include "profile/folded_stacks.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace perfgate::profile {
namespace {

TEST(FoldedStacks, ParsesAndWritesInStackOrder) {
  FoldedStacks stacks = parse_folded("b;c 3\na;b 2\n\n  \na;b 1\r\nname with spaces;x 4\n", "in.folded");
  EXPECT_EQ(stacks.total(), 10u);
  EXPECT_EQ(format_folded(stacks), "a;b 3\nb;c 3\nname with spaces;x 4\n");
}

TEST(FoldedStacks, ReadsTheNewColumnOfDifferentialLines) {
  FoldedStacks stacks = parse_folded("a;b 5 7\n", "diff.folded");  // difffolded.pl: BEFORE AFTER
  EXPECT_EQ(format_folded(stacks), "a;b 7\n");
}

TEST(FoldedStacks, MalformedLinesNameTheFileAndLine) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"a;b 1\na;b\n", "in.folded:2: expected folded stacks"},   // no count
      {"a;b -3\n", "in.folded:1: expected folded stacks"},       // not a whole number
      {"a;b 1.5\n", "in.folded:1: expected folded stacks"},      // nor a fraction
      {"a;b 99999999999999999999999\n", "in.folded:1:"},        // overflow
  };
  for (const Case& c : cases) {
    try {
      parse_folded(c.text, "in.folded");
      ADD_FAILURE() << c.text;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

TEST(FoldedStacks, HottestFramesAreLeavesBySamples) {
  FoldedStacks stacks = parse_folded("p;main;a 6\np;main;b;a 2\np;main;b 1\np;main 1\n", "x");
  auto hottest = hottest_frames(stacks, 2);
  ASSERT_EQ(hottest.size(), 2u);
  EXPECT_EQ(hottest[0].frame, "a");
  EXPECT_EQ(hottest[0].samples, 8u);
  EXPECT_DOUBLE_EQ(hottest[0].share, 0.8);
  EXPECT_EQ(hottest[1].frame, "b");  // ties (b and main, 1 each) in name order
  EXPECT_EQ(samples_containing(stacks, "b"), 3u);
  EXPECT_EQ(samples_containing(stacks, "main"), 10u);
}

}  // namespace
}  // namespace perfgate::profile
