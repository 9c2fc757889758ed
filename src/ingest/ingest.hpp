// Results of other harnesses — Google Benchmark, hyperfine, criterion, go test -bench,
// pytest-benchmark, vitest bench, k6, JMH and the tracker's JSONL — read into benchmark objects
// of the result document (`perfgate.result/v1`, kind "ingested"), so that their runs are stored,
// compared and gated like perfgate's own. docs/ingest.md lists each format's metrics.
//
//   auto benchmarks = ingest::parse("google-benchmark", read_file("micro.json"), "micro.json");
//   for (auto& b : benchmarks) store->add_benchmark(run_id, b);
//
// Each benchmark object is
//   {"name", "kind": "ingested", "format", "valid", "invalid_reason", "config": {what the input says
//    about the setup}, "samples": {raw samples where the format has them}, "metrics": [{name, value,
//    unit, better}]}.
// Raw samples: hyperfine's runs are `samples.wall_s` (what `perfgate cmd` writes, so the comparison
// tests them); every other format's primary series is `samples.values` (in `samples.values_unit`,
// standing behind the metrics listed in `samples.values_metrics`), and further series are
// `samples.METRIC`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace perfgate::ingest {

// "google-benchmark", "hyperfine", "criterion", "go", "pytest-benchmark", "vitest", "k6", "jmh", "tracker".
const std::vector<std::string>& format_names();

// Throws UsageError "unknown ingest format 'gbench'; did you mean 'google-benchmark'? (formats: …)".
//   require_known_format("hyperfine");  // fine
void require_known_format(const std::string& format);

// Parses one harness output. `source` names the input in messages ("results.json", "<stdin>").
// Throws UsageError "SOURCE: FORMAT: what is wrong (where)" for anything it cannot read — invalid
// JSON (with line and column), a member of the wrong type (with its JSON path), a text line it
// cannot parse (with its number), an empty input, an input without benchmarks. Benchmark names
// are unique within the result ("name (2)" for a repeated one), as the store requires.
//   parse("hyperfine", text, "bench.json")  // one benchmark per command
// For "criterion", `text` is the JSON lines of `cargo criterion --message-format=json`; the
// directory tree `cargo bench` writes is read by parse_criterion_directory.
std::vector<nlohmann::json> parse(const std::string& format, const std::string& text, const std::string& source);

// Reads criterion's tree: DIRECTORY/**/new/estimates.json with sample.json and benchmark.json
// beside it (base/ and change/ are earlier runs and comparisons, not this run).
//   parse_criterion_directory("target/criterion")
// Throws UsageError naming the directory or the file it cannot read.
std::vector<nlohmann::json> parse_criterion_directory(const std::string& directory);

}  // namespace perfgate::ingest
