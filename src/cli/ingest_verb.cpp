// `perfgate ingest --format FORMAT FILE|-`: another harness's results (Google Benchmark,
// hyperfine, criterion, go test -bench, …) read by the ingest library into a result document,
// shown as a short table, and stored as a complete run, so that `compare`, `history` and the
// gates treat them like perfgate's own runs.
#include <fmt/format.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/option_values.hpp"
#include "cli/verbs.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/text_escape.hpp"
#include "ingest/ingest.hpp"
#include "store/store.hpp"

namespace perfgate::cli {
namespace {

struct IngestFlags {
  std::string format;
  std::string input;
  std::string suite;
  std::vector<std::string> tags;
  std::string name;
  std::string store = ".perfgate/history.db";
  std::string json_path;
};

// A missing or unreadable input is bad input (exit 2), like a missing suite file.
std::string read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UsageError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << file.rdbuf();
  if (file.bad()) throw UsageError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  return ss.str();
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<nlohmann::json> parse_input(const IngestFlags& f) {
  ingest::require_known_format(f.format);  // before the input: the format is the likelier typo
  if (f.input != "-" && is_directory(f.input)) {
    if (f.format == "criterion") return ingest::parse_criterion_directory(f.input);
    throw UsageError(
        fmt::format("'{}' is a directory; only the criterion format reads a directory (target/criterion)", f.input));
  }
  return ingest::parse(f.format, read_input(f.input), f.input == "-" ? "<stdin>" : f.input);
}

// --name: the benchmark's name when the input has one (k6), else a prefix "NAME/" for each.
void apply_name(std::vector<nlohmann::json>& benchmarks, const std::string& name) {
  if (name.empty()) return;
  for (auto& b : benchmarks) {
    b["ingested_name"] = b["name"];
    b["name"] = benchmarks.size() == 1 ? name : name + "/" + b["name"].get<std::string>();
  }
}

std::string format_value(double v) { return fmt::format("{:.6g}", v); }

// benchmark | metric | value unit | better — the benchmark named once per block of its metrics.
std::string metrics_table(const std::vector<nlohmann::json>& benchmarks) {
  std::size_t name_width = 9, metric_width = 6, unit_width = 4;
  for (const auto& b : benchmarks) {
    name_width = std::max(name_width, terminal_text(b["name"].get<std::string>()).size());
    for (const auto& m : b["metrics"]) {
      metric_width = std::max(metric_width, terminal_text(m["name"].get<std::string>()).size());
      unit_width = std::max(unit_width, m["unit"].get<std::string>().size());
    }
  }
  name_width = std::min<std::size_t>(name_width, 60);
  std::string out = fmt::format("  {:<{}}  {:<{}}  {:>14}  {:<{}}  {}\n", "benchmark", name_width, "metric",
                                metric_width, "value", "unit", unit_width, "better");
  for (const auto& b : benchmarks) {
    // Names come from the harness's output: escaped, so no escape sequence reaches the terminal.
    std::string name = terminal_text(b["name"].get<std::string>());
    if (!b.value("valid", true)) {
      out += fmt::format("  {:<{}}  INVALID: {}\n", name, name_width,
                         terminal_text(b.value("invalid_reason", std::string())));
    }
    bool first = true;
    for (const auto& m : b["metrics"]) {
      out += fmt::format("  {:<{}}  {:<{}}  {:>14}  {:<{}}  {}\n", first ? name : "", name_width,
                         terminal_text(m["name"].get<std::string>()), metric_width, format_value(m["value"].get<double>()),
                         m["unit"].get<std::string>(), unit_width, m["better"].get<std::string>());
      first = false;
    }
  }
  return out;
}

}  // namespace

int ingest_verb(const std::vector<std::string>& args) {
  CLI::App app{
      "Import the results of another harness into a result document and the run history:\n"
      "google-benchmark, hyperfine, criterion, go, pytest-benchmark, vitest, k6, jmh, wrk, vegeta, oha, tracker.\n"
      "See docs/ingest.md for how to produce each input and the metrics each gives.",
      "perfgate ingest"};
  IngestFlags f;
  app.add_option("input", f.input,
                 "The harness's output file, - for stdin (criterion: its target/criterion "
                 "directory)")
      ->required();
  app.add_option(
         "-f,--format", f.format,
         "The input's format: " +
             [] {
               std::string names;
               for (const auto& n : ingest::format_names()) names += (names.empty() ? "" : ", ") + n;
               return names;
             }())
      ->required();
  app.add_option("--suite", f.suite, "Suite the run is stored under (default: the format's name)");
  app.add_option("--tag", f.tags, "KEY=VALUE stored with the run (repeatable)");
  app.add_option("--name", f.name, "Name of the benchmark (one benchmark), else a prefix NAME/ for each");
  app.add_option("--store", f.store, "Run history (default .perfgate/history.db)");
  app.add_option("--json", f.json_path, "Write the result document to FILE, - for stdout");
  app.footer(
      "Exit codes: 0 stored, 2 bad options or an input the format cannot read, 3 the store cannot be written.\n"
      "Example: perfgate ingest --format google-benchmark micro.json --tag host=ci");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  FILE* out = check_output_paths({{"--json", f.json_path}});
  RunInfo info = make_run_info();
  info.tags = key_value_options("--tag", f.tags);
  std::vector<nlohmann::json> benchmarks = parse_input(f);
  apply_name(benchmarks, f.name);
  std::string suite = f.suite.empty() ? f.format : f.suite;
  nlohmann::json document = result_document(info, benchmarks);
  document["suite"] = suite;
  document["source"] = {{"format", f.format}, {"input", f.input}};

  auto store = open_store(f.store);
  std::string run_id = store->begin_run(run_record(info, suite));
  for (const auto& b : benchmarks) store->add_benchmark(run_id, b);
  store->complete_run(run_id);
  document["run"]["status"] = "complete";

  std::fprintf(out, "perfgate ingest: %zu benchmark%s from %s (%s), stored as run %s in %s (suite '%s')\n",
               benchmarks.size(), benchmarks.size() == 1 ? "" : "s", f.input == "-" ? "<stdin>" : f.input.c_str(),
               f.format.c_str(), run_id.c_str(), f.store.c_str(), suite.c_str());
  std::fputs(metrics_table(benchmarks).c_str(), out);
  std::fflush(out);
  if (!f.json_path.empty()) write_file_atomically(f.json_path, document.dump(2) + "\n");
  return exit_code::kOk;
}

}  // namespace perfgate::cli
