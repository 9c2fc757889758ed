// Terminal and Markdown renderings of a comparison; see comparison_report.hpp.
#include "report/comparison_report.hpp"

#include <map>

#include <fmt/format.h>

#include "core/text_escape.hpp"

namespace perfgate::report {
namespace {

std::string value(double v, const std::string& unit) {
  if (unit == "s") return fmt::format("{:.4g} s", v);
  if (unit == "ms") return fmt::format("{:.4g} ms", v);
  if (unit == "ratio") return fmt::format("{:.3g}%", v * 100);
  if (unit == "bytes") return fmt::format("{:.4g} MiB", v / (1024.0 * 1024.0));
  return fmt::format("{:.4g} {}", v, unit);
}

std::string change(const compare::ComparisonRow& row) {
  return row.change_pct ? fmt::format("{:+.1f}%", *row.change_pct) : std::string("n/a");
}

std::string p_value(const compare::ComparisonRow& row) {
  return row.p_value ? fmt::format("{:.3g}", *row.p_value) : std::string("-");
}

const char* color_of(compare::Verdict v) {
  switch (v) {
    case compare::Verdict::regressed: return "\033[31m";
    case compare::Verdict::improved: return "\033[32m";
    case compare::Verdict::noisy: return "\033[33m";
    default: return "";
  }
}

std::string summary_line(const compare::ComparisonReport& report) {
  return fmt::format("{}: gate {}", comparison_counts(report), report.gate_failed ? "FAILED" : "passed");
}

// The verdict column: a metric outside the gated set says so, whatever its verdict.
std::string verdict_text(const compare::ComparisonRow& row) {
  std::string verdict(compare::to_string(row.verdict));
  return row.gated ? verdict : verdict + " (not gated)";
}

}  // namespace

std::string comparison_counts(const compare::ComparisonReport& report) {
  using compare::Verdict;
  std::map<Verdict, std::size_t> gated;
  std::size_t ungated = 0;
  for (const auto& row : report.rows) {
    if (row.gated) {
      ++gated[row.verdict];
    } else {
      ++ungated;
    }
  }
  return fmt::format("{} regressed, {} improved, {} noisy, {} unchanged{}", gated[Verdict::regressed],
                     gated[Verdict::improved], gated[Verdict::noisy], gated[Verdict::unchanged],
                     ungated == 0 ? "" : fmt::format(" (and {} more shown, not gated)", ungated));
}

std::string comparison_table(const compare::ComparisonReport& report, const std::string& baseline_label,
                             const std::string& current_label, bool color) {
  // Names, units and labels come from the documents compared: escaped for the terminal.
  std::string out =
      fmt::format("baseline: {}\ncurrent:  {}\n\n", terminal_text(baseline_label), terminal_text(current_label));
  out += fmt::format("  {:<24} {:<16} {:>14} {:>14} {:>9} {:>9}  {}\n", "benchmark", "metric", "baseline", "current",
                     "change", "p", "verdict");
  for (const auto& row : report.rows) {
    std::string verdict = verdict_text(row);
    if (color && row.gated && *color_of(row.verdict) != '\0') verdict = color_of(row.verdict) + verdict + "\033[0m";
    out += fmt::format("  {:<24} {:<16} {:>14} {:>14} {:>9} {:>9}  {}\n", terminal_text(row.benchmark),
                       terminal_text(row.metric), terminal_text(value(row.baseline, row.unit)),
                       terminal_text(value(row.current, row.unit)), change(row), p_value(row), verdict);
  }
  for (const auto& row : report.rows) {
    if (row.gated && (row.verdict == compare::Verdict::regressed || row.verdict == compare::Verdict::noisy)) {
      out += "\n  " + terminal_text(fmt::format("{} {}: {}", row.benchmark, row.metric, row.reason));
    }
  }
  for (const auto& name : report.only_in_baseline) out += "\n  only in the baseline: " + terminal_text(name);
  for (const auto& name : report.only_in_current) out += "\n  only in the current run: " + terminal_text(name);
  for (const auto& note : report.notes) out += "\n  note: " + terminal_text(note);
  out += "\n\n" + summary_line(report) + "\n";
  return out;
}

std::string comparison_markdown(const compare::ComparisonReport& report, const std::string& baseline_label,
                                const std::string& current_label) {
  std::string out = fmt::format("### perfgate: {}\n\nBaseline {}, current {}.\n\n", summary_line(report),
                                markdown_code(baseline_label), markdown_code(current_label));
  out += "| Benchmark | Metric | Baseline | Current | Change | p | Verdict |\n";
  out += "|:---|:---|---:|---:|---:|---:|:---|\n";
  for (const auto& row : report.rows) {
    std::string verdict = verdict_text(row);
    if (row.fails_gate()) verdict = "**" + verdict + "**";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", markdown_cell(row.benchmark), markdown_cell(row.metric),
                       value(row.baseline, row.unit), value(row.current, row.unit), change(row), p_value(row), verdict);
  }
  return out;
}

}  // namespace perfgate::report
