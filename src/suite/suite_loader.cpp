// The suite loader: YAML -> Suite, with positions in every message; see suite_loader.hpp.
// Strictness is the point: a typo in a key would otherwise silently run the wrong
// benchmark, and a CI gate that quietly ignores part of its configuration is worse than none.
#include "suite/suite_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/units.hpp"
#include "core/suggestion.hpp"
#include "suite/yaml.hpp"

namespace perfgate::suite {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name",       "store",     "services", "benchmarks",
                                                "regression", "resources", "redact"};
const std::vector<std::string> kServiceKeys = {"name", "command", "ready", "ready_timeout", "monitor", "env", "env_clear"};
const std::vector<std::string> kBenchmarkKeys = {"name", "http", "cmd", "ingest", "thresholds", "env", "env_clear"};
const std::vector<std::string> kHttpKeys = {"url",  "method",   "headers",  "body",   "connections", "threads",
                                            "rate", "duration", "requests", "warmup", "timeout",     "redact"};
const std::vector<std::string> kCmdKeys = {"command", "runs",    "warmup", "min_runs",      "max_runs",
                                           "prepare", "cleanup", "shell",  "ignore_failure"};
const std::vector<std::string> kIngestKeys = {"format", "command", "file"};
const std::vector<std::string> kRegressionKeys = {"max_change", "per_metric", "baseline_branch"};

