// `go test -bench . -benchmem` output (the Go benchmark format; also wrapped in `go test -json`):
//   goos: linux
//   pkg: example.com/x
//   BenchmarkSort/size=10-8   1000000   1234 ns/op   56 B/op   2 allocs/op
// "key: value" lines configure the benchmarks after them; a result line is the name, the
// iteration count and VALUE UNIT pairs. The -N suffix is GOMAXPROCS: stripped from the name and
// kept in config (unless one name ran with several, -cpu 1,2,4, where it tells them apart).
// With -count N a benchmark has N lines: the metric is their mean and the lines are the samples.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;

struct Line {
  std::size_t number;
  std::string pkg;
  std::string name;  // without the -N suffix
  int procs;         // 1 without a suffix
  double iterations;
  std::vector<std::pair<std::string, double>> values;  // unit, value
};

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  std::string field;
  while (in >> field) fields.push_back(field);
  return fields;
}

std::optional<double> number_of(const std::string& text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// benchfmt: a configuration key starts with a lower-case letter and has no space or upper case.
bool is_config_line(const std::string& line, std::string& key, std::string& value) {
  auto colon = line.find(": ");
  if (colon == std::string::npos || colon == 0 || !(line[0] >= 'a' && line[0] <= 'z')) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || (c >= 'A' && c <= 'Z')) return false;
  }
  key = line.substr(0, colon);
  auto begin = line.find_first_not_of(" \t", colon + 1);
  value = begin == std::string::npos ? "" : line.substr(begin);
  return true;
}

// `go test -json` wraps the output in {"Action":"output","Output":"…"} events, sometimes a line
// in pieces; their concatenation is the plain output.
std::string unwrap_test2json(const std::string& text, const InputReader& in) {
  std::string out;
  std::istringstream lines(text);
  std::string line;
  std::size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json event = in.parse_json_line(line, number);
    std::string path = fmt::format("line {}", number);
    in.expect_object(event, path);
    if (in.optional_string(event, path, "Action").value_or("") != "output") continue;
    out += in.optional_string(event, path, "Output").value_or("");
  }
  return out;
}

// Go's units as metrics: ns/op is the time per operation; B/op, allocs/op and custom X/op are
// costs (lower); MB/s and custom X/s are rates (higher); other custom units are taken as costs.
struct MetricKind {
  std::string name;
  std::string unit;
  std::string better;
  double scale = 1;
};

MetricKind kind_of(const std::string& unit) {
  if (unit == "ns/op") return {"ns_per_op", "ns", "lower"};
  if (unit == "sec/op") return {"ns_per_op", "ns", "lower", 1e9};  // benchstat's normalised form
  if (unit == "B/op") return {"bytes_per_op", "bytes", "lower"};
  if (unit == "allocs/op") return {"allocs_per_op", "allocs", "lower"};
  if (unit == "MB/s") return {"mb_per_s", "MB/s", "higher"};
  if (unit.ends_with("/s")) return {metric_name_from(unit), unit, "higher"};
  return {metric_name_from(unit), unit, "lower"};
}

}  // namespace

