// Typed option values; see option_values.hpp.
#include "cli/option_values.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output_file.hpp"

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
  if (auto problem = output_file_problem(path)) throw UsageError(fmt::format("{}: {}", option, *problem));
}

std::FILE* check_output_paths(const std::vector<OutputOption>& outputs) {
  const OutputOption* on_stdout = nullptr;
  for (const auto& output : outputs) {
    check_output_path(output.option, output.path);
    if (output.path.empty() || !names_stdout(output.path)) continue;
    if (on_stdout != nullptr) {
      throw UsageError(fmt::format("{} and {} both write to stdout; one of them needs a file", on_stdout->option,
                                   output.option));
    }
    on_stdout = &output;
  }
  return on_stdout != nullptr ? stderr : stdout;
}

}  // namespace perfgate::cli
