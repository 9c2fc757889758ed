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
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/units.hpp"
#include "core/suggestion.hpp"
#include "suite/option_table.hpp"
#include "suite/yaml.hpp"

namespace perfgate::suite {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name",       "store",     "services", "benchmarks",
                                                "regression", "resources", "redact", "soak"};
const std::vector<std::string> kServiceKeys = {"name",    "command", "ready", "ready_timeout", "monitor",
                                               "attach",  "env",     "env_clear", "profile"};
const std::vector<std::string> kAttachKeys = {"pid", "pid_file", "cgroup"};
const std::vector<std::string> kBenchmarkKeys = {"name", "http", "cmd", "ingest", "sse", "exec", "thresholds", "needs", "env", "env_clear"};
const std::vector<std::string> kIngestKeys = {"format", "command", "file"};
const std::vector<std::string> kSoakKeys = {"duration", "checkpoint", "leak_threshold", "on_leak", "on_drift"};
const std::vector<std::string> kRegressionKeys = {"max_change", "per_metric", "baseline_branch", "metrics",
                                                  "min_history"};

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
    if (auto resources = find_entry(root, "resources")) read_resources(*resources, suite);
    if (auto regression = find_entry(root, "regression")) read_regression(*regression, suite.regression);
    if (auto soak = find_entry(root, "soak")) suite.soak = read_soak(*soak);
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


  std::vector<std::pair<std::string, std::string>> string_pairs(const Entry& entry, const std::string& what) const {
    expect_map(entry, what);
    std::vector<std::pair<std::string, std::string>> pairs;
    std::set<std::string> seen;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      SourcePosition key_position = position_of(it->first, entry.value_position);
      Entry item{it->first.IsScalar() ? it->first.Scalar() : "", it->second, key_position,
                 position_of(it->second, key_position)};
      if (!it->first.IsScalar() || item.key.empty()) fail(key_position, fmt::format("expected a name in {}", what));
      if (!seen.insert(item.key).second) fail(key_position, fmt::format("duplicate key '{}' in {}", item.key, what));
      pairs.emplace_back(item.key, string_value(item));
    }
    return pairs;
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
      if (auto attach = find_entry(node, "attach")) read_attach(*attach, service);
      // A service perfgate only attaches to has no command; every other one needs one.
      if (!service.attach || find_entry(node, "command")) {
        service.command = required_string(node, "command", service.position, fmt::format("service '{}'", service.name));
      }
      if (auto ready = find_entry(node, "ready")) {
        read_ready(*ready, service);
        if (service.ready_url) service.ready_url_shown = Redaction(suite.redact).url(written(*ready));
      }
      if (auto timeout = find_entry(node, "ready_timeout")) service.ready_timeout = duration_value(*timeout, false);
      if (auto monitor = find_entry(node, "monitor")) read_monitor(*monitor, service);
      if (auto profile = find_entry(node, "profile")) service.profile = bool_value(*profile);
      if (service.attach && !service.monitor) {
        if (auto monitor = find_entry(node, "monitor")) {
          fail(monitor->value_position, fmt::format("service '{}': 'attach:' is there to monitor it; 'monitor: false' "
                                                    "contradicts it (remove one of them)",
                                                    service.name));
        }
        service.monitor = true;
      }
      for (const char* key : {"ready", "ready_timeout", "env", "env_clear"}) {
        auto found = service.started_by_perfgate() ? std::nullopt : find_entry(node, key);
        if (found) {
          fail(found->key_position, fmt::format("'{}': service '{}' has no command (perfgate only attaches to it)",
                                                key, service.name));
        }
      }
      if (auto env = find_entry(node, "env")) service.env = environment_variables(*env);
      if (auto clear = find_entry(node, "env_clear")) service.env_clear = bool_value(*clear);
      suite.services.push_back(std::move(service));
    }
  }

  // `monitor: true | false | {interval: DUR}`.
  void read_monitor(const Entry& entry, ServiceSpec& service) const {
    if (!entry.value.IsMap()) {
      service.monitor = bool_value(entry);
      return;
    }
    check_keys(entry.value, {"interval"}, "monitor key");
    service.monitor = true;
    if (auto interval = find_entry(entry.value, "interval")) {
      service.monitor_interval = duration_value(*interval, false);
      if (service.monitor_interval < std::chrono::milliseconds(10)) {
        fail(interval->value_position, fmt::format("'interval': expected 10ms or more, got '{}'", written(*interval)));
      }
    }
  }

  // `attach: {pid: N}`, `{pid_file: PATH}` or `{cgroup: PATH}`: exactly one of them. Whether the
  // process or the cgroup exists is checked when the run is prepared, before anything starts.
  void read_attach(const Entry& entry, ServiceSpec& service) const {
    constexpr const char* kForms = "{pid: N}, {pid_file: PATH} or {cgroup: PATH}";
    if (!entry.value.IsMap() || entry.value.size() != 1) {
      fail(entry.value_position, fmt::format("'attach': expected one of {}, got {}", kForms,
                                             entry.value.IsMap() ? fmt::format("{} keys", entry.value.size())
                                                                 : described_kind(entry.value)));
    }
    check_keys(entry.value, kAttachKeys, "attach key");
    AttachTarget target;
    auto only = find_entry(entry.value, entry.value.begin()->first.Scalar());
    target.position = only->value_position;
    if (only->key == "pid") {
      target.kind = AttachTarget::Kind::kPid;
      target.pid = int_value(*only, 1);
      target.shown = fmt::format("pid {}", target.pid);
    } else {
      std::string path = string_value(*only);
      if (path.empty()) fail(only->value_position, fmt::format("'{}': expected a path", only->key));
      target.kind = only->key == "pid_file" ? AttachTarget::Kind::kPidFile : AttachTarget::Kind::kCgroup;
      target.path = relative_to_suite(path);
      target.shown = fmt::format("{} {}", only->key, relative_to_suite(written(*only)));
    }
    service.attach = std::move(target);
  }

  // `resources: [api.rss < 500MB, ...]`: service thresholds that every benchmark needing the
  // service gets, after its own.
  void read_resources(const Entry& entry, Suite& suite) const {
    expect_list(entry, "service thresholds like 'api.rss < 500MB'");
    for (const auto& node : entry.value) {
      SourcePosition at = position_of(node, entry.value_position);
      if (!node.IsScalar())
        fail(at, fmt::format("expected a service threshold like 'api.rss < 500MB', got {}", described_kind(node)));
      Threshold threshold = threshold_as_written(node.Scalar(), MetricFamily::kService, at);
      check_service_monitored(threshold, suite);
      suite.resource_thresholds.push_back(threshold);
    }
    for (auto& benchmark : suite.benchmarks) {
      for (const auto& threshold : suite.resource_thresholds) {
        if (benchmark.needs_service(threshold.service)) benchmark.thresholds.push_back(threshold);
      }
    }
  }

  // `ready:` http://… (polled until 2xx), tcp://HOST:PORT (until it accepts a connection) or
  // {command: …} (run with sh -c until it exits 0).
  void read_ready(const Entry& entry, ServiceSpec& service) const {
    constexpr const char* kForms = "http://HOST:PORT/PATH, tcp://HOST:PORT or {command: CHECK}";
    if (entry.value.IsMap()) {
      check_keys(entry.value, {"command"}, "ready key");
      auto command = find_entry(entry.value, "command");
      if (!command) fail(entry.value_position, fmt::format("'ready': expected {}", kForms));
      service.ready_command = string_value(*command);
      if (service.ready_command->empty()) fail(command->value_position, "'command': expected a non-empty command");
      return;
    }
    std::string text = entry.value.IsScalar() ? string_value(entry) : "";
    if (text.starts_with("http://") && text.size() > 7) {
      service.ready_url = text;
      return;
    }
    if (text.starts_with("tcp://")) {
      std::string address = text.substr(6);
      auto colon = address.rfind(':');
      unsigned port = 0;
      bool valid = colon != std::string::npos && colon > 0;
      if (valid) {
        auto [end, ec] = std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
        valid = ec == std::errc() && end == address.data() + address.size() && port >= 1 && port <= 65535;
      }
      if (!valid) fail(entry.value_position, fmt::format("'ready': expected tcp://HOST:PORT, got '{}'", written(entry)));
      service.ready_tcp = address;
      return;
    }
    fail(entry.value_position, fmt::format("'ready': expected {}, got {}", kForms,
                                           entry.value.IsScalar() ? "'" + written(entry) + "'" : described_kind(entry.value)));
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
      benchmark.sse.redact.insert(benchmark.sse.redact.begin(), suite.redact.begin(), suite.redact.end());
      if (auto thresholds = find_entry(node, "thresholds")) read_thresholds(*thresholds, suite, benchmark);
      if (auto needs = find_entry(node, "needs")) read_needs(*needs, suite, benchmark);
      for (const auto& threshold : benchmark.thresholds) {
        if (threshold.is_service_metric() && !benchmark.needs_service(threshold.service)) {
          fail(threshold.position, fmt::format("threshold '{}': benchmark '{}' does not need service '{}' (add it to "
                                               "'needs:')",
                                               threshold.text, benchmark.name, threshold.service));
        }
      }
      suite.benchmarks.push_back(std::move(benchmark));
    }
  }

  void read_benchmark_kind(const YAML::Node& node, BenchmarkSpec& benchmark) const {
    std::vector<Entry> kinds;
    for (const char* kind : {"http", "cmd", "ingest", "sse", "exec"}) {
      if (auto found = find_entry(node, kind)) kinds.push_back(*found);
    }
    if (kinds.empty()) {
      fail(benchmark.position,
           fmt::format("benchmark '{}' has no kind: expected one of 'http:', 'cmd:', 'exec:', 'sse:' or 'ingest:'",
                       benchmark.name));
    }
    if (kinds.size() > 1) {
      fail(kinds[1].key_position, fmt::format("benchmark '{}' has two kinds ('{}' and '{}'); expected exactly one",
                                              benchmark.name, kinds[0].key, kinds[1].key));
    }
    if (kinds[0].key == "http") {
      benchmark.kind = BenchmarkKind::kHttp;
      read_options(kinds[0], http_option_table(), "http", benchmark, benchmark.http);
      read_http_as_written(kinds[0], benchmark.http);
    } else if (kinds[0].key == "cmd") {
      benchmark.kind = BenchmarkKind::kCmd;
      read_options(kinds[0], cmd_option_table(), "cmd", benchmark, benchmark.cmd);
      read_cmd_as_written(kinds[0], benchmark.cmd);
    } else if (kinds[0].key == "sse") {
      benchmark.kind = BenchmarkKind::kSse;
      read_options(kinds[0], sse_option_table(), "sse", benchmark, benchmark.sse);
      if (auto url = find_entry(kinds[0].value, "url")) benchmark.sse.url_as_written = written(*url);
      if (auto url = find_entry(kinds[0].value, "publish")) benchmark.sse.publish_url_as_written = written(*url);
    } else if (kinds[0].key == "exec") {
      benchmark.kind = BenchmarkKind::kExec;
      read_options(kinds[0], exec_option_table(), "exec", benchmark, benchmark.exec);
      if (auto command = find_entry(kinds[0].value, "command"); command && command->value.IsScalar()) {
        benchmark.exec.command_as_written = written(*command);
      }
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
    return path.starts_with("/") ? path : suite_dir() + path;
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

  // `http:` and `cmd:`: every row of the engine's option table, under its suite key (see
  // option_table.hpp), with the same parsers and messages as the command line's flags.
  template <typename Options>
  void read_options(const Entry& entry, const OptionTable<Options>& table, const std::string& kind,
                    BenchmarkSpec& benchmark, Options& options) const {
    expect_map(entry, kind + " options");
    std::vector<std::string> keys;
    for (const auto& row : table.options) {
      std::string key = group_of(row.key);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
    check_keys(entry.value, keys, kind + " option");
    for (const auto& row : table.options) {
      auto found = find_option_entry(entry, table, row.key, kind);
      if (!found) {
        if (row.required) {
          fail(entry.value_position, fmt::format("missing required key '{}' in the {} options of benchmark '{}'",
                                                 row.key, kind, benchmark.name));
        }
        continue;
      }
      benchmark.option_positions[row.key] = found->value_position;
      apply_row(row, *found, options);
    }
    try {
      table.finish(options, [](std::string_view key) { return fmt::format("'{}'", key); });
    } catch (const UsageError& error) {
      fail(entry.value_position, error.what());
    }
  }

  // A row keyed "callback.listen" is `listen:` inside the mapping `callback:`.
  static std::string group_of(std::string_view key) { return std::string(key.substr(0, key.find('.'))); }

  template <typename Options>
  std::optional<Entry> find_option_entry(const Entry& entry, const OptionTable<Options>& table, const std::string& key,
                                         const std::string& kind) const {
    auto dot = key.find('.');
    if (dot == std::string::npos) return find_entry(entry.value, key);
    auto group = find_entry(entry.value, key.substr(0, dot));
    if (!group) return std::nullopt;
    expect_map(*group, kind + " " + group->key + " options");
    std::vector<std::string> members;
    for (const auto& row : table.options) {
      std::string_view other = row.key;
      if (group_of(other) == group->key) members.emplace_back(other.substr(dot + 1));
    }
    check_keys(group->value, members, group->key + " option");
    auto found = find_entry(group->value, key.substr(dot + 1));
    if (found) found->key = key;
    return found;
  }

  template <typename Options>
  void apply_row(const OptionSpec<Options>& row, const Entry& entry, Options& options) const {
    try {
      apply_row_filled_in(row, entry, options);
    } catch (const UsageError& error) {
      throw UsageError(quoting_as_written(error.what(), entry));
    }
  }

  // A message about a value quotes the suite's text, never what was filled in from the
  // environment (it may be a secret): each filled-in scalar of the entry is put back as written.
  std::string quoting_as_written(std::string message, const Entry& entry) const {
    std::vector<YAML::Node> scalars;
    std::vector<YAML::Node> pending{entry.value};
    while (!pending.empty()) {
      YAML::Node node = pending.back();
      pending.pop_back();
      if (node.IsScalar()) {
        scalars.push_back(node);
      } else if (node.IsSequence()) {
        for (const auto& item : node) pending.push_back(item);
      } else if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it) pending.push_back(it->second);
      }
    }
    for (const auto& node : scalars) {
      const std::string& text = node.Scalar();
      std::string filled_in = expand(text, entry.value_position);
      if (filled_in.empty() || filled_in == text) continue;
      for (auto at = message.find(filled_in); at != std::string::npos; at = message.find(filled_in, at + text.size())) {
        message.replace(at, filled_in.size(), text);
      }
    }
    return message;
  }

  template <typename Options>
  void apply_row_filled_in(const OptionSpec<Options>& row, const Entry& entry, Options& options) const {
    std::string where = fmt::format("{}: '{}'", entry.value_position.to_string(), entry.key);
    auto value = [&](std::vector<std::string> texts) { return OptionValue(where, std::move(texts), suite_dir()); };
    switch (row.shape) {
      case OptionShape::kValue:
      case OptionShape::kFlag:
        // YAML reads `output: null` as no value; the options that take the word null mean it.
        row.apply(options, value({written_null(entry) ? std::string("null") : string_value(entry)}));
        return;
      case OptionShape::kList:
        row.apply(options, value(entry.value.IsSequence() ? scalar_items(entry, row.value_name)
                                                          : std::vector<std::string>{string_value(entry)}));
        return;
      case OptionShape::kPairs:
        row.apply(options, value(entry.value.IsMap() ? pair_items(entry) : scalar_items(entry, row.value_name)));
        return;
      case OptionShape::kTuple: {
        // [NAME, MIN, MAX] once, or a list of them.
        bool several = entry.value.IsSequence() && entry.value.size() > 0 && entry.value[0].IsSequence();
        std::vector<Entry> tuples;
        if (several) {
          for (const auto& node : entry.value) {
            tuples.push_back(Entry{entry.key, node, entry.key_position, position_of(node, entry.value_position)});
          }
        } else {
          tuples.push_back(entry);
        }
        for (const auto& tuple : tuples) {
          std::vector<std::string> words = scalar_items(tuple, row.value_name);
          if (words.size() != static_cast<std::size_t>(row.arity)) {
            fail(tuple.value_position, fmt::format("'{}': expected a list [{}], got {} item(s)", entry.key,
                                                   replace_blanks(row.value_name), words.size()));
          }
          row.apply(options, OptionValue(fmt::format("{}: '{}'", tuple.value_position.to_string(), entry.key),
                                         std::move(words), suite_dir()));
        }
        return;
      }
    }
  }

  // What the suite wrote, `${VAR}` and all, beside the values filled in: what outputs show.
  void read_http_as_written(const Entry& entry, HttpBenchmarkOptions& http) const {
    if (auto url = find_entry(entry.value, "url")) http.url_as_written = written(*url);
    if (auto headers = find_entry(entry.value, "headers")) {
      std::vector<std::string> lines;
      if (headers->value.IsMap()) {
        for (auto it = headers->value.begin(); it != headers->value.end(); ++it) {
          lines.push_back(it->first.Scalar() + ": " + (it->second.IsScalar() ? it->second.Scalar() : ""));
        }
      } else if (headers->value.IsSequence()) {
        for (const auto& item : headers->value) lines.push_back(item.IsScalar() ? item.Scalar() : "");
      }
      for (const auto& line : lines) {
        std::string problem;
        if (auto field = parse_header_line(line, &problem)) http.headers_as_written.emplace_back(field->name, field->value);
      }
    }
    if (auto body = find_entry(entry.value, "body")) {
      std::string text = written(*body);
      if (text.starts_with("@")) http.body_file_as_written = relative_to_suite(text.substr(1));
    }
    if (auto file = find_entry(entry.value, "body_file")) http.body_file_as_written = relative_to_suite(written(*file));
    if (auto file = find_entry(entry.value, "targets")) http.targets_file_as_written = relative_to_suite(written(*file));
  }

  void read_cmd_as_written(const Entry& entry, CmdBenchmarkOptions& cmd) const {
    if (auto command = find_entry(entry.value, "command")) {
      if (command->value.IsSequence()) {
        for (const auto& item : command->value) cmd.commands_as_written.push_back(item.IsScalar() ? item.Scalar() : "");
      } else {
        cmd.commands_as_written.push_back(written(*command));
      }
    }
    cmd.setup_as_written = written(find_entry(entry.value, "setup"));
    cmd.prepare_as_written = written(find_entry(entry.value, "prepare"));
    cmd.conclude_as_written = written(find_entry(entry.value, "conclude"));
    cmd.cleanup_as_written = written(find_entry(entry.value, "cleanup"));
    cmd.reference_as_written = written(find_entry(entry.value, "reference"));
  }

  // Whether an empty value was written as the word null (not as `~` or nothing at all).
  bool written_null(const Entry& entry) const {
    if (!entry.value.IsNull() || entry.key_position.line < 1 ||
        static_cast<std::size_t>(entry.key_position.line) > lines_.size()) {
      return false;
    }
    const std::string& line = lines_[static_cast<std::size_t>(entry.key_position.line - 1)];
    std::size_t colon = line.find(':', static_cast<std::size_t>(entry.key_position.column - 1) + entry.key.size());
    std::size_t start = colon == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", colon + 1);
    return start != std::string::npos && line.compare(start, 4, "null") == 0;
  }

  static std::string replace_blanks(std::string text) {
    for (std::size_t at = text.find(' '); at != std::string::npos; at = text.find(' ', at + 2)) {
      text.replace(at, 1, ", ");
    }
    return text;
  }

  // A list of scalars, each expanded like any other string.
  std::vector<std::string> scalar_items(const Entry& entry, const std::string& what) const {
    expect_list(entry, what);
    std::vector<std::string> items;
    for (const auto& node : entry.value) {
      SourcePosition at = position_of(node, entry.value_position);
      if (!node.IsScalar()) fail(at, fmt::format("'{}': expected a list of {}, got {} in it", entry.key, what, described_kind(node)));
      items.push_back(expand(node.Scalar(), at));
    }
    return items;
  }

  // A mapping {NAME: VALUE} as "NAME: VALUE" texts, in the order written.
  std::vector<std::string> pair_items(const Entry& entry) const {
    std::vector<std::string> items;
    for (const auto& [key, value] : string_pairs(entry, entry.key)) items.push_back(key + ": " + value);
    return items;
  }

  // Where relative paths of the suite start: its folder, with the trailing '/'.
  std::string suite_dir() const {
    auto slash = path_.rfind('/');
    return slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  }

  void read_thresholds(const Entry& entry, const Suite& suite, BenchmarkSpec& benchmark) const {
    expect_list(entry, "thresholds like 'p95 < 50ms'");
    // exec benchmarks have the metrics of http ones.
    MetricFamily family = benchmark.kind == BenchmarkKind::kCmd      ? MetricFamily::kCmd
                          : benchmark.kind == BenchmarkKind::kSse    ? MetricFamily::kSse
                          : benchmark.kind == BenchmarkKind::kIngest ? MetricFamily::kIngested
                                                                     : MetricFamily::kHttp;
    for (const auto& node : entry.value) {
      SourcePosition at = position_of(node, entry.value_position);
      if (!node.IsScalar())
        fail(at, fmt::format("expected a threshold like 'p95 < 50ms', got {}", described_kind(node)));
      Threshold threshold = threshold_as_written(node.Scalar(), family, at);
      if (threshold.is_service_metric()) check_service_monitored(threshold, suite);
      benchmark.thresholds.push_back(std::move(threshold));
    }
  }

  void read_needs(const Entry& entry, const Suite& suite, BenchmarkSpec& benchmark) const {
    expect_list(entry, "service names");
    std::vector<std::string> names;
    for (const auto& service : suite.services) names.push_back(service.name);
    benchmark.needs.emplace();
    for (const auto& node : entry.value) {
      SourcePosition at = position_of(node, entry.value_position);
      std::string name = node.IsScalar() ? node.Scalar() : "";
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        std::string hint = did_you_mean(name, names);
        if (hint.empty())
          hint = names.empty() ? " (the suite has no services)" : fmt::format(" (expected one of {})", join_names(names));
        fail(at, fmt::format("'needs': unknown service '{}'{}", name, hint));
      }
      benchmark.needs->push_back(name);
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

  // A service threshold names a service of the suite that is sampled.
  void check_service_monitored(const Threshold& threshold, const Suite& suite) const {
    std::vector<std::string> names;
    for (const auto& service : suite.services) names.push_back(service.name);
    for (const auto& service : suite.services) {
      if (service.name != threshold.service) continue;
      if (service.monitored()) return;
      fail(threshold.position, fmt::format("threshold '{}': service '{}' is not monitored (add 'monitor: true' to it, "
                                           "line {})",
                                           threshold.text, service.name, service.position.line));
    }
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
        regression.metric_positions.emplace(item.key, key_position);
      }
    }
    if (auto metrics = find_entry(entry.value, "metrics")) {
      expect_list(*metrics, "metric names like latency_p99");
      for (const auto& node : metrics->value) {
        SourcePosition at = position_of(node, metrics->value_position);
        if (!node.IsScalar() || node.Scalar().empty()) fail(at, "'metrics': expected a metric name like latency_p99");
        regression.metrics.push_back(node.Scalar());
        regression.metric_positions.emplace(node.Scalar(), at);
      }
    }
    if (auto min_history = find_entry(entry.value, "min_history")) {
      regression.min_history = static_cast<std::size_t>(int_value(*min_history, 1));
    }
    if (auto branch = find_entry(entry.value, "baseline_branch")) {
      regression.baseline_branch = string_value(*branch);
      if (regression.baseline_branch.empty())
        fail(branch->value_position, "'baseline_branch': expected a branch name like main");
    }
  }

  SoakPolicy read_soak(const Entry& entry) const {
    expect_map(entry, "soak settings");
    check_keys(entry.value, kSoakKeys, "soak key");
    SoakPolicy soak;
    soak.position = entry.key_position;
    if (auto duration = find_entry(entry.value, "duration")) soak.duration = duration_value(*duration, false);
    if (auto checkpoint = find_entry(entry.value, "checkpoint")) soak.checkpoint = duration_value(*checkpoint, false);
    if (auto threshold = find_entry(entry.value, "leak_threshold")) {
      soak.leak_threshold_bytes_per_h =
          converted(*threshold, parse_byte_rate_per_s(string_value(*threshold)), "a growth like 1MB/h") * 3600;
    }
    auto warn = [&](const char* key) {
      auto found = find_entry(entry.value, key);
      if (!found) return false;
      std::string value = string_value(*found);
      if (value != "fail" && value != "warn") {
        fail(found->value_position, fmt::format("'{}': expected fail or warn, got '{}'", key, written(*found)));
      }
      return value == "warn";
    };
    soak.warn_on_leak = warn("on_leak");
    soak.warn_on_drift = warn("on_drift");
    return soak;
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
  // A directory opens as an empty stream; say what it is rather than "the suite file is empty".
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw UsageError(fmt::format("{}: is a directory; expected a suite file like perf/suite.yaml", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot read the suite file: {}", path, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  return load_suite_from_text(path, text.str(), env);
}

}  // namespace perfgate::suite
