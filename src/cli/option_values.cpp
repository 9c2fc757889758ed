// Typed option values; see option_values.hpp.
#include "cli/option_values.hpp"

#include <sys/stat.h>

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

double change_option(const std::string& option, const std::string& text) {
  auto fraction = parse_percent_fraction(text, 1e6);  // a change may exceed 100%
  if (!fraction) throw UsageError(fmt::format("{}: expected a percentage like 10%, got '{}'", option, text));
  return *fraction;
}

std::map<std::string, std::string> key_value_options(const std::string& option, const std::vector<std::string>& values,
                                                     const std::string& what) {
  std::map<std::string, std::string> out;
  for (const auto& v : values) {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(fmt::format("{}: expected {}, got '{}'", option, what, v));
    out[v.substr(0, eq)] = v.substr(eq + 1);
  }
  return out;
}

void check_output_path(const std::string& option, const std::string& path) {
  if (path.empty() || path == "-") return;
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw UsageError(fmt::format("{}: directory '{}' does not exist", option, dir));
  }
}

}  // namespace perfgate::cli
