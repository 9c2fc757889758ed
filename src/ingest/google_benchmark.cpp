// Google Benchmark's JSON (`--benchmark_format=json`, `--benchmark_out=FILE`): `context` and
// `benchmarks[]`. One benchmark per run_name: its repetitions (run_type "iteration") are the
// samples, its aggregates (run_type "aggregate": mean, median, stddev, cv) are used where the
// repetitions were not reported (--benchmark_report_aggregates_only) and never become
// benchmarks of their own. Times are converted from each entry's time_unit to nanoseconds.
#include <fmt/format.h>

#include <map>
#include <set>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

using nlohmann::json;

// Members of an entry that are not user counters.
const std::set<std::string, std::less<>> kKnownKeys = {
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "error_occurred",
    "error_message",
    "label",
    "big_o",
    "rms",
    "cpu_coefficient",
    "real_coefficient",
    "complexity_n",
};

struct Entry {
  std::string path;  // benchmarks[i]
  const json* object;
  double ns_per_unit;
};

struct Group {
  std::string name;
  std::vector<Entry> runs;                  // run_type "iteration", in order
  std::map<std::string, Entry> aggregates;  // by aggregate_name
  std::vector<std::string> other_aggregates;
  std::optional<std::string> error;
};

// A user counter's direction is not in the JSON (its flags are lost); a name that reads as a
// rate is taken as higher-is-better, anything else (sizes, counts, misses) as lower.
std::string counter_direction(const std::string& metric) {
  for (const char* word : {"per_second", "per_sec", "per_s", "rate", "throughput", "ops", "hz"}) {
    if (metric.find(word) != std::string::npos) return "higher";
  }
  return "lower";
}

double number_in(const InputReader& in, const Entry& e, const char* key) {
  return in.number_member(*e.object, e.path, key);
}

}  // namespace

