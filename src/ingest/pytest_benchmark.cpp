// pytest-benchmark's `--benchmark-json`: benchmarks[] with name, fullname, group, params and
// stats {min, max, mean, stddev, median, iqr, ops, rounds, iterations, data?} in seconds per
// iteration. A benchmark is named by its fullname ("tests/test_x.py::test_sort[10]"), which is
// unique; times become nanoseconds, and stats.data (every round's time per iteration) the samples.
#include "ingest/formats.hpp"

namespace perfgate::ingest {

using nlohmann::json;

std::vector<IngestedBenchmark> parse_pytest_benchmark(const std::string& text, const InputReader& in) {
  json doc = in.parse_json(text, "the JSON of pytest --benchmark-json");
  const json& list = in.array_member(doc, "", "benchmarks");
  if (list.empty()) in.fail("benchmarks", "no benchmarks in the file");
  json shared = json::object();
  for (const char* key : {"machine_info", "commit_info", "datetime", "version"}) {
    if (doc.contains(key)) shared[key] = doc[key];
  }
  std::vector<IngestedBenchmark> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string path = index_path("benchmarks", i);
    const json& entry = in.expect_object(list[i], path);
    IngestedBenchmark b;
    std::string name = in.string_member(entry, path, "name");
    b.name = in.optional_string(entry, path, "fullname").value_or(name);
    b.config = shared;
    b.config["name"] = name;
    for (const char* key : {"group", "params", "param", "extra_info", "options"}) {
      if (entry.contains(key)) b.config[key] = entry[key];
    }
    std::string stats_path = member_path(path, "stats");
    const json& stats = in.object_member(entry, path, "stats");
    constexpr double kNs = 1e9;
    b.add_metric("time_mean", in.number_member(stats, stats_path, "mean") * kNs, "ns", "lower");
    for (auto [key, metric] :
         {std::pair{"median", "time_median"}, std::pair{"min", "time_min"}, std::pair{"max", "time_max"},
          std::pair{"stddev", "time_stddev"}, std::pair{"iqr", "time_iqr"}}) {
      if (auto v = in.optional_number(stats, stats_path, key)) b.add_metric(metric, *v * kNs, "ns", "lower");
    }
    if (auto ops = in.optional_number(stats, stats_path, "ops")) b.add_metric("ops_per_s", *ops, "ops/s", "higher");
    for (const char* key : {"rounds", "iterations"}) {
      if (auto v = in.optional_number(stats, stats_path, key)) b.config[key] = *v;
    }
    if (const json* data = in.optional_array(stats, stats_path, "data")) {
      std::vector<double> values;
      std::string data_path = member_path(stats_path, "data");
      for (std::size_t k = 0; k < data->size(); ++k)
        values.push_back(in.expect_number((*data)[k], index_path(data_path, k)) * kNs);
      b.set_values(std::move(values), "ns", {"time_mean", "time_median", "time_min", "time_max"});
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace perfgate::ingest
