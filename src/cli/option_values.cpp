// Typed option values; see option_values.hpp.
#include "cli/option_values.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate::cli {

std::optional<int> parse_verb_arguments(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return exit_code::kOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "perfgate %s: %s\nRun 'perfgate %s --help' for the options.\n", args[0].c_str(), e.what(),
                 args[0].c_str());
    return exit_code::kUsage;
  }
  return std::nullopt;
}

Nanos duration_option(const std::string& option, const std::string& text, bool allow_zero) {
  auto d = parse_duration(text);
  if (!d || d->count() < 0 || (!allow_zero && d->count() == 0)) {
    throw UsageError(fmt::format("{}: invalid duration '{}' (expected e.g. 500ms, 10s, 2m, 1h30m)", option, text));
  }
  return *d;
}

}  // namespace perfgate::cli
