// Tests for the "did you mean" suggestions.
#include "core/suggestion.hpp"

#include <gtest/gtest.h>

namespace perfgate {
namespace {

TEST(EditDistance, CountsEditsAndTranspositions) {
  EXPECT_EQ(edit_distance("connections", "connections"), 0u);
  EXPECT_EQ(edit_distance("conections", "connections"), 1u);
  EXPECT_EQ(edit_distance("duartion", "duration"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(ClosestMatch, OnlyLikelyTypos) {
  const std::vector<std::string> keys = {"url", "connections", "duration", "rate"};
  EXPECT_EQ(closest_match("conections", keys), "connections");
  EXPECT_EQ(closest_match("duartion", keys), "duration");
  EXPECT_EQ(closest_match("rat", keys), "rate");
  EXPECT_FALSE(closest_match("frobnicate", keys).has_value());
  EXPECT_EQ(did_you_mean("urls", keys), "; did you mean 'url'?");
  EXPECT_EQ(did_you_mean("zzzzzz", keys), "");
}

}  // namespace
}  // namespace perfgate
