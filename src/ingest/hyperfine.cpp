// hyperfine's `--export-json`: results[] with command, mean, stddev, median, user, system, min,
// max, times[], exit_codes[] (and parameters, memory_usage_byte[] in newer versions), all in
// seconds. The metrics and samples are named as `perfgate cmd` names its own (wall_mean …,
// samples.wall_s), so an ingested hyperfine run compares with the same statistics as a cmd run.
#include <algorithm>

#include <fmt/format.h>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;

// Seconds and bytes are never negative: "mean": -1 is a broken file, not a fast command.
double not_negative(const InputReader& in, double value, const std::string& path) {
  if (value < 0) in.fail(path, fmt::format("expected a number >= 0, got {:g}", value));
  return value;
}

std::optional<double> optional_not_negative(const InputReader& in, const json& object, const std::string& path,
                                            const char* key) {
  auto value = in.optional_number(object, path, key);
  if (value) not_negative(in, *value, member_path(path, key));
  return value;
}

std::vector<double> numbers_in(const InputReader& in, const json& list, const std::string& path) {
  std::vector<double> values;
  for (std::size_t i = 0; i < list.size(); ++i) {
    values.push_back(not_negative(in, in.expect_number(list[i], index_path(path, i)), index_path(path, i)));
  }
  return values;
}

}  // namespace

std::vector<IngestedBenchmark> parse_hyperfine(const std::string& text, const InputReader& in) {
  json doc = in.parse_json(text, "the JSON of hyperfine --export-json");
  const json& results = in.array_member(doc, "", "results");
  if (results.empty()) in.fail("results", "no results in the file");
  std::vector<IngestedBenchmark> out;
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::string path = index_path("results", i);
    const json& r = in.expect_object(results[i], path);
    IngestedBenchmark b;
    b.name = in.string_member(r, path, "command");
    b.config["command"] = b.name;
    if (const json* parameters = in.optional_object(r, path, "parameters")) b.config["parameters"] = *parameters;

    std::vector<double> times;
    if (const json* list = in.optional_array(r, path, "times")) {
      times = numbers_in(in, *list, member_path(path, "times"));
    }
    b.config["runs"] = times.size();
    b.add_metric("wall_mean", not_negative(in, in.number_member(r, path, "mean"), member_path(path, "mean")), "s",
                 "lower");
    // stddev is null for a single run; older versions lack the median.
    if (auto median = optional_not_negative(in, r, path, "median")) b.add_metric("wall_median", *median, "s", "lower");
    if (auto stddev = optional_not_negative(in, r, path, "stddev")) b.add_metric("wall_stddev", *stddev, "s", "lower");
    if (auto min = optional_not_negative(in, r, path, "min")) b.add_metric("wall_min", *min, "s", "lower");
    if (auto max = optional_not_negative(in, r, path, "max")) b.add_metric("wall_max", *max, "s", "lower");
    if (auto user = optional_not_negative(in, r, path, "user")) b.add_metric("user_mean", *user, "s", "lower");
    if (auto system = optional_not_negative(in, r, path, "system")) b.add_metric("sys_mean", *system, "s", "lower");
    if (const json* memory = in.optional_array(r, path, "memory_usage_byte")) {
      std::vector<double> rss = numbers_in(in, *memory, member_path(path, "memory_usage_byte"));
      if (!rss.empty()) {
        b.add_metric("rss_max", *std::max_element(rss.begin(), rss.end()), "bytes", "lower");
        b.samples["rss_bytes"] = rss;
      }
    }
    if (!times.empty()) b.samples["wall_s"] = times;
    if (const json* codes = in.optional_array(r, path, "exit_codes")) {
      // A run killed by a signal has a null exit code.
      std::size_t failed = 0;
      for (std::size_t k = 0; k < codes->size(); ++k) {
        const json& code = (*codes)[k];
        if (!code.is_null()) in.expect_number(code, index_path(member_path(path, "exit_codes"), k));
        if (code.is_null() || code.get<double>() != 0) ++failed;
      }
      b.samples["exit_codes"] = *codes;
      b.config["failed_runs"] = failed;
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace perfgate::ingest