std::vector<IngestedBenchmark> parse_google_benchmark(const std::string& text, const InputReader& in) {
  json doc = in.parse_json(text, "the JSON of --benchmark_format=json or --benchmark_out");
  in.expect_object(doc, "the top level");
  const json* context = in.optional_object(doc, "", "context");
  const json& list = in.array_member(doc, "", "benchmarks");
  if (list.empty()) in.fail("benchmarks", "no benchmarks in the file (did --benchmark_filter match none?)");

  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string path = index_path("benchmarks", i);
    const json& e = in.expect_object(list[i], path);
    std::string name = in.string_member(e, path, "name");
    std::string run_type = in.optional_string(e, path, "run_type").value_or("iteration");
    std::optional<std::string> aggregate = in.optional_string(e, path, "aggregate_name");
    std::string key = in.optional_string(e, path, "run_name").value_or(name);
    if (run_type == "aggregate" && key == name && aggregate && name.ends_with("_" + *aggregate)) {
      key = name.substr(0, name.size() - aggregate->size() - 1);  // versions without run_name
    }
    std::string unit = in.optional_string(e, path, "time_unit").value_or("ns");
    auto ns = nanoseconds_per(unit);
    if (!ns) {
      in.fail(member_path(path, "time_unit"), fmt::format("unknown time unit '{}' (expected ns, us, ms or s)", unit));
    }
    auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.push_back(Group{key, {}, {}, {}, std::nullopt});
    Group& g = groups[it->second];
    Entry entry{path, &e, *ns};
    auto error = e.find("error_occurred");
    if (error != e.end() && error->is_boolean() && error->get<bool>()) {
      g.error = in.optional_string(e, path, "error_message").value_or("the benchmark reported an error");
    } else if (run_type == "aggregate") {
      std::string a = aggregate.value_or("");
      if (a == "mean" || a == "median" || a == "stddev" || a == "cv") {
        g.aggregates.emplace(a, entry);
      } else {
        g.other_aggregates.push_back(a);  // BigO, RMS and user-defined statistics
      }
    } else {
      g.runs.push_back(entry);
    }
  }

  std::vector<IngestedBenchmark> out;
  for (const Group& g : groups) {
    // A complexity family (BigO/RMS only) measured nothing of its own.
    if (g.runs.empty() && g.aggregates.empty() && !g.error) continue;
    IngestedBenchmark b;
    b.name = g.name;
    if (context) b.config["context"] = *context;
    const Entry* first = !g.runs.empty()         ? &g.runs.front()
                         : !g.aggregates.empty() ? &g.aggregates.begin()->second
                                                 : nullptr;
    if (first) {
      for (const char* key :
           {"threads", "repetitions", "time_unit", "label", "family_index", "per_family_instance_index"}) {
        if (first->object->contains(key)) b.config[key] = (*first->object)[key];
      }
    }
    if (!g.other_aggregates.empty()) b.config["other_aggregates"] = g.other_aggregates;
    if (g.error) {
      b.invalid_reason = *g.error;
      out.push_back(std::move(b));
      continue;
    }
    json iterations = json::array();
    for (const auto& r : g.runs) iterations.push_back(number_in(in, r, "iterations"));
    b.config["iterations"] = iterations;
    b.config["aggregates_only"] = g.runs.empty();
    bool repeated = g.runs.size() > 1 || !g.aggregates.empty();

    // real_time_mean, cpu_time_mean: the mean of the repetitions (or the "mean" aggregate), in
    // ns; _median and _stddev beside them when there were repetitions.
    auto time_metric = [&](const char* key) {
      std::vector<double> values;
      for (const auto& r : g.runs) values.push_back(number_in(in, r, key) * r.ns_per_unit);
      auto aggregate = [&](const char* a) -> std::optional<double> {
        auto it = g.aggregates.find(a);
        if (it == g.aggregates.end()) return std::nullopt;
        return number_in(in, it->second, key) * it->second.ns_per_unit;
      };
      std::string name = key;
      if (!values.empty()) {
        b.add_metric(name + "_mean", mean_of(values), "ns", "lower");
      } else if (auto mean = aggregate("mean")) {
        b.add_metric(name + "_mean", *mean, "ns", "lower");
      } else if (auto median = aggregate("median")) {
        b.add_metric(name + "_mean", *median, "ns", "lower");
      }
      if (repeated) {
        if (auto median = aggregate("median")) {
          b.add_metric(name + "_median", *median, "ns", "lower");
        } else if (values.size() > 1) {
          b.add_metric(name + "_median", median_of(values), "ns", "lower");
        }
        if (auto stddev = aggregate("stddev")) {
          b.add_metric(name + "_stddev", *stddev, "ns", "lower");
        } else if (values.size() > 1) {
          b.add_metric(name + "_stddev", stddev_of(values), "ns", "lower");
        }
      }
      return values;
    };
    std::vector<double> real = time_metric("real_time");
    std::vector<double> cpu = time_metric("cpu_time");
    b.set_values(std::move(real), "ns", {"real_time_mean", "real_time_median"});
    b.add_series("cpu_time", std::move(cpu));

    // Rates and user counters: every other numeric member, averaged like the times.
    for (const auto& [key, value] : first->object->items()) {
      if (kKnownKeys.count(key) != 0 || !value.is_number()) continue;
      std::vector<double> values;
      for (const auto& r : g.runs) {
        if (r.object->contains(key)) values.push_back(in.number_member(*r.object, r.path, key));
      }
      std::optional<double> value_of_metric;
      if (!values.empty()) {
        value_of_metric = mean_of(values);
      } else if (auto it = g.aggregates.find("mean"); it != g.aggregates.end() && it->second.object->contains(key)) {
        value_of_metric = in.number_member(*it->second.object, it->second.path, key);
      }
      if (!value_of_metric) continue;
      std::string metric = metric_name_from(key);
      if (key == "items_per_second") {
        b.add_metric(metric, *value_of_metric, "items/s", "higher");
      } else if (key == "bytes_per_second") {
        b.add_metric(metric, *value_of_metric, "bytes/s", "higher");
      } else {
        b.add_metric(metric, *value_of_metric, "count", counter_direction(metric));
      }
      if (values.size() > 1) b.add_series(metric, std::move(values));
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace perfgate::ingest
