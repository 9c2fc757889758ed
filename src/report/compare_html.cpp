// HTML for `perfgate compare`; see compare_html.hpp.
#include "report/compare_html.hpp"

#include <fmt/format.h>

#include "core/text_escape.hpp"
#include "report/html_page.hpp"

namespace perfgate::report {

std::string compare_html(const compare::ComparisonReport& report, const ComparedRuns& runs) {
  const std::size_t failures = report.gate_failures();
  const std::string headline =
      failures > 0 ? fmt::format("{} regression{}", failures, failures == 1 ? "" : "s") : "no regression";
  const char* word = report.gate_failed ? "FAIL" : "PASS";
  std::string out = html_page_start(fmt::format("perfgate compare: {}: {}", word, headline));
  out += fmt::format("<h1>perfgate compare</h1>\n<p class=\"meta\">Baseline <code>{}</code>, current <code>{}</code>.</p>\n",
                     html_text(runs.baseline_label), html_text(runs.current_label));
  out += verdict_banner(!report.gate_failed, word, headline, comparison_changes(report),
                        "Nothing changed significantly.");
  out += comparison_section(report, runs.baseline_label, runs.current_label);
  if (runs.current_document != nullptr) {
    BenchmarkPageContext context;
    context.baseline_document = runs.baseline_document;
    context.comparison = &report;
    context.history = runs.history.empty() ? nullptr : &runs.history;
    context.diff_flame_graphs = runs.diff_flame_graphs;
    auto run_id = [](const nlohmann::json* document) {
      return document != nullptr && document->contains("run") && (*document)["run"].is_object()
                 ? field_text((*document)["run"], "id")
                 : std::string();
    };
    context.current_run_id = run_id(runs.current_document);
    if (const std::string baseline_id = run_id(runs.baseline_document); !baseline_id.empty()) {
      for (const auto& b : runs.baseline_document->value("benchmarks", nlohmann::json::array())) {
        if (b.is_object()) context.baseline_run_ids[b.value("name", "")] = baseline_id;
      }
    }
    out += benchmark_sections(*runs.current_document, context);
  }
  return out + html_page_end();
}

}  // namespace perfgate::report
