// Folded stacks read and written; see folded_stacks.hpp.
#include "profile/folded_stacks.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::profile {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The last whitespace-separated field of `line` as a count, and the text before it.
bool split_count(std::string_view line, std::string_view& rest, std::uint64_t& count) {
  while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
  std::size_t space = line.size();
  while (space > 0 && !is_blank(line[space - 1])) --space;
  if (space == 0 || space == line.size()) return false;
  std::string_view number = line.substr(space);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
  if (ec != std::errc() || end != number.data() + number.size()) return false;
  rest = line.substr(0, space);
  while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);
  return true;
}

}  // namespace

void FoldedStacks::add(std::string_view stack, std::uint64_t count) {
  auto at = counts.find(stack);
  if (at == counts.end()) {
    counts.emplace(std::string(stack), count);
  } else {
    at->second += count;
  }
}

std::uint64_t FoldedStacks::total() const {
  std::uint64_t sum = 0;
  for (const auto& [stack, count] : counts) sum += count;
  return sum;
}

FoldedStacks parse_folded(std::string_view text, const std::string& source) {
  FoldedStacks stacks;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    std::string_view trimmed = line;
    while (!trimmed.empty() && is_blank(trimmed.front())) trimmed.remove_prefix(1);
    if (trimmed.empty() || trimmed.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::string_view stack;
    std::uint64_t count = 0;
    if (!split_count(line, stack, count)) {
      throw UsageError(fmt::format("{}:{}: expected folded stacks, 'frame;frame;frame COUNT'", source, line_number));
    }
    // A differential line `stack BEFORE AFTER`: the stack is the new profile's.
    std::string_view before_stack;
    std::uint64_t before = 0;
    if (split_count(stack, before_stack, before)) stack = before_stack;
    if (stack.empty()) {
      throw UsageError(fmt::format("{}:{}: a count without a stack", source, line_number));
    }
    stacks.add(stack, count);
  }
  return stacks;
}

FoldedStacks read_folded_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RunError(fmt::format("cannot read '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_folded(text.str(), path);
}

std::vector<FrameShare> hottest_frames(const FoldedStacks& stacks, std::size_t limit) {
  std::map<std::string, std::uint64_t, std::less<>> self;
  for (const auto& [stack, count] : stacks.counts) {
    std::size_t semicolon = stack.rfind(';');
    self[semicolon == std::string::npos ? stack : stack.substr(semicolon + 1)] += count;
  }
  const double total = static_cast<double>(stacks.total());
  std::vector<FrameShare> frames;
  for (const auto& [frame, count] : self) {
    frames.push_back({frame, count, total > 0 ? static_cast<double>(count) / total : 0.0});
  }
  std::stable_sort(frames.begin(), frames.end(),
                   [](const FrameShare& a, const FrameShare& b) { return a.samples > b.samples; });
  if (frames.size() > limit) frames.resize(limit);
  return frames;
}

std::uint64_t samples_containing(const FoldedStacks& stacks, std::string_view frame) {
  std::uint64_t sum = 0;
  for (const auto& [stack, count] : stacks.counts) {
    std::string_view rest = stack;
    while (true) {
      std::size_t semicolon = rest.find(';');
      if (rest.substr(0, semicolon) == frame) {
        sum += count;
        break;
      }
      if (semicolon == std::string_view::npos) break;
      rest.remove_prefix(semicolon + 1);
    }
  }
  return sum;
}

std::string format_folded(const FoldedStacks& stacks) {
  std::string out;
  for (const auto& [stack, count] : stacks.counts) {
    out += stack;
    out += ' ';
    out += std::to_string(count);
    out += '\n';
  }
  return out;
}

}  // namespace perfgate::profile
