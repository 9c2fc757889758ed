// The operation-log report as text, JSON, CSV and Markdown; see report_format.hpp.
#include "oplog/report_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/text_escape.hpp"
#include "core/units.hpp"
#include "oplog/timestamp.hpp"

namespace perfgate::oplog {
namespace {

// Columns padded to their widest cell; `right` marks the numeric ones.
class TextTable {
 public:
  TextTable(std::vector<std::string> header, std::vector<bool> right) : right_(std::move(right)) {
    rows_.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const {
    std::vector<std::size_t> width(right_.size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line = " ";
      for (std::size_t c = 0; c < row.size(); ++c) {
        line += ' ';
        std::size_t pad = width[c] - row[c].size();
        if (right_[c]) line.append(pad, ' ');
        line += row[c];
        if (!right_[c]) line.append(pad, ' ');
        line += ' ';
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + '\n';
    }
    return out;
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

std::string ms(double value) { return fmt::format("{:.2f}", value); }
std::string percent(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }

std::string flag_list(const OperationReport& op, std::string_view separator) {
  std::string out;
  for (Flag f : op.flags) {
    if (!out.empty()) out += separator;
    out += flag_name(f);
  }
  return out;
}

std::string period_text(const Report& report) {
  if (!report.period) return "no records";
  if (!report.period_requested) {
    return fmt::format("every record, {} to {}", format_timestamp_ms(report.period->from_ns),
                       format_timestamp_ms(report.period->to_ns));
  }
  std::string text =
      fmt::format("{} to {}", format_timestamp_ms(report.period->from_ns), format_timestamp_ms(report.period->to_ns));
  if (report.previous) {
    text += fmt::format(" (compared with {} to {})", format_timestamp_ms(report.previous->from_ns),
                        format_timestamp_ms(report.previous->to_ns));
  }
  return text;
}

std::string input_text(const Report& report) {
  const ReadStats& in = report.input;
  std::string text =
      fmt::format("{} {}: {} lines, {} records", report.inputs.size(), report.inputs.size() == 1 ? "input" : "inputs",
                  format_count(in.lines), format_count(in.records));
  if (in.malformed > 0) text += fmt::format(", {} malformed lines skipped", format_count(in.malformed));
  return text;
}

std::string malformed_place(const MalformedLine& m) { return fmt::format("{}:{}: {}", m.file, m.line, m.reason); }

std::string day_label(const Period& day) {
  return day.from_ns % kNanosPerDay == 0 ? format_date(day.from_ns) : format_timestamp_ms(day.from_ns);
}

nlohmann::ordered_json period_json(const std::optional<Period>& period) {
  if (!period) return {{"from", nullptr}, {"to", nullptr}};
  return {{"from", format_timestamp_ms(period->from_ns)}, {"to", format_timestamp_ms(period->to_ns)}};
}

}  // namespace

std::string flag_explanation(const OperationReport& op, Flag flag) {
  const OperationSummary& s = op.summary;
  switch (flag) {
    case Flag::kP95OverTwiceAvg:
      return fmt::format("p95 {} ms > 2 × avg {} ms", ms(s.p95_ms), ms(s.avg_ms));
    case Flag::kAvgUpOver20Percent:
      return fmt::format("avg up {:.1f}% against the previous period ({} ms -> {} ms)",
                         (s.avg_ms / op.previous_avg_ms.value_or(s.avg_ms) - 1) * 100,
                         ms(op.previous_avg_ms.value_or(0)), ms(s.avg_ms));
    case Flag::kErrorRateOver1Percent:
      return fmt::format("error rate {} > 1% ({} of {} failed)", percent(s.error_rate()), format_count(s.failures()),
                         format_count(s.count));
  }
  return std::string(flag_name(flag));
}

nlohmann::ordered_json report_json(const Report& report) {
  nlohmann::ordered_json operations = nlohmann::ordered_json::array();
  for (const auto& op : report.operations) {
    const OperationSummary& s = op.summary;
    nlohmann::ordered_json flags = nlohmann::ordered_json::array();
    for (Flag f : op.flags) flags.push_back(flag_name(f));
    operations.push_back(
        {{"operation_type", s.operation},
         {"count", s.count},
         {"success", s.successes},
         {"error_rate", s.error_rate()},
         {"avg_ms", s.avg_ms},
         {"p95_ms", s.p95_ms},
         {"p99_ms", s.p99_ms},
         {"min_ms", s.min_ms},
         {"max_ms", s.max_ms},
         {"previous_avg_ms", op.previous_avg_ms ? nlohmann::ordered_json(*op.previous_avg_ms) : nullptr},
         {"flags", flags}});
  }
  nlohmann::ordered_json slowest = nlohmann::ordered_json::array();
  for (const auto& slow : report.slowest) {
    slowest.push_back({{"timestamp", slow.timestamp},
                       {"operation_type", slow.operation},
                       {"duration_ms", slow.duration_ms},
                       {"session_id", slow.session_id ? nlohmann::ordered_json(*slow.session_id) : nullptr},
                       {"file", slow.file},
                       {"line", slow.line}});
  }
  nlohmann::ordered_json first = nlohmann::ordered_json::array();
  for (const auto& m : report.input.first_malformed) {
    first.push_back({{"file", m.file}, {"line", m.line}, {"reason", m.reason}});
  }
  const Reliability& r = report.reliability;
  return {{"schema", "perfgate.oplog-report/v1"},
          {"period", period_json(report.period)},
          {"previous_period", report.previous ? period_json(report.previous) : nlohmann::ordered_json(nullptr)},
          {"operations", operations},
          {"reliability",
           {{"total", r.total}, {"successful", r.successful}, {"failed", r.failed}, {"error_rate", r.error_rate}}},
          {"slowest", slowest},
          {"malformed", report.input.malformed},
          {"skipped_lines", {{"count", report.input.malformed}, {"first", first}}},
          {"input", {{"files", report.inputs}, {"lines", report.input.lines}, {"records", report.input.records}}},
          {"warnings", report.input.warnings}};
}

std::string report_csv(const Report& report) {
  std::string out = "operation_type,count,success,error_rate,avg_ms,p95_ms,p99_ms,min_ms,max_ms,previous_avg_ms,flags\n";
  for (const auto& op : report.operations) {
    const OperationSummary& s = op.summary;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(s.operation), s.count, s.successes,
                       s.error_rate(), s.avg_ms, s.p95_ms, s.p99_ms, s.min_ms, s.max_ms,
                       op.previous_avg_ms ? fmt::format("{}", *op.previous_avg_ms) : std::string(),
                       csv_field(flag_list(op, ";")));
  }
  return out;
}

std::string report_markdown(const Report& report, std::string_view title) {
  std::string out = fmt::format("## {}\n\nPeriod: {}. Read {}.\n\n", title, period_text(report), input_text(report));
  out += "| operation | count | success | error rate | avg ms | p95 ms | p99 ms | min ms | max ms | flags |\n";
  out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& op : report.operations) {
    const OperationSummary& s = op.summary;
    out += fmt::format("| {} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {} |\n", markdown_cell(s.operation), s.count,
                       s.successes, s.count, percent(s.error_rate()), ms(s.avg_ms), ms(s.p95_ms), ms(s.p99_ms),
                       ms(s.min_ms), ms(s.max_ms), flag_list(op, ", "));
  }
  const Reliability& r = report.reliability;
  out += fmt::format("\n**Reliability:** {} operations, {} successful, {} failed, error rate {}.\n",
                     format_count(r.total), format_count(r.successful), format_count(r.failed), percent(r.error_rate));
  if (!report.slowest.empty()) {
    out += fmt::format("\n### The {} slowest operations\n\n", report.slowest.size());
    out += "| timestamp | operation | duration ms | session |\n|---|---|---:|---|\n";
    for (const auto& slow : report.slowest) {
      out += fmt::format("| {} | {} | {} | {} |\n", markdown_cell(slow.timestamp), markdown_cell(slow.operation),
                         ms(slow.duration_ms), markdown_cell(slow.session_id.value_or("")));
    }
  }
  out += "\n### Degradation flags\n\n";
  bool any = false;
  for (const auto& op : report.operations) {
    for (Flag f : op.flags) {
      out += fmt::format("- **{}**: {}\n", markdown_cell(op.summary.operation), flag_explanation(op, f));
      any = true;
    }
  }
  if (!any) out += "None.\n";
  if (report.input.malformed > 0) {
    out += fmt::format("\n{} malformed lines skipped; the first:\n\n", format_count(report.input.malformed));
    for (const auto& m : report.input.first_malformed) out += fmt::format("- `{}`\n", malformed_place(m));
  }
  for (const auto& w : report.input.warnings) out += fmt::format("\n**Warning:** {}\n", markdown_cell(w));
  return out;
}

std::string report_text(const Report& report, std::string_view title) {
  std::string out = fmt::format("{}\nperiod: {}\nread:   {}\n\n", title, period_text(report), input_text(report));
  if (report.operations.empty()) {
    out += "  no records in this period\n";
  } else {
    TextTable table(
        {"operation", "count", "success", "errors", "avg ms", "p95 ms", "p99 ms", "min ms", "max ms", "flags"},
        {false, true, true, true, true, true, true, true, true, false});
    for (const auto& op : report.operations) {
      const OperationSummary& s = op.summary;
      table.add({terminal_text(s.operation), format_count(s.count), fmt::format("{}/{}", s.successes, s.count),
                 percent(s.error_rate()), ms(s.avg_ms), ms(s.p95_ms), ms(s.p99_ms), ms(s.min_ms), ms(s.max_ms),
                 flag_list(op, " ")});
    }
    out += table.render();
  }
  const Reliability& r = report.reliability;
  out += fmt::format("\nreliability: {} operations, {} successful, {} failed, error rate {}\n", format_count(r.total),
                     format_count(r.successful), format_count(r.failed), percent(r.error_rate));

  if (!report.days.empty()) {
    out += "\nper day:\n";
    TextTable table({"day", "operation", "count", "avg ms", "p95 ms", "errors"},
                    {false, false, true, true, true, true});
    for (const auto& day : report.days) {
      if (day.operations.empty()) table.add({day_label(day.day), "-", "0", "", "", ""});
      for (const auto& s : day.operations) {
        table.add({day_label(day.day), terminal_text(s.operation), format_count(s.count), ms(s.avg_ms), ms(s.p95_ms),
                   percent(s.error_rate())});
      }
    }
    out += table.render();
  }

  if (!report.slowest.empty()) {
    out += fmt::format("\nslowest {}:\n", report.slowest.size());
    TextTable table({"timestamp", "operation", "duration ms", "session"}, {false, false, true, false});
    for (const auto& slow : report.slowest) {
      table.add({terminal_text(slow.timestamp), terminal_text(slow.operation), ms(slow.duration_ms),
                 terminal_text(slow.session_id.value_or("-"))});
    }
    out += table.render();
  }

  out += "\ndegradation flags:\n";
  bool any = false;
  for (const auto& op : report.operations) {
    for (Flag f : op.flags) {
      out += fmt::format("  {}: {}\n", terminal_text(op.summary.operation), flag_explanation(op, f));
      any = true;
    }
  }
  if (!any) out += "  none\n";
  if (report.input.malformed > 0) {
    out += fmt::format("\nskipped {} malformed lines; the first:\n", format_count(report.input.malformed));
    for (const auto& m : report.input.first_malformed) out += fmt::format("  {}\n", malformed_place(m));
  }
  for (const auto& w : report.input.warnings) out += fmt::format("\nwarning: {}\n", w);
  return out;
}

}  // namespace perfgate::oplog
