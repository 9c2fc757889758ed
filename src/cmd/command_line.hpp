// Turning what the user typed into argv: through a shell (`sh -c CMD`, or `-S SHELL`) or,
// with --shell=none, split here with POSIX-like quoting; and the {NAME} substitution of
// parameter scans and lists.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace perfgate::cmd {

// Splits `a "b c" 'd e' f\ g` into {a, b c, d e, f g}. nullopt (with `error`) on an
// unterminated quote or a trailing backslash.
std::optional<std::vector<std::string>> split_command_line(const std::string& text, std::string* error);

// {"sh", "-c", text} for shell "sh"; a shell given with arguments ("bash --norc") is split.
std::vector<std::string> shell_argv(const std::string& shell, const std::string& text);

// Replaces every {NAME} of `values` in `text`; other braces are left alone.
std::string substitute_parameters(const std::string& text, const std::map<std::string, std::string>& values);

// One parameter: NAME with its values, from -P NAME MIN MAX [-D STEP] or -L NAME a,b,c.
struct Parameter {
  std::string name;
  std::vector<std::string> values;
};

// -P: MIN, MIN+STEP, ... <= MAX (integers unless STEP or the bounds have a fraction).
// nullopt with `error` when MIN > MAX, STEP <= 0, or more than 100,000 values.
std::optional<Parameter> parameter_scan(const std::string& name, const std::string& min, const std::string& max,
                                        const std::optional<std::string>& step, std::string* error);
// -L: comma-separated values.
Parameter parameter_list(const std::string& name, const std::string& comma_separated);

// The cross product of all parameters, in order (the first parameter varies slowest).
std::vector<std::map<std::string, std::string>> parameter_combinations(const std::vector<Parameter>& parameters);

}  // namespace perfgate::cmd