std::vector<IngestedBenchmark> parse_go(const std::string& original, const InputReader& in) {
  std::size_t start = original.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) {
    in.fail("the input is empty (expected the output of go test -bench, e.g. 'BenchmarkX-8  1000  1234 ns/op')");
  }
  bool wrapped = original[start] == '{';
  std::string text = wrapped ? unwrap_test2json(original, in) : original;

  std::map<std::string, std::string> config;  // goos, goarch, pkg, cpu, ... as they stand
  std::vector<Line> results;
  std::map<std::string, json> config_at;  // pkg + name -> config when first seen
  std::istringstream lines(text);
  std::string line;
  std::size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string key, value;
    if (is_config_line(line, key, value)) {
      config[key] = value;
      continue;
    }
    // "Benchmark" followed by an upper-case letter, a digit, '_' or '/' — not "Benchmarking".
    if (!line.starts_with("Benchmark") || (line.size() > 9 && line[9] >= 'a' && line[9] <= 'z')) continue;
    std::vector<std::string> fields = fields_of(line);
    if (fields.size() < 2) continue;  // the name alone (go test -v prints it before the result)
    auto iterations = number_of(fields[1]);
    if (!iterations) continue;  // "--- FAIL", "--- SKIP" and log output after a name
    // In -json output the line numbers are those of the unwrapped text.
    std::string where = wrapped ? fmt::format("output line {}", number) : fmt::format("line {}", number);
    if (fields.size() % 2 != 0) {
      in.fail(where, fmt::format("expected VALUE UNIT pairs after the iteration count, got '{}'", line));
    }
    Line r{number, config.count("pkg") ? config["pkg"] : "", fields[0], 1, *iterations, {}};
    auto dash = r.name.rfind('-');
    if (dash != std::string::npos && dash + 1 < r.name.size() &&
        std::all_of(r.name.begin() + static_cast<std::ptrdiff_t>(dash) + 1, r.name.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      r.procs = std::stoi(r.name.substr(dash + 1));
      r.name.resize(dash);
    }
    for (std::size_t i = 2; i + 1 < fields.size(); i += 2) {
      auto v = number_of(fields[i]);
      if (!v) in.fail(where, fmt::format("'{}' is not a number (before the unit '{}')", fields[i], fields[i + 1]));
      r.values.emplace_back(fields[i + 1], *v);
    }
    std::string id = r.pkg + '\n' + r.name + '\n' + std::to_string(r.procs);
    if (!config_at.count(id)) {
      json c = json::object();
      for (const auto& [k, v] : config) c[k] = v;
      config_at[id] = c;
    }
    results.push_back(std::move(r));
  }
  if (results.empty()) in.fail("no benchmark results (lines like 'BenchmarkName-8  1000  1234 ns/op')");

  // Names that need the package (one name in two packages) or the GOMAXPROCS (-cpu 1,2,4).
  std::map<std::string, std::set<std::string>> packages_of;
  std::map<std::string, std::set<int>> procs_of;
  for (const auto& r : results) {
    packages_of[r.name].insert(r.pkg);
    procs_of[r.pkg + '\n' + r.name].insert(r.procs);
  }
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Line*>> by_id;
  for (const auto& r : results) {
    std::string id = r.pkg + '\n' + r.name + '\n' + std::to_string(r.procs);
    if (!by_id.count(id)) order.push_back(id);
    by_id[id].push_back(&r);
  }

  std::vector<IngestedBenchmark> out;
  for (const auto& id : order) {
    const auto& runs = by_id[id];
    const Line& first = *runs.front();
    IngestedBenchmark b;
    b.name = first.name;
    if (packages_of[first.name].size() > 1 && !first.pkg.empty()) b.name = first.pkg + "." + b.name;
    if (procs_of[first.pkg + '\n' + first.name].size() > 1) b.name += "-" + std::to_string(first.procs);
    b.config = config_at[id];
    b.config["gomaxprocs"] = first.procs;
    json iterations = json::array();
    for (const auto* r : runs) iterations.push_back(r->iterations);
    b.config["iterations"] = iterations;
    b.config["runs"] = runs.size();

    // Each unit in the order the lines give them; a unit missing from some lines averages the rest.
    std::vector<std::string> units;
    for (const auto* r : runs) {
      for (const auto& [unit, v] : r->values) {
        if (std::find(units.begin(), units.end(), unit) == units.end()) units.push_back(unit);
      }
    }
    std::vector<double> time_values;
    for (const auto& unit : units) {
      MetricKind kind = kind_of(unit);
      std::vector<double> values;
      for (const auto* r : runs) {
        for (const auto& [u, v] : r->values) {
          if (u == unit) values.push_back(v * kind.scale);
        }
      }
      b.add_metric(kind.name, mean_of(values), kind.unit, kind.better);
      if (kind.name == "ns_per_op") {
        if (values.size() > 1) b.add_metric("ns_per_op_median", median_of(values), "ns", "lower");
        time_values = std::move(values);
      } else if (values.size() > 1) {
        b.add_series(kind.name, std::move(values));
      }
    }
    b.set_values(std::move(time_values), "ns", {"ns_per_op", "ns_per_op_median"});
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace perfgate::ingest
