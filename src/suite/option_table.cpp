// The value parsers of the option tables; see option_table.hpp.
#include "suite/option_table.hpp"

#include <algorithm>
#include <cctype>

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/redaction.hpp"

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
    std::string problem;
    auto field = parse_header_line(t, &problem);
    // The message never quotes the value: it may be a secret.
    if (!field) throw UsageError(fmt::format("{}: {}", where_, problem));
    bool duplicate = std::any_of(pairs.begin(), pairs.end(), [&](const auto& other) {
      return other.first.size() == field->name.size() &&
             std::equal(other.first.begin(), other.first.end(), field->name.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
             });
    });
    if (duplicate) throw UsageError(fmt::format("{}: duplicate header '{}'", where_, field->name));
    pairs.emplace_back(std::move(field->name), std::move(field->value));
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
