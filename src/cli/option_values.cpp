// Typed option values; see option_values.hpp.
#include "cli/option_values.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "suite/cmd_options.hpp"
#include "suite/exec_options.hpp"
#include "suite/http_options.hpp"
#include "suite/sse_options.hpp"

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

CLI::Validator whole_number_check(std::uint64_t minimum, std::uint64_t maximum) {
  return CLI::Validator(
      [minimum, maximum](std::string& text) -> std::string {
        try {
          suite::OptionValue("", {text}).whole_number(minimum, maximum);
        } catch (const UsageError& error) {
          return std::string(error.what()).substr(2);  // CLI11 puts the option's name in front
        }
        return "";
      },
      "N");
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

void add_load_output_flags(CLI::App& app, LoadOutputFlags& flags, const std::string& name_default) {
  app.add_option("--json", flags.json_path, "Write the result document (perfgate.result/v1) to FILE, or - for stdout");
  app.add_option("--name", flags.name, "Benchmark name in the result document (default: " + name_default + ")");
  app.add_flag("-q,--quiet", flags.quiet, "No progress line");
}

template <typename Options>
TableFlags<Options>::TableFlags(CLI::App& app, const suite::OptionTable<Options>& table) : table_(table) {
  using suite::OptionShape;
  for (const auto& row : table.options) {
    CLI::Option* option = nullptr;
    if (row.shape == OptionShape::kFlag) {
      option = app.add_flag(row.flags);
    } else if (row.shape == OptionShape::kValue) {
      option = app.add_option(row.flags, scalars_.emplace_back())
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a later value wins
    } else {
      option = app.add_option(row.flags, lists_.emplace_back());
      bool positional = row.flags[0] != '-';
      // One value (or one tuple) per occurrence, so `-L a x,y CMD` leaves CMD positional.
      if (!positional) option->expected(row.arity)->take_all()->allow_extra_args(false);
    }
    option->description(row.help);
    if (row.value_name[0] != '\0') option->type_name(row.value_name);
    if (row.required) option->required();
    registered_.push_back(option);
  }
}

template <typename Options>
std::string TableFlags<Options>::flag_for(std::string_view key) const {
  const auto* row = table_.find_key(key);
  if (row == nullptr) return std::string(key);
  return row->flags[0] == '-' ? suite::primary_flag(row->flags) : std::string(row->value_name);
}

template <typename Options>
Options TableFlags<Options>::read() const {
  Options options;
  for (std::size_t i = 0; i < registered_.size(); ++i) {
    const auto& row = table_.options[i];
    const CLI::Option& option = *registered_[i];
    if (option.count() == 0) continue;
    std::string where = flag_for(row.key);
    std::vector<std::string> results = option.results();
    switch (row.shape) {
      case suite::OptionShape::kFlag:
        row.apply(options, suite::OptionValue(where, {"true"}));
        break;
      case suite::OptionShape::kValue:
        row.apply(options, suite::OptionValue(where, {results.back()}));
        break;
      case suite::OptionShape::kTuple:
        for (std::size_t at = 0; at + static_cast<std::size_t>(row.arity) <= results.size(); at += static_cast<std::size_t>(row.arity)) {
          auto first = results.begin() + static_cast<std::ptrdiff_t>(at);
          row.apply(options, suite::OptionValue(where, {first, first + row.arity}));
        }
        break;
      case suite::OptionShape::kList:
      case suite::OptionShape::kPairs:
        row.apply(options, suite::OptionValue(where, results));
        break;
    }
  }
  table_.finish(options, [this](std::string_view key) { return flag_for(key); });
  return options;
}

template class TableFlags<suite::HttpBenchmarkOptions>;
template class TableFlags<suite::CmdBenchmarkOptions>;
template class TableFlags<suite::SseBenchmarkOptions>;
template class TableFlags<suite::ExecBenchmarkOptions>;

}  // namespace perfgate::cli
