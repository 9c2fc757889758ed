// Exports of command benchmarks in hyperfine's layouts; see cmd_export.hpp.
#include "report/cmd_export.hpp"

#include <set>

#include <fmt/format.h>

#include "core/text_escape.hpp"

namespace perfgate::report {
namespace {

// One row of the markup tables, its figures already in the table's unit.
struct TableRow {
  std::string name;
  std::string mean;
  std::string min;
  std::string max;
  std::string relative;
};

struct Table {
  std::string unit;
  std::vector<TableRow> rows;
};

Table make_table(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options) {
  Table table;
  if (results.empty()) return table;
  std::vector<std::size_t> order = options.order;
  if (order.empty()) {
    for (std::size_t i = 0; i < results.size(); ++i) order.push_back(i);
  }
  // Like hyperfine, the tables choose between seconds and milliseconds only.
  const double first_mean = results[order.front()].wall.mean;
  const CmdTimeUnit unit = options.unit != CmdTimeUnit::kAuto ? options.unit
                           : first_mean >= 1.0                ? CmdTimeUnit::kSecond
                                                              : CmdTimeUnit::kMillisecond;
  const CmdTimeScale scale = cmd_time_scale(unit, first_mean);
  table.unit = scale.name;
  std::size_t reference = 0;
  if (options.reference) {
    reference = *options.reference;
  } else {
    for (std::size_t i = 1; i < results.size(); ++i) {
      if (results[i].wall.mean < results[reference].wall.mean) reference = i;
    }
  }
  for (std::size_t i : order) {
    const cmd::CommandResult& r = results[i];
    TableRow row;
    row.name = r.command.name;
    row.mean = fmt::format("{:.1f} ± {:.1f}", r.wall.mean * scale.per_second, r.wall.stddev * scale.per_second);
    row.min = fmt::format("{:.1f}", r.wall.min * scale.per_second);
    row.max = fmt::format("{:.1f}", r.wall.max * scale.per_second);
    row.relative = "1.00";
    if (i != reference && results[reference].wall.mean > 0) {
      auto ratio = stats::ratio_of_means(r.wall, results[reference].wall);
      row.relative = fmt::format("{:.2f} ± {:.2f}", ratio.value, ratio.stddev);
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

// Org-mode and AsciiDoc cells end at a |, which has no escape that both render; hyperfine
// writes it as is. A visually equal character keeps the table whole.
std::string without_bars(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "¦";
    else out += c;
  }
  return out;
}

}  // namespace

CmdTimeScale cmd_time_scale(CmdTimeUnit unit, double seconds) {
  switch (unit) {
    case CmdTimeUnit::kSecond: return {1.0, "s"};
    case CmdTimeUnit::kMillisecond: return {1e3, "ms"};
    case CmdTimeUnit::kMicrosecond: return {1e6, "µs"};
    case CmdTimeUnit::kAuto: break;
  }
  if (seconds >= 1.0) return {1.0, "s"};
  if (seconds >= 1e-3 || seconds == 0) return {1e3, "ms"};
  return {1e6, "µs"};
}

std::string cmd_markdown(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options) {
  if (results.empty()) return "";
  const Table table = make_table(results, options);
  std::string out = fmt::format("| Command | Mean [{0}] | Min [{0}] | Max [{0}] | Relative |\n", table.unit);
  out += "|:---|---:|---:|---:|---:|\n";
  for (const TableRow& row : table.rows) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", markdown_code(row.name), row.mean, row.min, row.max,
                       row.relative);
  }
  return out;
}

std::string cmd_asciidoc(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options) {
  if (results.empty()) return "";
  const Table table = make_table(results, options);
  std::string out = "[cols=\"<,>,>,>,>\"]\n|===\n";
  out += fmt::format("| Command \n| Mean [{0}] \n| Min [{0}] \n| Max [{0}] \n| Relative \n", table.unit);
  for (const TableRow& row : table.rows) {
    out += fmt::format("\n| `{}` \n| {} \n| {} \n| {} \n| {} \n", without_bars(row.name), row.mean, row.min, row.max,
                       row.relative);
  }
  return out + "|===\n";
}

std::string cmd_orgmode(const std::vector<cmd::CommandResult>& results, const CmdTableOptions& options) {
  if (results.empty()) return "";
  const Table table = make_table(results, options);
  std::string out =
      fmt::format("| Command  |  Mean [{0}] |  Min [{0}] |  Max [{0}] |  Relative |\n|--+--+--+--+--|\n", table.unit);
  for (const TableRow& row : table.rows) {
    out += fmt::format("| ={}=  |  {} |  {} |  {} |  {} |\n", without_bars(row.name), row.mean, row.min, row.max,
                       row.relative);
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

nlohmann::ordered_json cmd_hyperfine_json(const std::vector<cmd::CommandResult>& results) {
  // In hyperfine's order of keys, so that a diff against its files shows only the figures.
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    nlohmann::ordered_json entry;
    entry["command"] = r.command.name;
    entry["mean"] = r.wall.mean;
    // hyperfine has no standard deviation of a single run.
    entry["stddev"] = r.wall_s.size() < 2 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.wall.stddev);
    entry["median"] = r.wall.median;
    entry["user"] = r.user_mean_s;
    entry["system"] = r.system_mean_s;
    entry["min"] = r.wall.min;
    entry["max"] = r.wall.max;
    entry["times"] = r.wall_s;
    entry["exit_codes"] = r.exit_codes;
    if (!r.command.parameters.empty()) entry["parameters"] = r.command.parameters;
    list.push_back(std::move(entry));
  }
  return {{"results", list}};
}

}  // namespace perfgate::report
