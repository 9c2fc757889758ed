// The parsers of the ingest formats, one file each (hyperfine's `export/` has one small file
// per format too). Each reads the whole input and returns its benchmarks, or throws UsageError
// through the InputReader, which names the source, the format and the place.
#pragma once

#include <string>
#include <vector>

#include "ingest/ingested_benchmark.hpp"
#include "ingest/input_reader.hpp"

namespace perfgate::ingest {

std::vector<IngestedBenchmark> parse_google_benchmark(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_hyperfine(const std::string& text, const InputReader& in);
// cargo-criterion's --message-format=json lines; the directory tree is in ingest.hpp.
std::vector<IngestedBenchmark> parse_criterion_messages(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_criterion_tree(const std::string& directory);
std::vector<IngestedBenchmark> parse_go(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_pytest_benchmark(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_vitest(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_k6(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_jmh(const std::string& text, const InputReader& in);
// HTTP load generators' summaries, with the metric names of `perfgate http`.
std::vector<IngestedBenchmark> parse_wrk(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_vegeta(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_oha(const std::string& text, const InputReader& in);
std::vector<IngestedBenchmark> parse_tracker(const std::string& text, const InputReader& in);

}  // namespace perfgate::ingest
