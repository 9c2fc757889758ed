// criterion.rs results, in the two shapes it leaves them:
// - the tree `cargo bench` writes, target/criterion/**/new/{estimates,sample,benchmark}.json:
//   estimates are per-iteration nanoseconds (mean, median, std_dev, slope with confidence
//   intervals), sample.json holds each sample's iteration count and total time;
// - the JSON lines of `cargo criterion --message-format=json` ("benchmark-complete" messages,
//   whose measured_values and iteration_count are the same samples).
// Metrics are time_mean, time_median, time_stddev, time_slope (ns, lower) and, with a
// throughput, bytes_per_s or elements_per_s (higher); the samples are per-iteration times.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> kSampleMetrics = {"time_mean", "time_median", "time_slope"};

// sample i took times[i] for iters[i] iterations: its per-iteration time.
std::vector<double> per_iteration(const InputReader& in, const json& iters, const std::string& iters_path,
                                  const json& times, const std::string& times_path) {
  if (iters.size() != times.size()) {
    in.fail(times_path, fmt::format("{} values, but {} has {}", times.size(), iters_path, iters.size()));
  }
  std::vector<double> values;
  for (std::size_t i = 0; i < iters.size(); ++i) {
    double n = in.expect_number(iters[i], index_path(iters_path, i));
    double t = in.expect_number(times[i], index_path(times_path, i));
    if (n > 0) values.push_back(t / n);
  }
  return values;
}

// Bytes or elements per iteration, turned into a rate at the mean time.
void add_throughput(IngestedBenchmark& b, const std::string& kind, double per_iteration_count) {
  auto mean = std::find_if(b.metrics.begin(), b.metrics.end(), [](const Metric& m) { return m.name == "time_mean"; });
  if (mean == b.metrics.end() || mean->unit != "ns" || mean->value <= 0) return;
  double rate = per_iteration_count / (mean->value * 1e-9);
  if (kind == "bytes") {
    b.add_metric("bytes_per_s", rate, "bytes/s", "higher");
  } else {
    b.add_metric("elements_per_s", rate, "elements/s", "higher");
  }
  b.config["throughput"] = {{kind, per_iteration_count}};
}

std::string read_text(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UsageError(fmt::format("{}: criterion: cannot read the file", path.string()));
  std::stringstream ss;
  ss << file.rdbuf();
  return ss.str();
}

IngestedBenchmark read_tree_benchmark(const fs::path& root, const fs::path& new_dir) {
  IngestedBenchmark b;
  fs::path bench_dir = new_dir.parent_path();
  b.name = fs::relative(bench_dir, root).generic_string();
  b.config["directory"] = b.name;

  // benchmark.json names the benchmark as criterion does (directory names are sanitised).
  fs::path id_path = new_dir / "benchmark.json";
  json id_doc;
  if (fs::exists(id_path)) {
    InputReader id_in(id_path.string(), "criterion");
    id_doc = id_in.expect_object(id_in.parse_json(read_text(id_path), "criterion's benchmark.json"), "the top level");
    if (auto full_id = id_in.optional_string(id_doc, "", "full_id")) b.name = *full_id;
    for (const char* key : {"group_id", "function_id", "value_str"}) {
      if (auto v = id_in.optional_string(id_doc, "", key)) b.config[key] = *v;
    }
  }

  fs::path estimates_path = new_dir / "estimates.json";
  InputReader in(estimates_path.string(), "criterion");
  json estimates =
      in.expect_object(in.parse_json(read_text(estimates_path), "criterion's estimates.json"), "the top level");
  json intervals = json::object();
  for (auto [key, metric] : {std::pair{"mean", "time_mean"}, std::pair{"median", "time_median"},
                             std::pair{"std_dev", "time_stddev"}, std::pair{"slope", "time_slope"}}) {
    const json* estimate = in.optional_object(estimates, "", key);
    if (estimate == nullptr) {
      if (std::string_view(key) != "slope") in.fail(key, "missing");  // slope is null for flat sampling
      continue;
    }
    b.add_metric(metric, in.number_member(*estimate, key, "point_estimate"), "ns", "lower");
    std::string ci_path = member_path(key, "confidence_interval");
    if (const json* ci = in.optional_object(*estimate, key, "confidence_interval")) {
      intervals[metric] = {{"lower", in.number_member(*ci, ci_path, "lower_bound")},
                           {"upper", in.number_member(*ci, ci_path, "upper_bound")},
                           {"level", in.number_member(*ci, ci_path, "confidence_level")}};
    }
  }
  b.extra["confidence_intervals"] = intervals;

  fs::path sample_path = new_dir / "sample.json";
  if (fs::exists(sample_path)) {
    InputReader sample_in(sample_path.string(), "criterion");
    json sample = sample_in.parse_json(read_text(sample_path), "criterion's sample.json");
    if (auto mode = sample_in.optional_string(sample, "", "sampling_mode")) b.config["sampling_mode"] = *mode;
    b.set_values(per_iteration(sample_in, sample_in.array_member(sample, "", "iters"), "iters",
                               sample_in.array_member(sample, "", "times"), "times"),
                 "ns", kSampleMetrics);
  }

  if (id_doc.is_object()) {
    InputReader id_in(id_path.string(), "criterion");
    if (const json* throughput = id_in.optional_object(id_doc, "", "throughput")) {
      for (const auto& [kind, count] : throughput->items()) {
        double n = id_in.expect_number(count, member_path("throughput", kind));
        add_throughput(b, kind.starts_with("Bytes") ? "bytes" : "elements", n);
      }
    }
  }
  return b;
}

