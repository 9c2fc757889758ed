// The value parsers of the option tables; see option_table.hpp.
#include "suite/option_table.hpp"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::suite {

OptionValue::OptionValue(std::string where, std::vector<std::string> texts, std::string base_dir)
    : where_(std::move(where)), texts_(std::move(texts)), base_dir_(std::move(base_dir)) {
  if (texts_.empty()) texts_.emplace_back();
}

void OptionValue::fail(std::string_view expected) const {
  throw UsageError(fmt::format("{}: expected {}, got '{}'", where_, expected, text()));
}

void OptionValue::fail_because(std::string_view why) const { throw UsageError(fmt::format("{}: {}", where_, why)); }

std::string OptionValue::non_empty_text(std::string_view expected) const {
  if (text().empty()) fail(expected);
  return text();
}

std::uint64_t OptionValue::whole_number(std::uint64_t minimum, std::uint64_t maximum) const {
  const std::string& t = text();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  // from_chars takes no sign, so "-3" fails here instead of wrapping to 2^64 - 3.
  if (ec == std::errc() && end == t.data() + t.size() && value >= minimum && value <= maximum) return value;
  if (maximum == std::numeric_limits<std::uint64_t>::max()) {
    fail(minimum == 0 ? std::string("a whole number >= 0") : fmt::format("a whole number >= {}", minimum));
  }
  fail(fmt::format("a whole number from {} to {}", minimum, maximum));
}

int OptionValue::small_number(int minimum, int maximum) const {
  return static_cast<int>(whole_number(static_cast<std::uint64_t>(minimum), static_cast<std::uint64_t>(maximum)));
}

Nanos OptionValue::duration() const {
  auto d = parse_duration(text());
  if (!d || d->count() < 0) fail("a duration like 500ms, 10s, 2m or 1h30m");
  return *d;
}

Nanos OptionValue::positive_duration() const {
  auto d = parse_duration(text());
  if (!d || d->count() <= 0) fail("a positive duration like 500ms, 10s, 2m or 1h30m");
  return *d;
}

double OptionValue::rate_per_s(double maximum) const {
  auto rate = parse_rate_per_s(text());
  if (!rate || *rate <= 0 || *rate > maximum) fail(fmt::format("a rate above 0 and at most {:g}/s like 1000, 1000/s or 600/m", maximum));
  return *rate;
}

std::uint64_t OptionValue::size_bytes() const {
  auto size = parse_size_bytes(text());
  if (!size) fail("a size like 512B, 64KB or 1GiB");
  return *size;
}

bool OptionValue::flag() const {
  const std::string& t = text();
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  fail("true or false");
}

std::string OptionValue::path(const std::string& written) const {
  if (written.empty()) fail("a path");
  if (base_dir_.empty() || written.starts_with('/')) return written;
  return base_dir_ + written;
}

std::vector<std::pair<std::string, std::string>> OptionValue::header_pairs() const {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& t : texts_) {
    auto colon = t.find(':');
    std::string name = colon == std::string::npos ? "" : t.substr(0, colon);
    std::size_t start = colon == std::string::npos ? t.size() : t.find_first_not_of(" \t", colon + 1);
    std::string value = start == std::string::npos ? "" : t.substr(start);
    if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      throw UsageError(fmt::format("{}: expected 'Name: value', got '{}'", where_, t));
    }
    pairs.emplace_back(std::move(name), std::move(value));
  }
  return pairs;
}

std::string primary_flag(std::string_view flags) {
  std::string shortest;
  std::size_t start = 0;
  while (start <= flags.size()) {
    std::size_t comma = flags.find(',', start);
    std::string_view name = flags.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (name.starts_with("--")) return std::string(name);
    if (shortest.empty()) shortest = name;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return shortest;
}

}  // namespace perfgate::suite
