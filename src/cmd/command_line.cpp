// Command lines and parameters for `perfgate cmd`: POSIX-shell-like word splitting for
// --shell=none, the `SHELL -c CMD` argv, {NAME} substitution, and the values of -P/-L.
//
// Scan values are computed in exact decimal fixed point (every bound and the step scaled to
// the largest number of fractional digits among them), so `-P x 0 1 -D 0.1` yields 0.3 and
// not 0.30000000000000004, and the last value is MAX exactly when MAX is on the grid.
#include "cmd/command_line.hpp"

#include <algorithm>
#include <cstdint>

namespace perfgate::cmd {
namespace {

void set_error(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Inside double quotes a backslash escapes only these (POSIX "Double-Quotes"); elsewhere it
// stays a literal backslash, as in `"a\b"` → a\b.
bool escapable_in_double_quotes(char c) { return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n'; }

}  // namespace

std::optional<std::vector<std::string>> split_command_line(const std::string& text, std::string* error) {
  std::vector<std::string> words;
  std::string word;
  // A word exists once anything, even an empty pair of quotes, has been seen for it.
  bool in_word = false;
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size; ++i) {
    const char c = text[i];
    if (is_separator(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\\') {
      if (i + 1 == size) {
        set_error(error, "trailing backslash at the end of the command");
        return std::nullopt;
      }
      ++i;
      // Backslash-newline is a line continuation: it disappears and does not start a word.
      if (text[i] == '\n') continue;
      word += text[i];
      in_word = true;
    } else if (c == '\'') {
      const std::size_t close = text.find('\'', i + 1);
      if (close == std::string::npos) {
        set_error(error, "unterminated single quote at position " + std::to_string(i + 1));
        return std::nullopt;
      }
      word.append(text, i + 1, close - i - 1);
      in_word = true;
      i = close;
    } else if (c == '"') {
      const std::size_t open = i;
      bool closed = false;
      for (++i; i < size; ++i) {
        const char inner = text[i];
        if (inner == '"') {
          closed = true;
          break;
        }
        if (inner == '\\' && i + 1 < size && escapable_in_double_quotes(text[i + 1])) {
          ++i;
          if (text[i] != '\n') word += text[i];
        } else {
          word += inner;
        }
      }
      if (!closed) {
        set_error(error, "unterminated double quote at position " + std::to_string(open + 1));
        return std::nullopt;
      }
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> shell_argv(const std::string& shell, const std::string& text) {
  std::string ignored;
  std::optional<std::vector<std::string>> argv = split_command_line(shell, &ignored);
  // A shell that cannot be split (or is blank) is taken as one program name, so that the
  // error the user sees is "cannot start <shell>" rather than something about quoting.
  if (!argv || argv->empty()) argv = std::vector<std::string>{shell};
  argv->push_back("-c");
  argv->push_back(text);
  return std::move(*argv);
}

std::string substitute_parameters(const std::string& text, const std::map<std::string, std::string>& values) {
  // One pass, so a value that itself contains "{other}" is inserted as it is.
  std::string result;
  result.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('{', i);
    if (open == std::string::npos) break;
    result.append(text, i, open - i);
    const std::size_t close = text.find('}', open + 1);
    if (close == std::string::npos) {
      i = open;
      break;
    }
    const auto value = values.find(text.substr(open + 1, close - open - 1));
    if (value != values.end()) {
      result += value->second;
      i = close + 1;
    } else {
      // Not a parameter (`awk '{print $1}'`, or "{{n}"): keep the brace and look further on.
      result += '{';
      i = open + 1;
    }
  }
  result.append(text, i, std::string::npos);
  return result;
}

namespace {

// A decimal number as an integer count of 10^-fraction_digits units.
struct Decimal {
  std::int64_t units = 0;
  int fraction_digits = 0;
};

// 18 significant digits always fit in int64 (< 9.2e18), and so does the difference of two.
constexpr int kMaxDigits = 18;
constexpr std::size_t kMaxScanValues = 100'000;

std::int64_t power_of_ten(int exponent) {
  std::int64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

// Accepts [+-]digits[.digits] and [+-].digits; no exponents, no spaces.
std::optional<Decimal> parse_decimal(const std::string& text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  Decimal number;
  int digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
    } else if (c >= '0' && c <= '9') {
      if (digits == 0 && c == '0' && !seen_point) continue;  // leading zeros carry nothing
      if (++digits > kMaxDigits) return std::nullopt;
      number.units = number.units * 10 + (c - '0');
      if (seen_point) ++number.fraction_digits;
    } else {
      return std::nullopt;
    }
  }
  const bool has_digit = text.find_first_of("0123456789") != std::string::npos;
  if (!has_digit) return std::nullopt;
  if (negative) number.units = -number.units;
  return number;
}

// Re-expresses `number` with more fractional digits; false when it no longer fits.
bool rescale(Decimal& number, int fraction_digits) {
  const std::int64_t factor = power_of_ten(fraction_digits - number.fraction_digits);
  std::int64_t scaled = 0;
  if (__builtin_mul_overflow(number.units, factor, &scaled)) return false;
  number.units = scaled;
  number.fraction_digits = fraction_digits;
  return true;
}

// Without trailing zeros: 0, 0.5, 1, -0.25.
std::string format_decimal(std::int64_t units, int fraction_digits) {
  const bool negative = units < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  std::string text = negative ? "-" : "";
  if (fraction_digits == 0) return text + std::to_string(magnitude);
  const auto scale = static_cast<std::uint64_t>(power_of_ten(fraction_digits));
  text += std::to_string(magnitude / scale);
  std::string fraction = std::to_string(magnitude % scale);
  fraction.insert(0, static_cast<std::size_t>(fraction_digits) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

}  // namespace

std::optional<Parameter> parameter_scan(const std::string& name, const std::string& min, const std::string& max,
                                        const std::optional<std::string>& step, std::string* error) {
  const std::string where = "parameter scan '" + name + "': ";
  if (name.empty()) {
    set_error(error, "parameter scan: the parameter name is empty");
    return std::nullopt;
  }
  const std::optional<Decimal> parsed_min = parse_decimal(min);
  const std::optional<Decimal> parsed_max = parse_decimal(max);
  const std::optional<Decimal> parsed_step = step ? parse_decimal(*step) : Decimal{1, 0};
  const auto not_a_number = [&](const char* role, const std::string& text) {
    set_error(error, where + role + " '" + text + "' is not a number (expected e.g. 10 or 0.25)");
    return std::nullopt;
  };
  if (!parsed_min) return not_a_number("the minimum", min);
  if (!parsed_max) return not_a_number("the maximum", max);
  if (!parsed_step) return not_a_number("the step", *step);
  Decimal low = *parsed_min;
  Decimal high = *parsed_max;
  Decimal increment = *parsed_step;
  const int fraction_digits = std::max({low.fraction_digits, high.fraction_digits, increment.fraction_digits});
  if (!rescale(low, fraction_digits) || !rescale(high, fraction_digits) || !rescale(increment, fraction_digits)) {
    set_error(error, where + "too many digits");
    return std::nullopt;
  }
  if (increment.units <= 0) {
    set_error(error, where + "the step " + *step + " must be greater than zero");
    return std::nullopt;
  }
  if (low.units > high.units) {
    set_error(error, where + "the minimum " + min + " is greater than the maximum " + max);
    return std::nullopt;
  }
  const std::uint64_t span = static_cast<std::uint64_t>(high.units) - static_cast<std::uint64_t>(low.units);
  const std::uint64_t count = span / static_cast<std::uint64_t>(increment.units) + 1;
  if (count > kMaxScanValues) {
    set_error(error, where + "would produce " + std::to_string(count) + " values; at most " +
                         std::to_string(kMaxScanValues) + " are allowed");
    return std::nullopt;
  }
  Parameter parameter{name, {}};
  parameter.values.reserve(count);
  // min + i * step rather than repeated addition: each value is exact on its own.
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::int64_t units = low.units + static_cast<std::int64_t>(i) * increment.units;
    parameter.values.push_back(format_decimal(units, fraction_digits));
  }
  return parameter;
}

Parameter parameter_list(const std::string& name, const std::string& comma_separated) {
  // As hyperfine: a plain split, so "a,,b" has an empty middle value and "" is one empty value.
  Parameter parameter{name, {}};
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = comma_separated.find(',', start);
    parameter.values.push_back(comma_separated.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parameter;
}

std::vector<std::map<std::string, std::string>> parameter_combinations(const std::vector<Parameter>& parameters) {
  // No parameters: one empty combination, so every command still runs once.
  std::vector<std::map<std::string, std::string>> combinations(1);
  for (const Parameter& parameter : parameters) {
    std::vector<std::map<std::string, std::string>> extended;
    extended.reserve(combinations.size() * parameter.values.size());
    // Extending each existing combination in order keeps the first parameter slowest.
    for (const auto& combination : combinations) {
      for (const std::string& value : parameter.values) {
        extended.push_back(combination);
        extended.back()[parameter.name] = value;
      }
    }
    combinations = std::move(extended);
  }
  return combinations;
}

}  // namespace perfgate::cmd
