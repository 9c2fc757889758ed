// `perfgate docs SUITE [-o docs/benchmarks.md]`: the benchmarks page a team commits, from the
// suite and its stored baseline run (report/benchmarks_page.hpp). Reads the store; never runs.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/run_reference.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "report/benchmarks_page.hpp"
#include "suite/suite_loader.hpp"

namespace perfgate::cli {
namespace {

constexpr const char* kDefaultStore = ".perfgate/history.db";

// The newest complete run of the suite on its baseline branch, else on any branch.
std::optional<nlohmann::json> stored_baseline(Store& store, const suite::Suite& suite) {
  std::optional<StoredRun> run = store.latest_complete_run(suite.name, suite.regression.baseline_branch);
  if (!run && suite.regression.baseline_branch == "main") run = store.latest_complete_run(suite.name, "master");
  if (!run) run = store.latest_complete_run(suite.name, std::nullopt);
  if (!run) return std::nullopt;
  return store.get_run(run->record.id);
}

}  // namespace

int docs_verb(const std::vector<std::string>& args) {
  CLI::App app{
      "Write the benchmarks page a team commits (Markdown): how to run the suite, the methodology\n"
      "(each benchmark's model, load, length and warm-up; the statistics and the gate), the test\n"
      "environment and results of the stored baseline run, and every target with whether the\n"
      "baseline meets it. The same suite and store give the same bytes.",
      "perfgate docs"};
  std::string suite_path, store_flag, baseline_flag, output;
  app.add_option("suite", suite_path, "The suite file")->required();
  app.add_option("--store", store_flag, "The run history (default: the suite's store:, else .perfgate/history.db)");
  app.add_option("--baseline", baseline_flag, "This run (id, prefix or git ref) instead of the newest on the baseline branch");
  app.add_option("-o,--output", output, "Write the page to FILE (default stdout)");
  app.footer("Exit codes: 0 written, 2 a bad suite, option or baseline.");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  check_output_paths({{"--output", output}});
  suite::Suite suite = suite::load_suite(suite_path, suite::process_environment());
  std::string store_url = !store_flag.empty() ? store_flag : suite.store.value_or(kDefaultStore);
  std::optional<nlohmann::json> baseline;
  if (store_exists(store_url)) {
    auto store = open_existing_store(store_url);
    if (!baseline_flag.empty()) {
      std::optional<LoadedRun> run = find_stored_run(*store, baseline_flag);
      if (!run) throw UsageError(fmt::format("--baseline '{}': no such run in the store", baseline_flag));
      baseline = run->document;
    } else {
      baseline = stored_baseline(*store, suite);
    }
  } else if (!baseline_flag.empty()) {
    throw UsageError(fmt::format("--baseline '{}': there is no store at '{}'", baseline_flag, store_url));
  }
  std::string page = report::benchmarks_page({suite, suite_path, baseline});
  if (output.empty() || output == "-") {
    std::fputs(page.c_str(), stdout);
  } else {
    write_output_file(output, page);
  }
  return 0;
}

}  // namespace perfgate::cli
