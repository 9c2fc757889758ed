// JUnit XML of a run's threshold and regression checks; see junit.hpp.
#include "report/junit.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace perfgate::report {
namespace {

using nlohmann::json;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence starting at s[i] and its code point, or 0 when
// the bytes there are not one (overlong forms and encoded surrogates included).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& code_point) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto continuation = [&](std::size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  unsigned char lead = byte(i);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF && continuation(i + 1)) {
    code_point = (lead & 0x1Fu) << 6 | (byte(i + 1) & 0x3Fu);
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF && continuation(i + 1) && continuation(i + 2)) {
    code_point = (lead & 0x0Fu) << 12 | (byte(i + 1) & 0x3Fu) << 6 | (byte(i + 2) & 0x3Fu);
    if (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4 && continuation(i + 1) && continuation(i + 2) && continuation(i + 3)) {
    code_point = (lead & 0x07u) << 18 | (byte(i + 1) & 0x3Fu) << 12 | (byte(i + 2) & 0x3Fu) << 6 |
                 (byte(i + 3) & 0x3Fu);
    if (code_point < 0x10000 || code_point > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

// Attribute values get tab, line feed and carriage return as references, because a parser
// turns literal ones into spaces there; element text keeps tab and line feed readable.
std::string escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code_point = 0;
    std::size_t length = utf8_sequence(text, i, code_point);
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (code_point) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;  // a literal one would be normalised away
      default:
        // XML 1.0 has no way to write the other C0 controls, U+FFFE or U+FFFF, even as references.
        if (code_point >= 0x20 && code_point != 0xFFFE && code_point != 0xFFFF) out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string attr(std::string_view text) { return escape(text, true); }
std::string body(std::string_view text) { return escape(text, false); }

std::string number(std::optional<double> value) {
  return value && std::isfinite(*value) ? fmt::format("{:.6g}", *value) : std::string("n/a");
}

std::string json_number(const json& value) {
  return value.is_number() ? number(value.get<double>()) : std::string("n/a");
}

std::string with_unit(double value, const std::string& unit) {
  std::string text = number(value);
  return unit.empty() || text == "n/a" ? text : text + " " + unit;
}

std::string string_field(const json& object, const char* key, const std::string& fallback) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return fallback;
  return object[key].get<std::string>();
}

struct TestCase {
  std::string classname;
  std::string name;
  std::string failure_type;  // empty: no failure
  std::string failure_message;
  std::string failure_text;
  std::optional<std::string> skipped;  // the skip message
  std::string system_out;
  double time_s = 0;
};

struct TestSuite {
  std::string name;
  double time_s = 0;
  std::vector<TestCase> cases;
  std::vector<std::pair<std::string, std::string>> properties;

  std::size_t failures() const {
    std::size_t n = 0;
    for (const auto& c : cases) n += c.failure_type.empty() ? 0 : 1;
    return n;
  }
  std::size_t skipped() const {
    std::size_t n = 0;
    for (const auto& c : cases) n += c.skipped ? 1 : 0;
    return n;
  }
};

std::string seconds(double s) { return fmt::format("{:.3f}", std::isfinite(s) && s > 0 ? s : 0.0); }

TestSuite threshold_suite(const std::string& suite_name, const json& checks, double duration_s) {
  // The run's time is spent measuring what the thresholds judge; the regression checks are
  // arithmetic on stored numbers and take none.
  TestSuite suite{suite_name + " thresholds", duration_s, {}, {}};
  if (!checks.is_array()) return suite;
  for (const json& check : checks) {
    TestCase c;
    std::string benchmark = string_field(check, "benchmark", "?");
    c.classname = suite_name + "." + benchmark;
    c.name = string_field(check, "expr", "?");
    // A check without an explicit pass failed: a gate never passes on a missing verdict.
    bool passed = check.is_object() && check.contains("passed") && check["passed"].is_boolean() &&
                  check["passed"].get<bool>();
    if (!passed) {
      std::string fallback = check.is_object() ? json_number(check.value("observed", json())) : "n/a";
      std::string observed = string_field(check, "observed_text", fallback);
      c.failure_type = "threshold";
      c.failure_message = "observed " + observed;
      c.failure_text = fmt::format("benchmark: {}\nthreshold: {}\nobserved: {}", benchmark, c.name, observed);
      std::string position = string_field(check, "position", "");
      if (!position.empty()) c.failure_text += "\ndefined at: " + position;
    }
    suite.cases.push_back(std::move(c));
  }
  return suite;
}

// A monitored service's figures of each benchmark, as the thresholds suite's properties:
// "health api.rss_max" = "13631488 bytes" (the names of the benchmark's metrics).
std::vector<std::pair<std::string, std::string>> resource_properties(const json& benchmarks) {
  std::vector<std::pair<std::string, std::string>> properties;
  if (!benchmarks.is_array()) return properties;
  for (const json& b : benchmarks) {
    if (!b.is_object() || !b.contains("resources") || !b["resources"].is_object() || !b.contains("metrics") ||
        !b["metrics"].is_array()) {
      continue;
    }
    for (const auto& [service, figures] : b["resources"].items()) {
      for (const json& m : b["metrics"]) {
        std::string name = string_field(m, "name", "");
        if (!name.starts_with(service + ".") || !m.contains("value") || !m["value"].is_number()) continue;
        properties.emplace_back(string_field(b, "name", "?") + " " + name,
                                fmt::format("{} {}", m["value"].get<double>(), string_field(m, "unit", "")));
      }
    }
  }
  return properties;
}

// The time a benchmark measured: its duration_s (http), else the sum of its runs' wall times (cmd).
double benchmark_time_s(const json& benchmarks, const std::string& name) {
  if (!benchmarks.is_array()) return 0;
  for (const json& b : benchmarks) {
    if (!b.is_object() || string_field(b, "name", "") != name) continue;
    if (b.contains("duration_s") && b["duration_s"].is_number()) return b["duration_s"].get<double>();
    double total = 0;
    if (b.contains("samples") && b["samples"].is_object() && b["samples"].contains("wall_s") &&
        b["samples"]["wall_s"].is_array()) {
      for (const json& v : b["samples"]["wall_s"]) total += v.is_number() ? v.get<double>() : 0.0;
    }
    return total;
  }
  return 0;
}

// What a regression case checks, in words: "latency_p99 did not regress beyond +10% (lower is better)".
std::string regression_case_name(const compare::ComparisonRow& row) {
  bool higher_better = row.better == "higher";
  return fmt::format("{} did not regress beyond {}{:g}% ({} is better){}", row.metric, higher_better ? "-" : "+",
                     row.allowed_change_pct, higher_better ? "higher" : "lower", row.gated ? "" : ", not gated");
}

TestSuite regression_suite(const std::string& suite_name, const compare::ComparisonReport* comparison,
                           const json& benchmarks) {
  TestSuite suite{suite_name + " regressions", 0, {}, {}};
  if (comparison == nullptr) {
    TestCase c;
    c.classname = suite_name;
    c.name = "compared with the baseline";
    c.skipped = "no baseline to compare with";
    suite.cases.push_back(std::move(c));
    return suite;
  }
  for (const auto& row : comparison->rows) {
    TestCase c;
    c.classname = suite_name + "." + row.benchmark;
    c.name = regression_case_name(row);
    c.time_s = benchmark_time_s(benchmarks, row.benchmark);
    std::string change = row.change_pct ? fmt::format("{:+.1f}%", *row.change_pct) : std::string("n/a");
    if (row.fails_gate()) {
      c.failure_type = "regression";
      c.failure_message = fmt::format("{} {}: {} ({} -> {}) against an allowed {:g}%", row.benchmark, row.metric,
                                      change, with_unit(row.baseline, row.unit), with_unit(row.current, row.unit),
                                      row.allowed_change_pct);
      c.failure_text = fmt::format("baseline: {}\ncurrent: {}\nchange: {} ({} is better)\np-value: {}\nreason: {}",
                                   with_unit(row.baseline, row.unit), with_unit(row.current, row.unit), change,
                                   row.better, number(row.p_value), row.reason);
    } else if (!row.gated && row.verdict == compare::Verdict::regressed) {
      c.system_out = fmt::format("regressed, not gated (regression.metrics): {}\nbaseline: {}, current: {}, change: {}",
                                 row.reason, with_unit(row.baseline, row.unit), with_unit(row.current, row.unit), change);
    } else if (row.verdict == compare::Verdict::noisy) {
      // Noise never fails the gate, but a reader of the dashboard should see why it was not judged.
      c.system_out = fmt::format("noisy: {}\nbaseline: {}, current: {}, change: {}", row.reason,
                                 with_unit(row.baseline, row.unit), with_unit(row.current, row.unit), change);
    }
    suite.cases.push_back(std::move(c));
  }
  for (const auto& name : comparison->only_in_baseline) {
    TestCase c;
    c.classname = suite_name + "." + name;
    c.name = "compared with the baseline";
    c.skipped = "only in the baseline: not measured in this run";
    suite.cases.push_back(std::move(c));
  }
  for (const auto& name : comparison->only_in_current) {
    TestCase c;
    c.classname = suite_name + "." + name;
    c.name = "compared with the baseline";
    c.skipped = "only in this run: the baseline has no such benchmark";
    suite.cases.push_back(std::move(c));
  }
  return suite;
}

void append_suite(std::string& out, const TestSuite& suite) {
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\">\n",
                     attr(suite.name), suite.cases.size(), suite.failures(), suite.skipped(), seconds(suite.time_s));
  if (!suite.properties.empty()) {
    out += "    <properties>\n";
    for (const auto& [name, value] : suite.properties) {
      out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", attr(name), attr(value));
    }
    out += "    </properties>\n";
  }
  for (const auto& c : suite.cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", attr(c.classname), attr(c.name),
                       seconds(c.time_s));
    if (c.failure_type.empty() && !c.skipped && c.system_out.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (!c.failure_type.empty()) {
      out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", attr(c.failure_message),
                         attr(c.failure_type), body(c.failure_text));
    }
    if (c.skipped) out += fmt::format("      <skipped message=\"{}\"/>\n", attr(*c.skipped));
    if (!c.system_out.empty()) out += fmt::format("      <system-out>{}</system-out>\n", body(c.system_out));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n";
}

}  // namespace

std::string xml_escape(const std::string& text) { return escape(text, true); }

std::string junit_xml(const std::string& suite_name, const nlohmann::json& checks,
                      const compare::ComparisonReport* comparison, double duration_s, const nlohmann::json& benchmarks) {
  std::vector<TestSuite> suites{threshold_suite(suite_name, checks, duration_s),
                                regression_suite(suite_name, comparison, benchmarks)};
  suites.front().properties = resource_properties(benchmarks);
  std::size_t tests = 0, failures = 0, skipped = 0;
  for (const auto& s : suites) {
    tests += s.cases.size();
    failures += s.failures();
    skipped += s.skipped();
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"perfgate\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\">\n", tests,
      failures, skipped, seconds(duration_s));
  for (const auto& s : suites) append_suite(out, s);
  out += "</testsuites>\n";
  return out;
}

}  // namespace perfgate::report
