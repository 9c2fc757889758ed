// Threshold parsing, evaluation and description; see threshold.hpp for the grammar and
// the unit each metric is normalised to.
#include "suite/threshold.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "core/suggestion.hpp"

namespace perfgate::suite {
namespace {

// How the VALUE of a metric is written, and so which unit it is normalised to.
enum class ValueKind { kDurationMs, kDurationS, kRate, kPercentRatio, kSize, kCpuPercent, kCount, kIngested };

struct MetricSpec {
  const char* written;
  const char* result_name;
  ValueKind kind;
};

constexpr std::array kHttpMetrics = {
    MetricSpec{"min", "latency_min", ValueKind::kDurationMs},
    MetricSpec{"mean", "latency_mean", ValueKind::kDurationMs},
    MetricSpec{"p50", "latency_p50", ValueKind::kDurationMs},
    MetricSpec{"p90", "latency_p90", ValueKind::kDurationMs},
    MetricSpec{"p95", "latency_p95", ValueKind::kDurationMs},
    MetricSpec{"p99", "latency_p99", ValueKind::kDurationMs},
    MetricSpec{"p999", "latency_p999", ValueKind::kDurationMs},
    MetricSpec{"max", "latency_max", ValueKind::kDurationMs},
    MetricSpec{"throughput", "throughput", ValueKind::kRate},
    MetricSpec{"error_rate", "error_rate", ValueKind::kPercentRatio},
};

constexpr std::array kCmdMetrics = {
    MetricSpec{"wall_mean", "wall_mean", ValueKind::kDurationS},
    MetricSpec{"wall_median", "wall_median", ValueKind::kDurationS},
    MetricSpec{"user", "user_mean", ValueKind::kDurationS},
    MetricSpec{"sys", "sys_mean", ValueKind::kDurationS},
    MetricSpec{"rss", "rss_max", ValueKind::kSize},
};

// `api.cpu` is the mean over the window (what "CPU < 80% under load" means); a single sample's
// peak is `api.cpu_pct_max`. The others are peaks, written short or in full.
constexpr std::array kServiceMetrics = {
    MetricSpec{"cpu", "cpu_pct_mean", ValueKind::kCpuPercent},
    MetricSpec{"cpu_pct_mean", "cpu_pct_mean", ValueKind::kCpuPercent},
    MetricSpec{"cpu_pct_max", "cpu_pct_max", ValueKind::kCpuPercent},
    MetricSpec{"rss", "rss_max", ValueKind::kSize},
    MetricSpec{"rss_max", "rss_max", ValueKind::kSize},
    MetricSpec{"threads", "threads_max", ValueKind::kCount},
    MetricSpec{"threads_max", "threads_max", ValueKind::kCount},
    MetricSpec{"fds", "fds_max", ValueKind::kCount},
    MetricSpec{"fds_max", "fds_max", ValueKind::kCount},
};

template <std::size_t N>
std::vector<std::string> written_names(const std::array<MetricSpec, N>& specs) {
  std::vector<std::string> names;
  for (const auto& spec : specs) names.emplace_back(spec.written);
  return names;
}

template <std::size_t N>
const MetricSpec* find_metric(const std::array<MetricSpec, N>& specs, std::string_view name) {
  for (const auto& spec : specs) {
    if (name == spec.written) return &spec;
  }
  return nullptr;
}

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '/';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_plain_number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

double to_unit(Nanos d, double ns_per_unit) { return static_cast<double>(d.count()) / ns_per_unit; }

const char* unit_of(ValueKind kind) {
  switch (kind) {
    case ValueKind::kDurationMs:
      return "ms";
    case ValueKind::kDurationS:
      return "s";
    case ValueKind::kRate:
      return "rps";
    case ValueKind::kPercentRatio:
      return "ratio";
    case ValueKind::kSize:
      return "bytes";
    case ValueKind::kCpuPercent:
      return "percent";
    case ValueKind::kCount:
      return "count";
    case ValueKind::kIngested:
      return "";
  }
  return "";
}

// Converts VALUE into the metric's unit; on failure returns nullopt and says what was expected.
std::optional<double> parse_value(std::string_view text, ValueKind kind, std::string& unit, std::string& expected) {
  unit = unit_of(kind);
  switch (kind) {
    case ValueKind::kDurationMs:
    case ValueKind::kDurationS: {
      expected = kind == ValueKind::kDurationMs ? "a duration like 50ms" : "a duration like 1.5s";
      // A bare number would be read as seconds, which for a latency is almost always a slip.
      if (parse_plain_number(text)) return std::nullopt;
      auto d = parse_duration(text);
      if (!d) return std::nullopt;
      return to_unit(*d, kind == ValueKind::kDurationMs ? 1e6 : 1e9);
    }
    case ValueKind::kRate:
      expected = "a rate like 500/s";
      return parse_rate_per_s(text);
    case ValueKind::kPercentRatio:
      // The `%` is required: "0.1" could mean 0.1% or a ratio of 10%. Zero is zero either way.
      expected = "a percentage like 0.1%";
      if (auto number = parse_plain_number(text); number && *number == 0) return 0.0;
      if (text.empty() || text.back() != '%') return std::nullopt;
      return parse_percent_fraction(text);
    case ValueKind::kSize: {
      expected = "a size like 500MB";
      auto bytes = parse_size_bytes(text);
      if (!bytes) return std::nullopt;
      return static_cast<double>(*bytes);
    }
    case ValueKind::kCpuPercent: {
      // Not parse_percent_fraction: a process tree on several cores exceeds 100%.
      expected = "a percentage like 80%";
      if (text.empty() || text.back() != '%') return std::nullopt;
      auto number = parse_plain_number(text.substr(0, text.size() - 1));
      if (!number || *number < 0) return std::nullopt;
      return number;
    }
    case ValueKind::kCount: {
      expected = "a whole number like 1000";
      std::uint64_t count = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
      if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
      return static_cast<double>(count);
    }
    case ValueKind::kIngested: {
      expected = "a number or a duration like 5ms";
      if (auto number = parse_plain_number(text)) return number;
      auto d = parse_duration(text);
      if (!d) return std::nullopt;
      unit = "ms";
      return to_unit(*d, 1e6);
    }
  }
  return std::nullopt;
}

// Six significant digits keep a written threshold exact; observed values get four, which is all
// a reader can use ("6.398ms", not "6.39795ms").
std::string number_text(double value, int digits = 6) { return fmt::format("{:.{}g}", value, digits); }

std::string size_text(double bytes, int digits) {
  constexpr std::array<const char*, 4> kUnits = {"B", "KB", "MB", "GB"};
  std::size_t i = 0;
  while (i + 1 < kUnits.size() && bytes >= 1024) {
    bytes /= 1024;
    ++i;
  }
  return number_text(bytes, digits) + kUnits[i];
}

std::string value_text(const std::string& unit, double value, int digits = 6) {
  if (unit == "ms") return number_text(value, digits) + "ms";
  // Below a second, in ms: "200ms" reads better than "0.2s".
  if (unit == "s") return value != 0 && std::abs(value) < 1 ? number_text(value * 1e3, digits) + "ms" : number_text(value, digits) + "s";
  if (unit == "rps") return number_text(value, digits) + "/s";
  if (unit == "ratio") return number_text(value * 100, digits) + "%";
  if (unit == "percent") return number_text(value, digits) + "%";
  if (unit == "bytes") return size_text(value, digits);
  return number_text(value, digits);
}

}  // namespace

std::string_view op_text(ThresholdOp op) {
  switch (op) {
    case ThresholdOp::kLess:
      return "<";
    case ThresholdOp::kLessOrEqual:
      return "<=";
    case ThresholdOp::kGreater:
      return ">";
    case ThresholdOp::kGreaterOrEqual:
      return ">=";
  }
  return "?";
}

Threshold parse_threshold(std::string_view text, MetricFamily family, const SourcePosition& position) {
  Threshold threshold;
  threshold.text = std::string(trim(text));
  threshold.position = position;
  auto fail = [&](const std::string& why) {
    throw UsageError(fmt::format("{}: threshold '{}': {}", position.to_string(), threshold.text, why));
  };

  std::string_view rest = threshold.text;
  std::size_t metric_end = 0;
  while (metric_end < rest.size() && is_identifier_char(rest[metric_end])) ++metric_end;
  threshold.metric = std::string(rest.substr(0, metric_end));
  if (threshold.metric.empty()) fail("expected 'METRIC OP VALUE' like 'p95 < 50ms'");
  rest = trim(rest.substr(metric_end));

  if (rest.starts_with("<="))
    threshold.op = ThresholdOp::kLessOrEqual;
  else if (rest.starts_with(">="))
    threshold.op = ThresholdOp::kGreaterOrEqual;
  else if (rest.starts_with("<"))
    threshold.op = ThresholdOp::kLess;
  else if (rest.starts_with(">"))
    threshold.op = ThresholdOp::kGreater;
  else
    fail("expected an operator (one of < <= > >=) after the metric");
  rest = trim(rest.substr(op_text(threshold.op).size()));
  if (rest.empty()) fail("expected a value after the operator");

  const MetricSpec* spec = nullptr;
  ValueKind kind = ValueKind::kIngested;
  // Service names may hold dots; metric names do not: the service is before the last one.
  auto dot = threshold.metric.rfind('.');
  std::string_view suffix = dot == std::string::npos ? std::string_view() : std::string_view(threshold.metric).substr(dot + 1);
  // "p99.9" is the 99.9th percentile, written p999 here, not a service named p99.
  std::string undotted = threshold.metric;
  std::erase(undotted, '.');
  bool percentile_slip = family != MetricFamily::kIngested && dot != std::string::npos &&
                         (find_metric(kHttpMetrics, undotted) != nullptr || find_metric(kCmdMetrics, undotted) != nullptr);
  if (dot != std::string::npos && dot > 0 && find_metric(kServiceMetrics, suffix)) {
    threshold.service = threshold.metric.substr(0, dot);
    spec = find_metric(kServiceMetrics, suffix);
    threshold.result_metric = threshold.service + "." + spec->result_name;
    kind = spec->kind;
  } else if (family == MetricFamily::kService || (dot != std::string::npos && dot > 0 && !percentile_slip &&
                                                  family != MetricFamily::kIngested)) {
    auto names = written_names(kServiceMetrics);
    if (dot == std::string::npos || dot == 0) {
      fail(fmt::format("expected a service metric SERVICE.METRIC like 'api.rss' (METRIC one of {})", join_names(names)));
    }
    fail(fmt::format("unknown service metric '{}'{} (expected one of {})", suffix, did_you_mean(std::string(suffix), names),
                     join_names(names)));
  } else if (family == MetricFamily::kHttp || family == MetricFamily::kCmd) {
    spec = family == MetricFamily::kHttp ? find_metric(kHttpMetrics, threshold.metric)
                                         : find_metric(kCmdMetrics, threshold.metric);
    if (spec == nullptr) {
      auto names = family == MetricFamily::kHttp ? written_names(kHttpMetrics) : written_names(kCmdMetrics);
      std::string family_name = family == MetricFamily::kHttp ? "http" : "cmd";
      std::string hint = std::find(names.begin(), names.end(), undotted) != names.end()
                             ? fmt::format("; did you mean '{}'?", undotted)
                             : did_you_mean(threshold.metric, names);
      fail(fmt::format("unknown {} metric '{}'{} (expected one of {}, or SERVICE.cpu|rss|threads|fds)", family_name,
                       threshold.metric, hint, join_names(names)));
    }
    threshold.result_metric = spec->result_name;
    kind = spec->kind;
  } else {
    threshold.result_metric = threshold.metric;
  }

  std::string expected;
  auto value = parse_value(rest, kind, threshold.unit, expected);
  if (!value) fail(fmt::format("expected {} for '{}', got '{}'", expected, threshold.metric, rest));
  threshold.value = *value;
  return threshold;
}

bool evaluate(const Threshold& threshold, double observed) {
  switch (threshold.op) {
    case ThresholdOp::kLess:
      return observed < threshold.value;
    case ThresholdOp::kLessOrEqual:
      return observed <= threshold.value;
    case ThresholdOp::kGreater:
      return observed > threshold.value;
    case ThresholdOp::kGreaterOrEqual:
      return observed >= threshold.value;
  }
  return false;
}

std::string describe(const Threshold& threshold) {
  return fmt::format("{} {} {}", threshold.metric, op_text(threshold.op), value_text(threshold.unit, threshold.value));
}

std::string format_observed(const Threshold& threshold, double observed) {
  return value_text(threshold.unit, observed, 4);
}

}  // namespace perfgate::suite
