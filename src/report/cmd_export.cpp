// Markdown and CSV exports of command benchmarks; see cmd_export.hpp.
#include "report/cmd_export.hpp"

#include <set>

#include <fmt/format.h>

#include "core/text_escape.hpp"

namespace perfgate::report {

std::string cmd_markdown(const std::vector<cmd::CommandResult>& results) {
  if (results.empty()) return "";
  bool in_seconds = results.front().wall.mean >= 1.0;
  double scale = in_seconds ? 1.0 : 1e3;
  const char* unit = in_seconds ? "s" : "ms";
  const cmd::CommandResult* fastest = &results.front();
  for (const auto& r : results) {
    if (r.wall.mean < fastest->wall.mean) fastest = &r;
  }
  std::string out = fmt::format("| Command | Mean [{0}] | Min [{0}] | Max [{0}] | Relative |\n", unit);
  out += "|:---|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    std::string relative = "1.00";
    if (&r != fastest && fastest->wall.mean > 0) {
      auto ratio = stats::ratio_of_means(r.wall, fastest->wall);
      relative = fmt::format("{:.2f} ± {:.2f}", ratio.value, ratio.stddev);
    }
    out += fmt::format("| {} | {:.1f} ± {:.1f} | {:.1f} | {:.1f} | {} |\n", markdown_code(r.command.name),
                       r.wall.mean * scale, r.wall.stddev * scale, r.wall.min * scale, r.wall.max * scale, relative);
  }
  return out;
}

std::string cmd_csv(const std::vector<cmd::CommandResult>& results) {
  std::set<std::string> parameter_names;
  for (const auto& r : results) {
    for (const auto& [name, value] : r.command.parameters) parameter_names.insert(name);
  }
  std::string out = "command,mean,stddev,median,user,system,min,max";
  for (const auto& name : parameter_names) out += ",parameter_" + csv_field(name);
  out += "\n";
  for (const auto& r : results) {
    out += fmt::format("{},{},{},{},{},{},{},{}", csv_field(r.command.name), r.wall.mean, r.wall.stddev,
                       r.wall.median, r.user_mean_s, r.system_mean_s, r.wall.min, r.wall.max);
    for (const auto& name : parameter_names) {
      auto it = r.command.parameters.find(name);
      out += "," + (it == r.command.parameters.end() ? std::string() : csv_field(it->second));
    }
    out += "\n";
  }
  return out;
}

}  // namespace perfgate::report
