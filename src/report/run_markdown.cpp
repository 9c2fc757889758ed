// Markdown for a suite run; see run_markdown.hpp.
#include "report/run_markdown.hpp"

#include <fmt/format.h>

#include "core/text_escape.hpp"
#include "report/comparison_report.hpp"
#include "report/service_resources.hpp"

namespace perfgate::report {

std::string run_verdict_line(const RunSummary& summary) {
  std::size_t failed = 0;
  for (const auto& c : summary.checks) {
    if (!c.value("passed", false)) ++failed;
  }
  std::size_t regressions = summary.comparison != nullptr ? summary.comparison->gate_failures() : 0;
  if (failed == 0 && regressions == 0) {
    return fmt::format("PASS: {} check{} passed, no regression", summary.checks.size(),
                       summary.checks.size() == 1 ? "" : "s");
  }
  std::string out = "FAIL:";
  if (failed > 0) out += fmt::format(" {} check{} failed", failed, failed == 1 ? "" : "s");
  if (failed > 0 && regressions > 0) out += ",";
  if (regressions > 0) out += fmt::format(" {} regression{}", regressions, regressions == 1 ? "" : "s");
  return out;
}

std::string run_markdown(const RunSummary& summary) {
  std::string out = fmt::format("## perfgate {}: {}\n\n", markdown_code(summary.suite), run_verdict_line(summary));
  if (!summary.checks.empty()) {
    out += "| Benchmark | Check | Observed | Result |\n|:---|:---|---:|:---|\n";
    for (const auto& c : summary.checks) {
      bool passed = c.value("passed", false);
      out += fmt::format("| {} | {} | {} | {} |\n", markdown_cell(c.value("benchmark", "")), markdown_code(c.value("expr", "")),
                         markdown_cell(c.value("observed_text", "")), passed ? "pass" : "**FAIL**");
    }
    out += "\n";
  }
  out += service_resources_markdown(summary.benchmarks);
  if (summary.comparison != nullptr) {
    out += comparison_markdown(*summary.comparison, summary.baseline_label, summary.run_label);
  } else {
    out += fmt::format("No comparison: {}.\n", summary.no_baseline_reason);
  }
  return out;
}

}  // namespace perfgate::report
