// `vitest bench --outputJson FILE`: files[].groups[].benchmarks[] with name, hz, min, max, mean,
// median, p75, p99, p995, p999, rme, sampleCount and samples (empty unless the vitest version
// and its benchmark.includeSamples keep them). Times are milliseconds per iteration and stay so.
// A benchmark is named "GROUP > NAME", the group's fullName being "FILE > describe…".
#include <fmt/format.h>

#include "ingest/formats.hpp"

namespace perfgate::ingest {

using nlohmann::json;

std::vector<IngestedBenchmark> parse_vitest(const std::string& text, const InputReader& in) {
  json doc = in.parse_json(text, "the JSON of vitest bench --outputJson");
  const json& files = in.array_member(doc, "", "files");
  std::vector<IngestedBenchmark> out;
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::string file_path = index_path("files", f);
    const json& file = in.expect_object(files[f], file_path);
    std::optional<std::string> filepath = in.optional_string(file, file_path, "filepath");
    const json& groups = in.array_member(file, file_path, "groups");
    for (std::size_t g = 0; g < groups.size(); ++g) {
      std::string group_path = index_path(member_path(file_path, "groups"), g);
      const json& group = in.expect_object(groups[g], group_path);
      std::string group_name = in.string_member(group, group_path, "fullName");
      const json& benchmarks = in.array_member(group, group_path, "benchmarks");
      for (std::size_t i = 0; i < benchmarks.size(); ++i) {
        std::string path = index_path(member_path(group_path, "benchmarks"), i);
        const json& entry = in.expect_object(benchmarks[i], path);
        IngestedBenchmark b;
        std::string name = in.string_member(entry, path, "name");
        b.name = fmt::format("{} > {}", group_name, name);
        if (filepath) b.config["filepath"] = *filepath;
        b.config["group"] = group_name;
        for (const char* key : {"sampleCount", "totalTime"}) {
          if (auto v = in.optional_number(entry, path, key)) b.config[key] = *v;
        }
        b.add_metric("time_mean", in.number_member(entry, path, "mean"), "ms", "lower");
        for (auto [key, metric] :
             {std::pair{"median", "time_median"}, std::pair{"min", "time_min"}, std::pair{"max", "time_max"},
              std::pair{"p75", "time_p75"}, std::pair{"p99", "time_p99"}, std::pair{"p995", "time_p995"},
              std::pair{"p999", "time_p999"}, std::pair{"sd", "time_stddev"}}) {
          if (auto v = in.optional_number(entry, path, key)) b.add_metric(metric, *v, "ms", "lower");
        }
        if (auto hz = in.optional_number(entry, path, "hz")) b.add_metric("ops_per_s", *hz, "ops/s", "higher");
        // The relative margin of error of the mean, in percent: a noisier benchmark is worse.
        if (auto rme = in.optional_number(entry, path, "rme")) b.add_metric("rme", *rme, "percent", "lower");
        if (const json* samples = in.optional_array(entry, path, "samples")) {
          std::vector<double> values;
          std::string samples_path = member_path(path, "samples");
          for (std::size_t k = 0; k < samples->size(); ++k) {
            values.push_back(in.expect_number((*samples)[k], index_path(samples_path, k)));
          }
          b.set_values(std::move(values), "ms", {"time_mean", "time_median", "time_min", "time_max"});
        }
        out.push_back(std::move(b));
      }
    }
  }
  if (out.empty()) in.fail("files", "no benchmarks in the file");
  return out;
}

}  // namespace perfgate::ingest
