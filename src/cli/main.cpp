// perfgate's entry point: dispatches to one verb; `--version`, `help [VERB]`.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/help.hpp"
#include "cli/verbs.hpp"
#include "core/error.hpp"
#include "core/text_escape.hpp"

namespace {

struct Verb {
  const char* name;
  int (*run)(const std::vector<std::string>&);
};

constexpr Verb kVerbs[] = {
    {"cmd", perfgate::cli::cmd_verb},
    {"compare", perfgate::cli::compare_verb},
    {"history", perfgate::cli::history_verb},
    {"http", perfgate::cli::http_verb},
    {"ingest", perfgate::cli::ingest_verb},
    {"monitor", perfgate::cli::monitor_verb},
    {"report", perfgate::cli::report_verb},
    {"run", perfgate::cli::run_verb},
    {"serve", perfgate::cli::serve_verb},
};

int dispatch(const std::vector<std::string>& args) {
  using perfgate::exit_code::kUsage;
  if (args.empty()) {
    std::fputs(perfgate::cli::overview_help().c_str(), stderr);
    return kUsage;
  }
  const std::string& first = args[0];
  if (first == "--version" || first == "-V" || first == "version") {
    std::printf("perfgate %s\n", PERFGATE_VERSION);
    return 0;
  }
  if (first == "help" || first == "--help" || first == "-h") {
    if (args.size() >= 2 && first == "help") return perfgate::cli::verb_help(args[1]);
    std::fputs(perfgate::cli::overview_help().c_str(), stdout);
    return 0;
  }
  for (const auto& verb : kVerbs) {
    if (first == verb.name) return verb.run(args);
  }
  if (!first.empty() && first[0] == '-') {
    std::fprintf(stderr, "perfgate: unknown option '%s' (options go after the verb: perfgate VERB [options])\n",
                 first.c_str());
  } else {
    std::fprintf(stderr, "perfgate: unknown verb '%s'%s\n", first.c_str(),
                 perfgate::cli::suggest_verb(first).c_str());
  }
  std::fputs("Run 'perfgate help' for the list of verbs.\n", stderr);
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const perfgate::UsageError& e) {
    // Messages quote input (names, a line of a file): escaped like everything else from input.
    std::fprintf(stderr, "perfgate: %s\n", perfgate::terminal_lines(e.what()).c_str());
    return perfgate::exit_code::kUsage;
  } catch (const perfgate::RunError& e) {
    std::fprintf(stderr, "perfgate: %s\n", perfgate::terminal_lines(e.what()).c_str());
    return perfgate::exit_code::kRunFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "perfgate: internal error: %s\n", e.what());
    return perfgate::exit_code::kRunFailed;
  }
}
