// Folded stacks, the format FlameGraph, inferno and speedscope read: one line per distinct stack,
// `root;caller;callee COUNT`, root first. Kept ordered by stack, so what is written for the same
// samples is the same bytes.
//
//   FoldedStacks stacks = parse_folded(text, "base.folded");   // UsageError "base.folded:3: ..."
//   stacks.add("hot;main;busy::spin", 1);
//   write_output_file("out.folded", format_folded(stacks));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::profile {

struct FoldedStacks {
  std::map<std::string, std::uint64_t, std::less<>> counts;  // stack -> samples

  // Adds `count` samples to the stack (frames joined by ';', root first).
  void add(std::string_view stack, std::uint64_t count);
  // Samples over all stacks.
  std::uint64_t total() const;
  bool empty() const { return counts.empty(); }
};

// Reads folded text: each non-blank line is a stack, whitespace, then a whole count (FlameGraph's
// two-column diff lines, `stack COUNT1 COUNT2`, are read as their second count: the new profile).
// Repeated stacks add up. Throws UsageError naming `source` and the line for anything else.
FoldedStacks parse_folded(std::string_view text, const std::string& source);

// The file at `path` read and parsed: RunError when it cannot be read, UsageError when it is
// not folded stacks.
FoldedStacks read_folded_file(const std::string& path);

struct FrameShare {
  std::string frame;
  std::uint64_t samples = 0;
  double share = 0;  // of all samples, 0..1
};
// The frames that were on CPU themselves (the leaf of each stack), by their samples, the largest
// first (ties in name order); at most `limit`.
std::vector<FrameShare> hottest_frames(const FoldedStacks& stacks, std::size_t limit);

// Samples whose stack holds `frame` anywhere (once per stack, however often it recurs): the
// frame's inclusive ("total") samples.
std::uint64_t samples_containing(const FoldedStacks& stacks, std::string_view frame);

// `stack COUNT\n` per stack, in byte order of the stacks.
std::string format_folded(const FoldedStacks& stacks);

}  // namespace perfgate::profile