class SuiteReader {
 public:
  SuiteReader(const std::string& path, const std::string& text, const Environment& env) : path_(path), env_(env) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) lines_.push_back(line);
  }

  Suite read(const YAML::Node& root) {
    Suite suite;
    suite.path = path_;
    suite.position = position_of(root, {path_, 1, 1});
    if (!root.IsMap()) {
      fail(suite.position, "expected a mapping with 'name' and 'benchmarks' at the top of the suite file");
    }
    check_keys(root, kTopLevelKeys, "top-level key");
    if (auto resources = find_entry(root, "resources")) {
      fail(resources->key_position,
           "'resources:' is not supported yet; it arrives with a later version of perfgate "
           "(until then, write SERVICE.cpu|rss|threads|fds thresholds under a benchmark's 'thresholds:')");
    }
    suite.name = required_string(root, "name", suite.position, "the suite");
    if (auto store = find_entry(root, "store")) {
      suite.store = string_value(*store);
      suite.store_as_written = store->value.Scalar();
    }
    if (auto redact = find_entry(root, "redact")) suite.redact = name_list(*redact, "header or query parameter names");
    if (auto services = find_entry(root, "services")) read_services(*services, suite);
    auto benchmarks = find_entry(root, "benchmarks");
    if (!benchmarks) fail(suite.position, "missing required key 'benchmarks' in the suite");
    read_benchmarks(*benchmarks, suite);
    if (auto regression = find_entry(root, "regression")) read_regression(*regression, suite.regression);
    return suite;
  }

 private:
  struct Entry {
    std::string key;
    YAML::Node value;
    SourcePosition key_position;
    SourcePosition value_position;
  };

  [[noreturn]] void fail(const SourcePosition& at, const std::string& message) const {
    throw UsageError(fmt::format("{}: {}", at.to_string(), message));
  }

  SourcePosition position_of(const YAML::Node& node, const SourcePosition& fallback) const {
    YAML::Mark mark = node.Mark();
    if (mark.line < 0 || mark.column < 0) return fallback;
    return {path_, mark.line + 1, mark.column + 1};
  }

  // yaml-cpp keeps duplicate keys; they are errors here, as is every key not in `allowed`.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& what) const {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      SourcePosition at = position_of(it->first, position_of(map, {path_, 1, 1}));
      if (!it->first.IsScalar())
        fail(at, fmt::format("expected a {} (a plain name), got {}", what, described_kind(it->first)));
      std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string suggestion = did_you_mean(key, allowed);
        if (suggestion.empty()) suggestion = fmt::format(" (expected one of {})", join_names(allowed));
        fail(at, fmt::format("unknown {} '{}'{}", what, key, suggestion));
      }
      if (!seen.insert(key).second) fail(at, fmt::format("duplicate key '{}'", key));
    }
  }

  std::optional<Entry> find_entry(const YAML::Node& map, const std::string& key) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        SourcePosition key_position = position_of(it->first, position_of(map, {path_, 1, 1}));
        // An empty value's mark is wherever the next token starts, often the next line;
        // the key is where the user will look.
        SourcePosition value_position = it->second.IsNull() ? key_position : position_of(it->second, key_position);
        return Entry{key, it->second, key_position, value_position};
      }
    }
    return std::nullopt;
  }

  static std::string described_kind(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "an empty value";
    return "a scalar";
  }

  // The column of `${` inside a scalar: the scalar's column, one more for an opening
  // quote, plus the offset — checked against the line, since escapes or folded lines
  // would shift it (then the scalar's own position is the honest answer).
  SourcePosition position_in_scalar(const SourcePosition& scalar, std::size_t offset) const {
    if (scalar.line < 1 || static_cast<std::size_t>(scalar.line) > lines_.size()) return scalar;
    const std::string& line = lines_[static_cast<std::size_t>(scalar.line - 1)];
    std::size_t column = static_cast<std::size_t>(scalar.column - 1);
    if (column < line.size() && (line[column] == '"' || line[column] == '\'')) ++column;
    column += offset;
    if (line.compare(column, 2, "${") != 0) return scalar;
    return {scalar.file, scalar.line, static_cast<int>(column) + 1};
  }

  std::string string_value(const Entry& entry) const {
    if (!entry.value.IsScalar()) {
      fail(entry.value_position,
           fmt::format("'{}': expected a string, got {}", entry.key, described_kind(entry.value)));
    }
    return expand(entry.value.Scalar(), entry.value_position);
  }

  // The scalar as written, `${VAR}` and all: what messages quote and outputs show.
  std::string written(const Entry& entry) const {
    string_value(entry);  // a scalar, and its variables are set
    return entry.value.Scalar();
  }

  std::optional<std::string> written(const std::optional<Entry>& entry) const {
    return entry ? std::optional<std::string>(written(*entry)) : std::nullopt;
  }

  std::string expand(const std::string& raw, const SourcePosition& at) const {
    try {
      return interpolate(raw, env_);
    } catch (const InterpolationError& error) {
      fail(position_in_scalar(at, error.offset()), error.what());
    }
  }

  std::string required_string(const YAML::Node& map, const std::string& key, const SourcePosition& map_position,
                              const std::string& owner) const {
    auto entry = find_entry(map, key);
    if (!entry) fail(map_position, fmt::format("missing required key '{}' in {}", key, owner));
    std::string value = string_value(*entry);
    if (value.empty()) fail(entry->value_position, fmt::format("'{}': expected a non-empty string", key));
    return value;
  }

  template <typename T>
  T converted(const Entry& entry, std::optional<T> value, const std::string& expected) const {
    if (!value) {
      // Quoted as written: a value filled in from the environment may be a secret.
      fail(entry.value_position, fmt::format("'{}': expected {}, got '{}'", entry.key, expected, written(entry)));
    }
    return *value;
  }

  Nanos duration_value(const Entry& entry, bool allow_zero) const {
    std::string text = string_value(entry);
    auto d = parse_duration(text);
    if (d && !allow_zero && d->count() == 0) d.reset();
    return converted(entry, d, allow_zero ? "a duration like 10s" : "a positive duration like 10s");
  }

  int int_value(const Entry& entry, int minimum) const {
    std::string text = string_value(entry);
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::optional<int> parsed;
    if (ec == std::errc() && end == text.data() + text.size() && value >= minimum) parsed = value;
    return converted(entry, parsed, minimum > 0 ? "a positive whole number like 10" : "a whole number like 0");
  }

  bool bool_value(const Entry& entry) const {
    std::string text = string_value(entry);
    std::optional<bool> parsed;
    if (text == "true" || text == "yes" || text == "on") parsed = true;
    if (text == "false" || text == "no" || text == "off") parsed = false;
    return converted(entry, parsed, "true or false");
  }

  // Percentages need their `%`: "0.1" could be read as 0.1% or as a ratio of 10%.
  double percent_value(const Entry& entry) const {
    std::string text = string_value(entry);
    std::optional<double> parsed;
    if (!text.empty() && text.back() == '%') parsed = parse_percent_fraction(text);
    return converted(entry, parsed, "a percentage like 10%");
  }

  std::string url_value(const Entry& entry) const {
    std::string url = string_value(entry);
    if (!url.starts_with("http://") || url.size() == 7) {
      fail(entry.value_position, fmt::format("'{}': expected an http:// URL, got '{}'", entry.key,
                                             Redaction().url(written(entry))));
    }
    return url;
  }

  void expect_map(const Entry& entry, const std::string& what) const {
    if (!entry.value.IsMap()) {
      fail(entry.value_position,
           fmt::format("'{}': expected a mapping of {}, got {}", entry.key, what, described_kind(entry.value)));
    }
  }

  void expect_list(const Entry& entry, const std::string& what) const {
    if (!entry.value.IsSequence()) {
      fail(entry.value_position,
           fmt::format("'{}': expected a list of {}, got {}", entry.key, what, described_kind(entry.value)));
    }
  }

  std::vector<std::string> name_list(const Entry& entry, const std::string& what) const {
    expect_list(entry, what);
    std::vector<std::string> names;
    for (const auto& node : entry.value) {
      SourcePosition at = position_of(node, entry.value_position);
      if (!node.IsScalar() || node.Scalar().empty()) fail(at, fmt::format("'{}': expected a list of {}", entry.key, what));
      names.push_back(expand(node.Scalar(), at));
    }
    return names;
  }

  // Names are labels; a service's becomes a file name in the run folder.
  void check_label(const Entry& name, const std::string& what) const {
    std::string value = string_value(name);
    if (is_label(value)) return;
    fail(name.value_position,
         fmt::format("{} name '{}': expected letters, digits, '-', '_' or '.', not starting with '.' (a name is a "
                     "label, not a path)",
                     what, written(name)));
  }

  // `env:` variables: names as the shell has them, values filled in.
  std::map<std::string, std::string> environment_variables(const Entry& entry) const {
    expect_map(entry, "environment variables");
    std::map<std::string, std::string> variables;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      SourcePosition key_position = position_of(it->first, entry.value_position);
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      bool valid = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
                   std::all_of(key.begin(), key.end(), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                   });
      if (!valid) fail(key_position, "'env': expected variable names of letters, digits and '_' (like API_TOKEN)");
      Entry item{key, it->second, key_position, position_of(it->second, key_position)};
      if (!variables.emplace(key, string_value(item)).second) fail(key_position, fmt::format("duplicate key '{}' in env", key));
    }
    return variables;
  }

  // `headers:`, each checked as -H is (no line breaks, names trimmed), in both forms.
  void read_headers(const Entry& entry, HttpBenchmarkOptions& http) const {
    expect_map(entry, "headers");
    std::vector<std::string> seen;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      SourcePosition key_position = position_of(it->first, entry.value_position);
      Entry item{it->first.IsScalar() ? it->first.Scalar() : "", it->second, key_position,
                 position_of(it->second, key_position)};
      if (!it->first.IsScalar()) fail(key_position, "expected a header name in headers");
      std::string problem;
      auto header = check_header(item.key, string_value(item), &problem);
      if (!header) fail(item.value_position, fmt::format("header: {}", problem));
      bool duplicate = std::any_of(seen.begin(), seen.end(), [&](const std::string& other) {
        return other.size() == header->name.size() &&
               std::equal(other.begin(), other.end(), header->name.begin(), [](char a, char b) {
                 return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
               });
      });
      if (duplicate) fail(key_position, fmt::format("duplicate header '{}'", header->name));
      seen.push_back(header->name);
      http.headers.emplace_back(header->name, header->value);
      http.headers_as_written.emplace_back(header->name, written(item));
    }
  }

  void read_services(const Entry& entry, Suite& suite) const {
    expect_list(entry, "services");
    std::map<std::string, SourcePosition> names;
    for (const auto& node : entry.value) {
      ServiceSpec service;
      service.position = position_of(node, entry.value_position);
      if (!node.IsMap())
        fail(service.position,
             fmt::format("expected a service (a mapping with 'name' and 'command'), got {}", described_kind(node)));
      check_keys(node, kServiceKeys, "service key");
      service.name = required_string(node, "name", service.position, "the service");
      check_label(*find_entry(node, "name"), "service");
      SourcePosition name_position = find_entry(node, "name")->value_position;
      if (auto [it, inserted] = names.emplace(service.name, name_position); !inserted) {
        fail(name_position,
             fmt::format("duplicate service name '{}' (first defined at line {})", service.name, it->second.line));
      }
      service.command = required_string(node, "command", service.position, fmt::format("service '{}'", service.name));
      if (auto ready = find_entry(node, "ready")) {
        service.ready_url = url_value(*ready);
        service.ready_url_shown = Redaction(suite.redact).url(written(*ready));
      }
      if (auto timeout = find_entry(node, "ready_timeout")) service.ready_timeout = duration_value(*timeout, false);
      if (auto monitor = find_entry(node, "monitor")) service.monitor = bool_value(*monitor);
      if (auto env = find_entry(node, "env")) service.env = environment_variables(*env);
      if (auto clear = find_entry(node, "env_clear")) service.env_clear = bool_value(*clear);
      suite.services.push_back(std::move(service));
    }
  }

  void read_benchmarks(const Entry& entry, Suite& suite) const {
    expect_list(entry, "benchmarks");
    if (entry.value.size() == 0) fail(entry.value_position, "'benchmarks': expected at least one benchmark");
    std::map<std::string, SourcePosition> names;
    for (const auto& node : entry.value) {
      BenchmarkSpec benchmark;
      benchmark.position = position_of(node, entry.value_position);
      if (!node.IsMap())
        fail(benchmark.position, fmt::format("expected a benchmark (a mapping with 'name' and 'http' or 'cmd'), got {}",
                                             described_kind(node)));
      check_keys(node, kBenchmarkKeys, "benchmark key");
      benchmark.name = required_string(node, "name", benchmark.position, "the benchmark");
      check_label(*find_entry(node, "name"), "benchmark");
      SourcePosition name_position = find_entry(node, "name")->value_position;
      if (auto [it, inserted] = names.emplace(benchmark.name, name_position); !inserted) {
        fail(name_position,
             fmt::format("duplicate benchmark name '{}' (first defined at line {})", benchmark.name, it->second.line));
      }
      read_benchmark_kind(node, benchmark);
      read_benchmark_environment(node, benchmark);
      // The suite's `redact:` applies to every benchmark; theirs come on top.
      benchmark.http.redact.insert(benchmark.http.redact.begin(), suite.redact.begin(), suite.redact.end());
      if (auto thresholds = find_entry(node, "thresholds")) read_thresholds(*thresholds, suite, benchmark);
      suite.benchmarks.push_back(std::move(benchmark));
    }
  }

  void read_benchmark_kind(const YAML::Node& node, BenchmarkSpec& benchmark) const {
    std::vector<Entry> kinds;
    for (const char* kind : {"http", "cmd", "ingest"}) {
      if (auto found = find_entry(node, kind)) kinds.push_back(*found);
    }
    if (kinds.empty()) {
      fail(benchmark.position,
           fmt::format("benchmark '{}' has no kind: expected one of 'http:', 'cmd:' or 'ingest:'", benchmark.name));
    }
    if (kinds.size() > 1) {
      fail(kinds[1].key_position, fmt::format("benchmark '{}' has two kinds ('{}' and '{}'); expected exactly one",
                                              benchmark.name, kinds[0].key, kinds[1].key));
    }
    if (kinds[0].key == "http") {
      benchmark.kind = BenchmarkKind::kHttp;
      read_http(kinds[0], benchmark);
    } else if (kinds[0].key == "cmd") {
      benchmark.kind = BenchmarkKind::kCmd;
      read_cmd(kinds[0], benchmark);
    } else {
      benchmark.kind = BenchmarkKind::kIngest;
      read_ingest(kinds[0], benchmark);
    }
  }

  // `env:` and `env_clear:` reach a process perfgate starts for the benchmark: cmd only.
  void read_benchmark_environment(const YAML::Node& node, BenchmarkSpec& benchmark) const {
    auto env = find_entry(node, "env");
    auto clear = find_entry(node, "env_clear");
    if ((env || clear) && benchmark.kind != BenchmarkKind::kCmd) {
      fail((env ? env : clear)->key_position,
           fmt::format("'{}': only cmd benchmarks (and services) start a process that has an environment",
                       (env ? env : clear)->key));
    }
    if (env) benchmark.env = environment_variables(*env);
    if (clear) benchmark.env_clear = bool_value(*clear);
  }

  // Paths in a suite start at the suite's folder, so the suite runs the same from any directory.
  std::string relative_to_suite(const std::string& path) const {
    auto slash = path_.rfind('/');
    if (path.starts_with("/") || slash == std::string::npos) return path;
    return path_.substr(0, slash + 1) + path;
  }

  void read_ingest(const Entry& entry, BenchmarkSpec& benchmark) const {
    expect_map(entry, "ingest options");
    check_keys(entry.value, kIngestKeys, "ingest option");
    IngestBenchmarkOptions& ingest = benchmark.ingest;
    auto format = find_entry(entry.value, "format");
    if (!format)
      fail(entry.value_position,
           fmt::format("missing required key 'format' in the ingest options of benchmark '{}'", benchmark.name));
    ingest.format = string_value(*format);
    ingest.format_position = format->value_position;
    auto command = find_entry(entry.value, "command");
    auto file = find_entry(entry.value, "file");
    if (command && file) fail(file->key_position, "expected either 'command' or 'file', not both");
    if (!command && !file)
      fail(entry.value_position,
           fmt::format("the ingest options of benchmark '{}' need 'command' (whose output is read) or 'file'",
                       benchmark.name));
    if (command) {
      ingest.command = string_value(*command);
      if (ingest.command->empty()) fail(command->value_position, "'command': expected a non-empty command");
      ingest.source_as_written = written(*command);
    } else {
      std::string path = string_value(*file);
      if (path.empty()) fail(file->value_position, "'file': expected a path");
      ingest.file = relative_to_suite(path);
      ingest.source_as_written = relative_to_suite(written(*file));
    }
  }

  void read_http(const Entry& entry, BenchmarkSpec& benchmark) const {
    expect_map(entry, "http options");
    check_keys(entry.value, kHttpKeys, "http option");
    HttpBenchmarkOptions& http = benchmark.http;
    auto url = find_entry(entry.value, "url");
    if (!url)
      fail(entry.value_position,
           fmt::format("missing required key 'url' in the http options of benchmark '{}'", benchmark.name));
    http.url = url_value(*url);
    http.url_as_written = written(*url);
    if (auto method = find_entry(entry.value, "method")) {
      http.method = string_value(*method);
      bool token = !http.method.empty() && std::all_of(http.method.begin(), http.method.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c));
      });
      if (!token)
        fail(method->value_position,
             fmt::format("'method': expected an HTTP method like GET or POST, got '{}'", written(*method)));
    }
    if (auto headers = find_entry(entry.value, "headers")) read_headers(*headers, http);
    if (auto redact = find_entry(entry.value, "redact")) http.redact = name_list(*redact, "header or query parameter names");
    if (auto body = find_entry(entry.value, "body")) {
      std::string text = string_value(*body);
      if (text.starts_with("@")) {
        http.body_file = relative_to_suite(text.substr(1));
        http.body_file_as_written = relative_to_suite(written(*body).substr(1));
      } else {
        http.body = text;
      }
    }
    if (auto connections = find_entry(entry.value, "connections")) http.connections = int_value(*connections, 1);
    if (auto threads = find_entry(entry.value, "threads")) http.threads = int_value(*threads, 1);
    if (auto rate = find_entry(entry.value, "rate")) {
      http.rate_per_s = converted(*rate, parse_rate_per_s(string_value(*rate)), "a rate like 1000/s or 60/m");
    }
    if (auto duration = find_entry(entry.value, "duration")) http.duration = duration_value(*duration, false);
    if (auto requests = find_entry(entry.value, "requests"))
      http.requests = static_cast<std::uint64_t>(int_value(*requests, 1));
    // Like `perfgate http`: 10 s unless a request count bounds the run.
    if (!http.duration && http.requests == 0) http.duration = std::chrono::seconds(10);
    if (auto warmup = find_entry(entry.value, "warmup")) http.warmup = duration_value(*warmup, true);
    if (auto timeout = find_entry(entry.value, "timeout")) http.timeout = duration_value(*timeout, false);
  }

  void read_cmd(const Entry& entry, BenchmarkSpec& benchmark) const {
    expect_map(entry, "cmd options");
    check_keys(entry.value, kCmdKeys, "cmd option");
    CmdBenchmarkOptions& cmd = benchmark.cmd;
    auto command = find_entry(entry.value, "command");
    if (!command)
      fail(entry.value_position,
           fmt::format("missing required key 'command' in the cmd options of benchmark '{}'", benchmark.name));
    cmd.command = string_value(*command);
    if (cmd.command.empty()) fail(command->value_position, "'command': expected a non-empty command");
    cmd.command_as_written = written(*command);
    if (auto runs = find_entry(entry.value, "runs")) cmd.runs = int_value(*runs, 1);
    if (auto warmup = find_entry(entry.value, "warmup")) cmd.warmup_runs = int_value(*warmup, 0);
    if (auto min_runs = find_entry(entry.value, "min_runs")) cmd.min_runs = int_value(*min_runs, 1);
    if (auto max_runs = find_entry(entry.value, "max_runs")) {
      cmd.max_runs = int_value(*max_runs, 1);
      if (*cmd.max_runs < cmd.min_runs) {
        fail(max_runs->value_position,
             fmt::format("'max_runs': expected at least min_runs ({}), got {}", cmd.min_runs, *cmd.max_runs));
      }
    }
    if (auto prepare = find_entry(entry.value, "prepare")) cmd.prepare = string_value(*prepare);
    if (auto cleanup = find_entry(entry.value, "cleanup")) cmd.cleanup = string_value(*cleanup);
    cmd.prepare_as_written = written(find_entry(entry.value, "prepare"));
    cmd.cleanup_as_written = written(find_entry(entry.value, "cleanup"));
    if (auto shell = find_entry(entry.value, "shell")) {
      std::string text = string_value(*shell);
      if (text.empty()) fail(shell->value_position, "'shell': expected a shell like sh or bash, or none");
      cmd.shell = text == "none" ? std::nullopt : std::optional<std::string>(text);
    }
    if (auto ignore = find_entry(entry.value, "ignore_failure")) cmd.ignore_failure = bool_value(*ignore);
  }

  void read_thresholds(const Entry& entry, const Suite& suite, BenchmarkSpec& benchmark) const {
    expect_list(entry, "thresholds like 'p95 < 50ms'");
    MetricFamily family = benchmark.kind == BenchmarkKind::kHttp  ? MetricFamily::kHttp
                          : benchmark.kind == BenchmarkKind::kCmd ? MetricFamily::kCmd
                                                                  : MetricFamily::kIngested;
    for (const auto& node : entry.value) {
      SourcePosition at = position_of(node, entry.value_position);
      if (!node.IsScalar())
        fail(at, fmt::format("expected a threshold like 'p95 < 50ms', got {}", described_kind(node)));
      Threshold threshold = threshold_as_written(node.Scalar(), family, at);
      if (threshold.is_service_metric()) check_service_known(threshold, suite);
      benchmark.thresholds.push_back(std::move(threshold));
    }
  }

  // Parsed with its variables filled in, shown and quoted as written.
  Threshold threshold_as_written(const std::string& text, MetricFamily family, const SourcePosition& at) const {
    std::string filled_in = expand(text, at);
    if (filled_in == text) return parse_threshold(text, family, at);
    Threshold threshold;
    try {
      threshold = parse_threshold(filled_in, family, at);
    } catch (const UsageError&) {
      fail(at, fmt::format("threshold '{}' with its variables filled in is not a threshold like 'p95 < 50ms'", text));
    }
    threshold.text = text;
    return threshold;
  }

  void check_service_known(const Threshold& threshold, const Suite& suite) const {
    std::vector<std::string> names;
    for (const auto& service : suite.services) names.push_back(service.name);
    if (std::find(names.begin(), names.end(), threshold.service) != names.end()) return;
    std::string hint = did_you_mean(threshold.service, names);
    if (hint.empty())
      hint = names.empty() ? " (the suite has no services)" : fmt::format(" (expected one of {})", join_names(names));
    fail(threshold.position,
         fmt::format("threshold '{}': unknown service '{}'{}", threshold.text, threshold.service, hint));
  }

  void read_regression(const Entry& entry, RegressionPolicy& regression) const {
    expect_map(entry, "regression settings");
    check_keys(entry.value, kRegressionKeys, "regression key");
    regression.position = entry.key_position;
    if (auto max_change = find_entry(entry.value, "max_change")) regression.max_change = percent_value(*max_change);
    if (auto per_metric = find_entry(entry.value, "per_metric")) {
      expect_map(*per_metric, "metric names to percentages");
      for (auto it = per_metric->value.begin(); it != per_metric->value.end(); ++it) {
        SourcePosition key_position = position_of(it->first, per_metric->value_position);
        if (!it->first.IsScalar()) fail(key_position, "expected a metric name like latency_p99");
        Entry item{it->first.Scalar(), it->second, key_position, position_of(it->second, key_position)};
        if (!regression.per_metric.emplace(item.key, percent_value(item)).second) {
          fail(key_position, fmt::format("duplicate key '{}' in per_metric", item.key));
        }
      }
    }
    if (auto branch = find_entry(entry.value, "baseline_branch")) {
      regression.baseline_branch = string_value(*branch);
      if (regression.baseline_branch.empty())
        fail(branch->value_position, "'baseline_branch': expected a branch name like main");
    }
  }

  std::string path_;
  const Environment& env_;
  std::vector<std::string> lines_;
};

}  // namespace

bool is_label(std::string_view name) {
  return !name.empty() && name[0] != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

Suite load_suite_from_text(const std::string& path, const std::string& text, const Environment& env) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw UsageError(
        fmt::format("{}:{}:{}: malformed YAML: {}", path, error.mark.line + 1, error.mark.column + 1, error.msg));
  }
  if (root.IsNull()) {
    throw UsageError(
        fmt::format("{}:1:1: the suite file is empty; expected a mapping with 'name' and 'benchmarks'", path));
  }
  return SuiteReader(path, text, env).read(root);
}

Suite load_suite(const std::string& path, const Environment& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot read the suite file: {}", path, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  return load_suite_from_text(path, text.str(), env);
}

}  // namespace perfgate::suite
