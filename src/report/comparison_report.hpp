// Renderings of a comparison (baseline vs current): a terminal table (colour optional) and
// Markdown that fits a pull-request comment.
#pragma once

#include <string>

#include "compare/comparison.hpp"

namespace perfgate::report {

std::string comparison_table(const compare::ComparisonReport& report, const std::string& baseline_label,
                             const std::string& current_label, bool color);
std::string comparison_markdown(const compare::ComparisonReport& report, const std::string& baseline_label,
                                const std::string& current_label);

}  // namespace perfgate::report
