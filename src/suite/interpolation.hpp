// `${VAR}` and `${VAR:-default}` in suite files, so that secrets and per-machine values
// (ports, tokens) come from the environment instead of being committed. `$$` is a literal
// dollar; any other `$` is kept as written. The names of request templates (`${seq}`, `${uuid}`,
// `${rand:1-9}`, `${now_ms}`, `${request_id}`, `${callback_url}`; core/text_template.hpp) are
// not looked up: they are kept as written, for the template to fill per request.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace perfgate::suite {

// Looks a variable up; nullopt when it is unset. Injected so tests need not touch the
// process environment.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

// The real environment (getenv), for the CLI.
Environment process_environment();
// A fixed set of variables, for tests: environment_from({{"PORT", "8080"}}).
Environment environment_from(std::map<std::string, std::string> variables);

// A problem in one string; `offset` is where in it, so the loader can turn it into a column.
class InterpolationError : public std::runtime_error {
 public:
  InterpolationError(const std::string& what, std::size_t offset) : std::runtime_error(what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// interpolate("http://${HOST:-localhost}:$${PORT}", env) == "http://localhost:${PORT}".
// Like the shell, `${VAR:-default}` uses the default when VAR is unset or empty.
// Throws InterpolationError for an unset variable without default, an unterminated `${`,
// or a bad variable name.
std::string interpolate(std::string_view text, const Environment& env);

}  // namespace perfgate::suite
