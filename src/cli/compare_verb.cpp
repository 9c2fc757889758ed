// `perfgate compare A B`: two runs — result files, run ids in the store, or git refs whose
// commit has a stored run — compared benchmark by benchmark and metric by metric, with a
// significance test and a verdict; exit 1 when a significant change beyond the allowed one
// is a regression.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/option_values.hpp"
#include "cli/run_reference.hpp"
#include "cli/verbs.hpp"
#include "compare/comparison.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "core/text_escape.hpp"
#include "core/units.hpp"
#include "profile/flame_graph.hpp"
#include "profile/folded_stacks.hpp"
#include "report/compare_html.hpp"
#include "report/comparison_report.hpp"
#include "report/trends.hpp"
#include "store/store.hpp"

namespace perfgate::cli {
namespace {

// A result file, else a run id in the store, else a git ref with a stored run.
LoadedRun load_run(const std::string& which, const std::string& text, const std::string& store_url) {
  if (is_regular_file(text)) return load_result_file(which, text);
  if (!store_exists(store_url)) {
    throw UsageError(fmt::format("{} '{}': no such result file, and there is no store at '{}' to look it up in", which,
                                 text, store_url));
  }
  auto store = open_store(store_url);
  if (auto run = find_stored_run(*store, text)) return *run;
  throw UsageError(fmt::format("{} '{}': neither a result file, nor a run id, nor a git ref with a run in '{}'", which,
                               text, store_url));
}

// For each service profile (`profile: true`) in both runs, a differential flame graph beside the
// current run's folded file: BENCH.SERVICE.diff.svg, the current profile's shape coloured by
// the change against the baseline's. A profile whose files are gone is skipped, saying so.
// Returns the graphs written: (benchmark, service) -> path, for the HTML page to link.
std::map<std::pair<std::string, std::string>, std::string> write_profile_diffs(const LoadedRun& a, const LoadedRun& b,
                                                                               std::FILE* out) {
  std::map<std::pair<std::string, std::string>, std::string> written;
  for (const auto& current : b.document.value("benchmarks", nlohmann::json::array())) {
    const auto profiles = current.value("profiles", nlohmann::json::object());
    if (!profiles.is_object() || profiles.empty()) continue;
    const std::string name = current.value("name", "");
    for (const auto& before : a.document.value("benchmarks", nlohmann::json::array())) {
      if (before.value("name", "") != name) continue;
      const auto base_profiles = before.value("profiles", nlohmann::json::object());
      for (const auto& [service, files] : profiles.items()) {
        if (!base_profiles.is_object() || !base_profiles.contains(service)) continue;
        const std::string now_path = files.value("folded", "");
        const std::string base_path = base_profiles[service].value("folded", "");
        try {
          profile::FoldedStacks now = profile::read_folded_file(now_path);
          profile::FoldedStacks base = profile::read_folded_file(base_path);
          profile::FlameGraphOptions graph;
          graph.title = fmt::format("{}: service {}, {} against {}", name, service, b.label, a.label);
          graph.subtitle = "red: a larger share of the samples than in the baseline, blue: a smaller one";
          graph.base = &base;
          std::string svg_path = now_path.ends_with(".folded") ? now_path.substr(0, now_path.size() - 7) : now_path;
          svg_path += ".diff.svg";
          write_file_atomically(svg_path, profile::render_flame_graph(now, graph));
          written[{name, service}] = svg_path;
          std::fprintf(out, "differential flame graph of %s/%s: %s\n", terminal_text(name).c_str(), terminal_text(service).c_str(),
                       terminal_text(svg_path).c_str());
        } catch (const std::runtime_error& e) {
          std::fprintf(out, "no differential flame graph of %s/%s: %s\n", terminal_text(name).c_str(), terminal_text(service).c_str(),
                       terminal_text(e.what()).c_str());
        }
      }
    }
  }
  return written;
}

// The current run's suite across the runs of the store, for the page's history charts; none
// when there is no store or the run names no suite.
std::vector<report::TrendSeries> suite_history(const nlohmann::json& current, const std::string& store_url) {
  auto suite = current.find("suite");
  if (suite == current.end() || !suite->is_string() || !store_exists(store_url)) return {};
  report::TrendQuery query;
  query.suite = suite->get<std::string>();
  query.max_runs = 60;
  auto store = open_store(store_url);
  return report::collect_trends(*store, query);
}

}  // namespace

int compare_verb(const std::vector<std::string>& args) {
  CLI::App app{"Compare two runs (result files, run ids, or git refs with a stored run) benchmark by benchmark.\n"
               "A metric regresses when its change is both significant (Mann-Whitney U over the raw samples,\n"
               "confirmed by a bootstrap interval) and larger than the allowed change; noise alone never fails.",
               "perfgate compare"};
  std::string baseline, current, max_change = "10%", markdown_path, json_path, html_path;
  std::string store_url = ".perfgate/history.db";
  std::vector<std::string> overrides;
  app.add_option("baseline", baseline, "The baseline: FILE, RUN id or git REF")->required();
  app.add_option("current", current, "The run to judge: FILE, RUN id or git REF")->required();
  app.add_option("--max-change", max_change, "Allowed change before a significant one is a regression (default 10%)");
  app.add_option("--metric-max-change", overrides, "METRIC=PCT: allowed change for one metric (repeatable)");
  app.add_option("--store", store_url, "Run history to look ids and refs up in (default .perfgate/history.db)");
  app.add_option("--markdown", markdown_path, "Write the comparison as Markdown (a pull-request comment)");
  app.add_option("--json", json_path, "Write the comparison as JSON, - for stdout");
  app.add_option("--html", html_path, "Write the comparison as one self-contained HTML page (verdict, charts)");
  app.footer("Exit codes: 0 no regression, 1 a regression, 2 bad input.");
  if (auto code = parse_verb_arguments(app, args)) return *code;

  compare::GateOptions gate;
  gate.max_change = change_option("--max-change", max_change);
  for (const auto& [metric, percent] : key_value_options("--metric-max-change", overrides, "METRIC=PCT")) {
    gate.max_change_by_metric[metric] = change_option("--metric-max-change", percent);
  }
  FILE* text = check_output_paths({{"--markdown", markdown_path}, {"--json", json_path}, {"--html", html_path}});
  LoadedRun a = load_run("baseline", baseline, store_url);
  LoadedRun b = load_run("current", current, store_url);
  std::vector<std::string> measured;  // the metrics of both documents, for a misspelt override
  for (const auto* doc : {&a.document, &b.document}) {
    for (const auto& benchmark : doc->value("benchmarks", nlohmann::json::array())) {
      for (const auto& metric : benchmark.value("metrics", nlohmann::json::array())) measured.push_back(metric.value("name", ""));
    }
  }
  for (const auto& [metric, fraction] : gate.max_change_by_metric) compare::check_metric_name("--metric-max-change", metric, measured);
  compare::ComparisonReport report = compare::compare_documents(a.document, b.document, gate);

  bool color = isatty(fileno(text)) == 1 && std::getenv("NO_COLOR") == nullptr;
  std::fputs(report::comparison_table(report, a.label, b.label, color).c_str(), text);
  auto diff_flame_graphs = write_profile_diffs(a, b, text);
  if (!markdown_path.empty()) write_file_atomically(markdown_path, report::comparison_markdown(report, a.label, b.label));
  if (!json_path.empty()) write_file_atomically(json_path, report.to_json().dump(2) + "\n");
  if (!html_path.empty()) {
    report::ComparedRuns runs{a.label, b.label, &a.document, &b.document, suite_history(b.document, store_url),
                              std::move(diff_flame_graphs)};
    write_file_atomically(html_path, report::compare_html(report, runs));
  }
  return report.gate_failed ? exit_code::kGateFailed : exit_code::kOk;
}

}  // namespace perfgate::cli
