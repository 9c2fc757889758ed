// What never reaches an output: the values of secret headers, of query parameters named secret,
// and a URL's `user:password@`. One Redaction serves `perfgate http --redact` and a suite's
// `redact:`; one header check serves `-H` and a suite's `headers:`, so that neither lets a line
// break smuggle a second header onto the wire (or past the redaction).
//
//   Redaction redaction({"X-Api-Key", "api_key"});
//   redaction.secret_header("authorization ")          // true: always secret, name trimmed
//   redaction.url("http://h/x?api_key=k&page=2")      // "http://h/x?api_key=***&page=2"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace perfgate {

inline constexpr const char* kRedacted = "***";

class Redaction {
 public:
  Redaction() = default;
  // Header and query parameter names (one list for both); trimmed, compared case-insensitively.
  explicit Redaction(const std::vector<std::string>& names);

  // The same names and these too (a benchmark's `redact:` on top of the suite's).
  Redaction with(const std::vector<std::string>& names) const;

  // Authorization, Cookie, Proxy-Authorization (always), or a name given.
  bool secret_header(std::string_view name) const;
  // The headers as they may be shown: secret values as ***.
  std::vector<std::pair<std::string, std::string>> headers(
      const std::vector<std::pair<std::string, std::string>>& headers) const;
  // A URL (or a request target "/path?query") as it may be shown: the value of every query
  // parameter given as ***, and user:password@ as ***@. The path is not a secret.
  std::string url(std::string_view url) const;

 private:
  bool named(std::string_view name) const;
  std::vector<std::string> names_;
};

// A header as it goes on the wire: name and value trimmed of spaces and tabs.
struct HeaderField {
  std::string name;
  std::string value;
};

// Checks a header: the name a token (RFC 9110: letters, digits and !#$%&'*+-.^_`|~), the value
// free of CR, LF and NUL. Returns the field trimmed, or nullopt with *problem saying what is
// wrong — never quoting the value, which may be a secret.
std::optional<HeaderField> check_header(std::string_view name, std::string_view value, std::string* problem);

// "Name: value" as -H gives it; the same checks.
std::optional<HeaderField> parse_header_line(std::string_view text, std::string* problem);

}  // namespace perfgate
