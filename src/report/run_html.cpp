// HTML for a suite run; see run_html.hpp.
#include "report/run_html.hpp"

#include <fmt/format.h>

#include <vector>

#include "core/text_escape.hpp"
#include "report/html_page.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

std::string run_facts(const json& run) {
  std::string out = "<p class=\"meta\">";
  out += fmt::format("run <code>{}</code>", html_text(field_text(run, "id")));
  if (run.contains("started_at")) out += fmt::format(", started {}", html_text(field_text(run, "started_at")));
  if (auto git = run.find("git"); git != run.end() && git->is_object()) {
    out += fmt::format(", git {} <code>{}</code>{}", html_text(field_text(*git, "branch")),
                       html_text(field_text(*git, "commit").substr(0, 12)), git->value("dirty", false) ? " (dirty)" : "");
  }
  if (auto env = run.find("env"); env != run.end() && env->is_object()) {
    out += fmt::format("<br>on {} ({}, {} CPUs, {}, kernel {})", html_text(field_text(*env, "hostname")),
                       html_text(field_text(*env, "cpu_model")), html_text(field_text(*env, "cpus")),
                       html_text(field_text(*env, "os")), html_text(field_text(*env, "kernel")));
  }
  return out + "</p>\n";
}

std::string checks_table(const json& checks) {
  if (checks.empty()) return "";
  std::string out = "<h2>Checks</h2>\n<table><tr><th>Benchmark</th><th>Check</th><th>Observed</th><th>Result</th></tr>\n";
  for (const auto& c : checks) {
    bool passed = c.value("passed", false);
    out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>\n",
                       html_text(field_text(c, "benchmark")), html_text(field_text(c, "expr")),
                       html_text(field_text(c, "observed_text")), passed ? "pass" : "fail", passed ? "pass" : "FAIL");
  }
  return out + "</table>\n";
}

}  // namespace

std::string run_html(const RunSummary& summary, const json& document) {
  const std::string verdict = run_verdict_line(summary);
  const bool passed = verdict.rfind("PASS", 0) == 0;
  std::string out = html_page_start(fmt::format("perfgate {}: {}", summary.suite, verdict));
  out += fmt::format("<h1>perfgate <code>{}</code></h1>\n", html_text(summary.suite));

  std::vector<std::string> changes;
  for (const auto& c : summary.checks) {
    if (c.value("passed", false)) continue;
    changes.push_back(fmt::format("<b>{}</b> <code>{}</code> <span class=\"failed\">failed</span>: observed {}",
                                  html_text(field_text(c, "benchmark")), html_text(field_text(c, "expr")),
                                  html_text(field_text(c, "observed_text"))));
  }
  if (summary.comparison != nullptr) {
    for (auto& change : comparison_changes(*summary.comparison)) changes.push_back(std::move(change));
  }
  const std::string quiet = summary.comparison != nullptr
                                ? "Nothing changed significantly against " + summary.baseline_label + "."
                                : "No comparison: " + summary.no_baseline_reason + ".";
  const std::size_t colon = verdict.find(": ");
  out += verdict_banner(passed, verdict.substr(0, colon),
                        colon == std::string::npos ? "" : verdict.substr(colon + 2), changes, quiet);
  if (auto run = document.find("run"); run != document.end() && run->is_object()) out += run_facts(*run);
  out += checks_table(summary.checks);
  if (summary.comparison != nullptr) {
    out += comparison_section(*summary.comparison, summary.baseline_label, summary.run_label);
  } else {
    out += fmt::format("<h2>Comparison</h2>\n<p>No comparison: {}.</p>\n", html_text(summary.no_baseline_reason));
  }
  BenchmarkPageContext context;
  context.baseline_document = summary.baseline_document;
  context.comparison = summary.comparison;
  context.history = summary.history.empty() ? nullptr : &summary.history;
  context.baseline_run_ids = summary.baseline_run_ids;
  if (auto run = document.find("run"); run != document.end() && run->is_object()) context.current_run_id = field_text(*run, "id");
  out += benchmark_sections(document, context);
  return out + html_page_end();
}

}  // namespace perfgate::report
