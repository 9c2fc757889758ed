// Overview help and verb suggestions; see help.hpp.
#include "cli/help.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli/verbs.hpp"
#include "core/suggestion.hpp"

namespace perfgate::cli {
namespace {

struct VerbLine {
  const char* name;
  const char* summary;
  bool available;
};

constexpr VerbLine kVerbLines[] = {
    {"http", "load an HTTP endpoint (closed or open model), live progress, summary, result JSON", true},
    {"serve", "a configurable target server for calibration, demos and tests", true},
    {"cmd", "time commands over many runs and compare them (hyperfine's options)", true},
    {"run", "run a suite: services, benchmarks, thresholds, history, regression gate", true},
    {"compare", "compare two runs (result files, run ids, git refs) with statistics; exit 1 on regression", true},
    {"history", "list stored runs and metric series", true},
    {"report", "trends from the history or a tracker JSONL file", true},
    {"ingest", "import results of other harnesses", true},
    {"monitor", "sample CPU, memory, threads and fds of a process tree; leak check", true},
    {"profile", "CPU flame graph of a process under load", false},
    {"docs", "write docs/benchmarks.md from the suite and the baseline", false},
};

}  // namespace

std::string overview_help() {
  std::string text =
      "perfgate " PERFGATE_VERSION " - measure, record and gate the performance of services and programs\n\n"
      "Usage: perfgate VERB [options]\n"
      "       perfgate help VERB | perfgate VERB --help\n"
      "       perfgate --version\n\nVerbs:\n";
  for (const auto& v : kVerbLines) {
    if (v.available) text += "  " + std::string(v.name) + std::string(10 - std::string_view(v.name).size(), ' ') + v.summary + "\n";
  }
  text += "\nPlanned (not in this build yet):";
  for (const auto& v : kVerbLines) {
    if (!v.available) text += std::string(" ") + v.name;
  }
  text +=
      "\n\nExit codes: 0 success, 1 a threshold or regression gate failed, 2 usage or configuration error,\n"
      "3 the run could not be done (e.g. target unreachable), 130 interrupted (after writing what was measured).\n";
  return text;
}

int verb_help(const std::string& verb) {
  if (verb == "cmd") return cmd_verb({"cmd", "--help"});
  if (verb == "compare") return compare_verb({"compare", "--help"});
  if (verb == "history") return history_verb({"history", "--help"});
  if (verb == "http") return http_verb({"http", "--help"});
  if (verb == "ingest") return ingest_verb({"ingest", "--help"});
  if (verb == "monitor") return monitor_verb({"monitor", "--help"});
  if (verb == "report") return report_verb({"report", "--help"});
  if (verb == "run") return run_verb({"run", "--help"});
  if (verb == "serve") return serve_verb({"serve", "--help"});
  std::fprintf(stderr, "perfgate: no help for unknown verb '%s'%s\n", verb.c_str(), suggest_verb(verb).c_str());
  return 2;
}

std::string suggest_verb(const std::string& typed) {
  std::vector<std::string> names;
  for (const auto& v : kVerbLines) names.emplace_back(v.name);
  auto match = closest_match(typed, names);
  if (!match) return "";
  for (const auto& v : kVerbLines) {
    if (*match == v.name && !v.available) return " ('" + *match + "' is planned but not in this build yet)";
  }
  return " (did you mean '" + *match + "'?)";
}

}  // namespace perfgate::cli
