// Renderings of a comparison (baseline vs current): a terminal table (colour optional) and
// Markdown that fits a pull-request comment.
#pragma once

#include <string>

#include "compare/comparison.hpp"

namespace perfgate::report {

// "1 regressed, 0 improved, 2 noisy, 3 unchanged (and 9 more shown, not gated)": the verdicts that
// count are those of the gated rows; the others are only shown.
std::string comparison_counts(const compare::ComparisonReport& report);

std::string comparison_table(const compare::ComparisonReport& report, const std::string& baseline_label,
                             const std::string& current_label, bool color);
std::string comparison_markdown(const compare::ComparisonReport& report, const std::string& baseline_label,
                                const std::string& current_label);

}  // namespace perfgate::report