// A cargo-criterion estimate: {"estimate", "lower_bound", "upper_bound", "unit"}.
void add_message_estimate(IngestedBenchmark& b, const InputReader& in, const json& message, const std::string& path,
                          const char* key, const std::string& metric, json& intervals) {
  const json* estimate = in.optional_object(message, path, key);
  if (estimate == nullptr) return;
  std::string estimate_path = member_path(path, key);
  std::string unit = in.optional_string(*estimate, estimate_path, "unit").value_or("ns");
  double scale = 1;
  if (auto ns = nanoseconds_per(unit)) {
    scale = *ns;
    unit = "ns";
  }
  b.add_metric(metric, in.number_member(*estimate, estimate_path, "estimate") * scale, unit, "lower");
  intervals[metric] = {{"lower", in.number_member(*estimate, estimate_path, "lower_bound") * scale},
                       {"upper", in.number_member(*estimate, estimate_path, "upper_bound") * scale}};
}

}  // namespace

std::vector<IngestedBenchmark> parse_criterion_tree(const std::string& directory) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    throw UsageError(
        fmt::format("{}: criterion: no such directory (expected criterion's output, e.g. "
                    "target/criterion)",
                    directory));
  }
  std::vector<fs::path> runs;
  auto unreadable = [&] {
    return UsageError(fmt::format("{}: criterion: cannot read the directory: {}", directory, error.message()));
  };
  fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, error);
  if (error) throw unreadable();
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path& p = it->path();
    if (p.filename() == "estimates.json" && p.parent_path().filename() == "new") runs.push_back(p.parent_path());
  }
  if (error) throw unreadable();  // increment() ends the walk on an error
  if (runs.empty()) {
    throw UsageError(
        fmt::format("{}: criterion: no benchmark results in it (no */new/estimates.json; run cargo bench "
                    "first)",
                    directory));
  }
  std::sort(runs.begin(), runs.end());  // directory order is arbitrary; a stable order reads better
  std::vector<IngestedBenchmark> out;
  for (const auto& new_dir : runs) out.push_back(read_tree_benchmark(directory, new_dir));
  return out;
}

std::vector<IngestedBenchmark> parse_criterion_messages(const std::string& text, const InputReader& in) {
  std::vector<IngestedBenchmark> out;
  std::istringstream lines(text);
  std::string line;
  std::size_t number = 0;
  bool any_line = false;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    any_line = true;
    json message = in.parse_json_line(line, number);
    std::string path = fmt::format("line {}", number);
    in.expect_object(message, path);
    if (in.optional_string(message, path, "reason").value_or("") != "benchmark-complete") continue;
    IngestedBenchmark b;
    b.name = in.string_member(message, path, "id");
    json intervals = json::object();
    add_message_estimate(b, in, message, path, "mean", "time_mean", intervals);
    add_message_estimate(b, in, message, path, "median", "time_median", intervals);
    add_message_estimate(b, in, message, path, "slope", "time_slope", intervals);
    if (!b.has_metric("time_mean")) in.fail(member_path(path, "mean"), "missing");
    b.extra["confidence_intervals"] = intervals;
    if (const json* counts = in.optional_array(message, path, "iteration_count")) {
      std::string unit = in.optional_string(message, path, "unit").value_or("ns");
      std::vector<double> values =
          per_iteration(in, *counts, member_path(path, "iteration_count"),
                        in.array_member(message, path, "measured_values"), member_path(path, "measured_values"));
      if (auto ns = nanoseconds_per(unit)) {
        for (double& v : values) v *= *ns;
        unit = "ns";
      }
      b.set_values(std::move(values), unit, kSampleMetrics);
    }
    if (const json* throughput = in.optional_array(message, path, "throughput")) {
      for (std::size_t i = 0; i < throughput->size(); ++i) {
        std::string t_path = index_path(member_path(path, "throughput"), i);
        const json& t = in.expect_object((*throughput)[i], t_path);
        add_throughput(b, in.string_member(t, t_path, "unit") == "bytes" ? "bytes" : "elements",
                       in.number_member(t, t_path, "per_iteration"));
      }
    }
    out.push_back(std::move(b));
  }
  if (!any_line) in.fail("the input is empty (expected the JSON lines of cargo criterion --message-format=json)");
  if (out.empty()) {
    in.fail("no \"benchmark-complete\" messages (for the target/criterion directory, give the directory itself)");
  }
  return out;
}

}  // namespace perfgate::ingest
