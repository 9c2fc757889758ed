// Overview help and verb suggestions; see help.hpp.
#include "cli/help.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli/verbs.hpp"

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
    {"run", "run a suite: services, benchmarks, thresholds, history, regression gate", false},
    {"compare", "compare two runs (result files, run ids, git refs) with statistics; exit 1 on regression", true},
    {"history", "list stored runs and metric series", false},
    {"report", "trends from the history or a tracker JSONL file", false},
    {"ingest", "import results of other harnesses", false},
    {"monitor", "sample CPU, memory, threads and fds of a process tree", false},
    {"profile", "CPU flame graph of a process under load", false},
    {"docs", "write docs/benchmarks.md from the suite and the baseline", false},
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

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
  if (verb == "http") return http_verb({"http", "--help"});
  if (verb == "serve") return serve_verb({"serve", "--help"});
  std::fprintf(stderr, "perfgate: no help for unknown verb '%s'%s\n", verb.c_str(), suggest_verb(verb).c_str());
  return 2;
}

std::string suggest_verb(const std::string& typed) {
  const VerbLine* best = nullptr;
  std::size_t best_distance = 3;
  for (const auto& v : kVerbLines) {
    std::size_t d = edit_distance(typed, v.name);
    if (d < best_distance) {
      best_distance = d;
      best = &v;
    }
  }
  if (best == nullptr) return "";
  if (!best->available) return std::string(" ('") + best->name + "' is planned but not in this build yet)";
  return std::string(" (did you mean '") + best->name + "'?)";
}

}  // namespace perfgate::cli
