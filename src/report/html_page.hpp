// What the HTML pages of run, compare and report trends share: the page around the content
// (inline CSS, no script, nothing fetched), the verdict banner that comes first, the comparison
// with what changed first and the unchanged rows folded away, and a benchmark's section with its
// charts (svg_chart.hpp): the percentile spectrum with the baseline's over it, latency and
// throughput per second, the services' CPU and RSS, the metric's history across runs, and links
// to the flame graphs. Every string from a document or a store is escaped.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"
#include "report/trends.hpp"

namespace perfgate::report {

// A document's field as text: a string as it is, another value as JSON, "" when absent or null.
std::string field_text(const nlohmann::json& object, const char* key);

// "<!DOCTYPE html>…<body><main>" with the shared style, and the end of the page.
std::string html_page_start(const std::string& title);
std::string html_page_end();

// The box at the top: the verdict word (PASS, FAIL) in the colour of `passed`, the headline beside
// it, then `changes_html` as a list (each an HTML fragment, already escaped), or `quiet` when empty.
std::string verdict_banner(bool passed, const std::string& word, const std::string& headline,
                           const std::vector<std::string>& changes_html, const std::string& quiet);

// Each gated row that regressed, improved or was noisy, in plain words (HTML): regressions first.
std::vector<std::string> comparison_changes(const compare::ComparisonReport& report);

// The comparison table: the changed rows, then the unchanged ones folded in <details>.
std::string comparison_section(const compare::ComparisonReport& report, const std::string& baseline_label,
                               const std::string& current_label);

// What a page knows besides the result document: the baseline's document, the comparison, and
// the suite's series across runs (run: from the store by the caller; report/ never opens it).
struct BenchmarkPageContext {
  const nlohmann::json* baseline_document = nullptr;
  const compare::ComparisonReport* comparison = nullptr;
  const std::vector<TrendSeries>* history = nullptr;
  std::string current_run_id;
  std::map<std::string, std::string> baseline_run_ids;  // benchmark -> the stored run it was compared with
  std::map<std::pair<std::string, std::string>, std::string> diff_flame_graphs;  // (benchmark, service) -> path
};

// "Benchmarks" and a card per benchmark of `document`.
std::string benchmark_sections(const nlohmann::json& document, const BenchmarkPageContext& context);

// A metric's history across runs as a chart: the change points marked, the baseline's and the
// current run's points in their own colours (trends page and benchmark sections).
std::string history_chart(const TrendSeries& series, const std::string& baseline_run_id,
                          const std::string& current_run_id);

}  // namespace perfgate::report
