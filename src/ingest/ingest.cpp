// The table of ingest formats and the one entry point that picks a parser; see ingest.hpp.
#include "ingest/ingest.hpp"

#include <fmt/format.h>

#include <map>

#include "core/error.hpp"
#include "core/suggestion.hpp"
#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

using Parser = std::vector<IngestedBenchmark> (*)(const std::string&, const InputReader&);

struct Format {
  const char* name;
  Parser parse;
};

constexpr Format kFormats[] = {
    {"google-benchmark", parse_google_benchmark},
    {"hyperfine", parse_hyperfine},
    {"criterion", parse_criterion_messages},
    {"go", parse_go},
    {"pytest-benchmark", parse_pytest_benchmark},
    {"vitest", parse_vitest},
    {"k6", parse_k6},
    {"jmh", parse_jmh},
    {"wrk", parse_wrk},
    {"vegeta", parse_vegeta},
    {"oha", parse_oha},
    {"tracker", parse_tracker},
};

// The store keeps one benchmark per name in a run; a harness may repeat one (two vitest
// benchmarks of the same name in one group), so the later ones become "name (2)", "name (3)".
std::vector<nlohmann::json> to_documents(std::vector<IngestedBenchmark> benchmarks, const std::string& format) {
  std::map<std::string, int> seen;
  std::vector<nlohmann::json> out;
  out.reserve(benchmarks.size());
  for (auto& b : benchmarks) {
    int n = ++seen[b.name];
    if (n > 1) {
      std::string renamed = fmt::format("{} ({})", b.name, n);
      while (seen.count(renamed) != 0) renamed = fmt::format("{} ({})", b.name, ++n);
      seen[renamed] = 1;
      b.name = renamed;
    }
    out.push_back(b.to_json(format));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& format_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& f : kFormats) v.emplace_back(f.name);
    return v;
  }();
  return names;
}

void require_known_format(const std::string& format) {
  for (const auto& f : kFormats) {
    if (format == f.name) return;
  }
  throw UsageError(fmt::format("unknown ingest format '{}'{} (formats: {})", format,
                               did_you_mean(format, format_names()), join_names(format_names())));
}

std::vector<nlohmann::json> parse(const std::string& format, const std::string& text, const std::string& source) {
  require_known_format(format);
  for (const auto& f : kFormats) {
    if (format == f.name) return to_documents(f.parse(text, InputReader(source, format)), format);
  }
  return {};
}

std::vector<nlohmann::json> parse_criterion_directory(const std::string& directory) {
  return to_documents(parse_criterion_tree(directory), "criterion");
}

}  // namespace perfgate::ingest
