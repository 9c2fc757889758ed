// "did you mean 'connections'?" — the closest known word to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate {

// Levenshtein distance with adjacent transpositions counted as one edit (optimal string
// alignment), because swapped letters are the most common typo in keys.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo:
// closest_match("conections", {"url", "connections"}) == "connections".
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// ", did you mean 'connections'?" or "" — ready to append to a message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "url, method, headers" — for "expected one of …" messages.
std::string join_names(const std::vector<std::string>& names);

}  // namespace perfgate
