// Tests for the suite loader: the DESIGN.md example loads into the expected model, and
// every error path names the exact file:line:column and what was expected.
#include "suite/suite_loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace perfgate::suite {
namespace {

using std::chrono::seconds;

std::string fixture(const std::string& name) {
  return (std::filesystem::path(PERFGATE_SOURCE_DIR) / "tests/suite/fixtures" / name).string();
}

std::filesystem::path scratch_dir() {
  return std::filesystem::temp_directory_path() / ("suite-loader-test-" + std::to_string(::getpid()));
}

// Leaves no files behind in the temporary directory.
class RemoveScratchDir : public ::testing::Environment {
 public:
  void TearDown() override { std::filesystem::remove_all(scratch_dir()); }
};
[[maybe_unused]] const auto* const kRemoveScratchDir = ::testing::AddGlobalTestEnvironment(new RemoveScratchDir);

// Writes `yaml` to a fresh file, so each test's messages carry a known path.
std::string write_suite(const std::string& yaml) {
  static int counter = 0;
  std::filesystem::create_directories(scratch_dir());
  auto path = scratch_dir() / ("suite" + std::to_string(++counter) + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

Environment no_variables() { return environment_from({}); }

// The message of the UsageError that loading `yaml` throws, with the file name replaced by
// "FILE" so the expectations read like the output.
std::string load_error(const std::string& yaml, const Environment& env = no_variables()) {
  std::string path = write_suite(yaml);
  try {
    load_suite(path, env);
  } catch (const UsageError& error) {
    std::string message = error.what();
    if (message.starts_with(path)) message = "FILE" + message.substr(path.size());
    return message;
  }
  return "no error";
}

const char* kMinimalHeader = "name: s\nbenchmarks:\n";

TEST(SuiteLoader, LoadsTheDesignExample) {
  Suite suite = load_suite(fixture("webhook.yaml"), environment_from({{"WEBHOOK_SECRET", "s3cret"}}));
  EXPECT_EQ(suite.name, "webhook-service");
  EXPECT_EQ(suite.store, ".perfgate/history.db");

  ASSERT_EQ(suite.services.size(), 1u);
  const ServiceSpec& api = suite.services[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.command, "./build/server --port 8080");
  EXPECT_EQ(api.ready_url, "http://127.0.0.1:8080/health");
  EXPECT_EQ(api.ready_timeout, seconds(30));
  EXPECT_TRUE(api.monitor);
  EXPECT_TRUE(api.env.empty());
  EXPECT_EQ(api.position, (SourcePosition{fixture("webhook.yaml"), 6, 5}));

  ASSERT_EQ(suite.benchmarks.size(), 3u);
  const BenchmarkSpec& health = suite.benchmarks[0];
  EXPECT_EQ(health.name, "health");
  EXPECT_EQ(health.kind, BenchmarkKind::kHttp);
  EXPECT_EQ(health.http.url, "http://127.0.0.1:8080/health");
  EXPECT_EQ(health.http.method, "GET");
  EXPECT_EQ(health.http.connections, 50);
  EXPECT_EQ(health.http.duration, seconds(10));
  EXPECT_FALSE(health.http.rate_per_s.has_value());
  EXPECT_FALSE(health.http.threads.has_value());
  EXPECT_EQ(health.http.timeout, seconds(10));
  EXPECT_EQ(health.position.line, 11);
  ASSERT_EQ(health.thresholds.size(), 6u);  // its own three, then the suite's `resources:`
  EXPECT_EQ(health.thresholds[0].result_metric, "latency_p95");
  EXPECT_EQ(health.thresholds[0].unit, "ms");
  EXPECT_DOUBLE_EQ(health.thresholds[0].value, 50);
  EXPECT_EQ(health.thresholds[0].position, (SourcePosition{fixture("webhook.yaml"), 13, 18}));
  EXPECT_EQ(health.thresholds[3].result_metric, "api.rss_max");
  EXPECT_EQ(health.thresholds[4].result_metric, "api.cpu_pct_mean");
  EXPECT_EQ(health.thresholds[5].result_metric, "api.threads_max");
  EXPECT_EQ(health.thresholds[5].position, (SourcePosition{fixture("webhook.yaml"), 25, 45}));
  EXPECT_EQ(health.thresholds[1].result_metric, "error_rate");
  EXPECT_DOUBLE_EQ(health.thresholds[1].value, 0.001);
  EXPECT_EQ(health.thresholds[2].result_metric, "throughput");
  EXPECT_EQ(health.thresholds[2].op, ThresholdOp::kGreater);
  EXPECT_DOUBLE_EQ(health.thresholds[2].value, 500);

  const BenchmarkSpec& webhook = suite.benchmarks[1];
  EXPECT_EQ(webhook.http.method, "POST");
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(webhook.http.headers, (std::vector<Header>{{"Content-Type", "application/json"}, {"X-Secret", "s3cret"}}));
  EXPECT_EQ(webhook.http.body_file, fixture("fixtures/update.json"));
  EXPECT_TRUE(std::filesystem::exists(*webhook.http.body_file));
  ASSERT_TRUE(webhook.http.rate_per_s.has_value());
  EXPECT_NEAR(*webhook.http.rate_per_s, 1000.0 / 60, 1e-9);
  EXPECT_EQ(webhook.http.duration, seconds(60));
  ASSERT_EQ(webhook.thresholds.size(), 4u);
  EXPECT_EQ(describe(webhook.thresholds[0]), "p99 < 200ms");

  const BenchmarkSpec& build = suite.benchmarks[2];
  EXPECT_EQ(build.kind, BenchmarkKind::kCmd);
  EXPECT_EQ(build.cmd.commands, std::vector<std::string>{"make -s"});
  EXPECT_EQ(build.cmd.runs, 10);
  EXPECT_EQ(build.cmd.shell, "sh");
  EXPECT_FALSE(build.cmd.ignore_failure);

  EXPECT_DOUBLE_EQ(suite.regression.max_change, 0.10);
  EXPECT_EQ(suite.regression.baseline_branch, "main");
  EXPECT_DOUBLE_EQ(suite.regression.max_change_for("latency_p99"), 0.10);
}

TEST(SuiteLoader, ReadsEveryOption) {
  std::string path = write_suite(R"(name: all
services:
  - name: db
    command: ./db
    ready_timeout: 5s
    env: {PORT: "5432"}
    monitor: true
  - name: cache
    command: ./cache
    ready: tcp://127.0.0.1:6379
  - name: queue
    command: ./queue
    ready: {command: "./queue --ping"}
benchmarks:
  - name: count
    http: {url: "http://h:1/", requests: 500, threads: 2, warmup: 2s, timeout: 1s, redact: [X-Api-Key]}
  - name: c
    cmd:
      command: ./run
      warmup: 3
      min_runs: 5
      max_runs: 20
      min_time: 500ms
      prepare: sync
      cleanup: rm -f x
      shell: none
      ignore_failure: yes
      input: null
      output: pipe
    thresholds: [wall_mean < 1.5s, user <= 200ms, sys < 1s, rss < 64MB, db.threads < 100]
  - name: scan
    cmd:
      command: ./run -j {n} --{mode}
      parameter_scan: [n, 1, 8]
      parameter_step_size: 2
      parameter_list: [mode, "fast,slow"]
      command_name: "j{n}-{mode}"
      output: out.txt
regression: {max_change: 5%, per_metric: {latency_p99: 20%}, baseline_branch: trunk}
)");
  Suite suite = load_suite(path, no_variables());
  EXPECT_EQ(suite.services[0].ready_timeout, seconds(5));
  EXPECT_TRUE(suite.services[0].monitor);
  EXPECT_FALSE(suite.services[1].monitor);
  EXPECT_EQ(suite.services[0].env.at("PORT"), "5432");
  EXPECT_EQ(suite.services[1].ready_tcp, "127.0.0.1:6379");
  EXPECT_EQ(suite.services[2].ready_command, "./queue --ping");
  EXPECT_FALSE(suite.services[2].ready_url.has_value());
  const HttpBenchmarkOptions& http = suite.benchmarks[0].http;
  EXPECT_EQ(http.requests, 500u);
  EXPECT_FALSE(http.duration.has_value());  // bounded by the request count
  EXPECT_EQ(http.threads, 2);
  EXPECT_EQ(http.warmup, seconds(2));
  EXPECT_EQ(http.timeout, seconds(1));
  EXPECT_EQ(http.redact, std::vector<std::string>{"X-Api-Key"});
  const CmdBenchmarkOptions& cmd = suite.benchmarks[1].cmd;
  EXPECT_EQ(cmd.min_time, std::chrono::milliseconds(500));
  EXPECT_FALSE(cmd.input.has_value());
  EXPECT_EQ(cmd.output, "pipe");
  const CmdBenchmarkOptions& scan = suite.benchmarks[2].cmd;
  ASSERT_EQ(scan.parameter_scans.size(), 1u);
  EXPECT_EQ(scan.parameter_scans[0].name, "n");
  EXPECT_EQ(scan.parameter_scans[0].max, "8");
  EXPECT_EQ(scan.parameter_step, "2");
  ASSERT_EQ(scan.parameter_lists.size(), 1u);
  EXPECT_EQ(scan.parameter_lists[0].values, "fast,slow");
  EXPECT_EQ(scan.command_names, std::vector<std::string>{"j{n}-{mode}"});
  // A path in a suite starts at the suite's folder, whatever the working directory.
  EXPECT_EQ(scan.output, std::filesystem::path(path).parent_path().string() + "/out.txt");
  EXPECT_EQ(cmd.warmup_runs, 3);
  EXPECT_EQ(cmd.min_runs, 5);
  EXPECT_EQ(cmd.max_runs, 20);
  EXPECT_EQ(cmd.prepare, "sync");
  EXPECT_EQ(cmd.cleanup, "rm -f x");
  EXPECT_FALSE(cmd.shell.has_value());
  EXPECT_TRUE(cmd.ignore_failure);
  const auto& thresholds = suite.benchmarks[1].thresholds;
  ASSERT_EQ(thresholds.size(), 5u);
  EXPECT_EQ(thresholds[1].result_metric, "user_mean");
  EXPECT_DOUBLE_EQ(thresholds[1].value, 0.2);
  EXPECT_EQ(thresholds[4].result_metric, "db.threads_max");
  EXPECT_DOUBLE_EQ(suite.regression.max_change, 0.05);
  EXPECT_DOUBLE_EQ(suite.regression.max_change_for("latency_p99"), 0.20);
  EXPECT_EQ(suite.regression.baseline_branch, "trunk");
}

TEST(SuiteLoaderErrors, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    http: {url: \"http://h/\", conections: 5}\n"),
            "FILE:4:30: unknown http option 'conections'; did you mean 'connections'?");
}

TEST(SuiteLoaderErrors, UnknownKeyWithoutCloseMatchListsTheKeys) {
  EXPECT_EQ(load_error("name: s\nfrobnicate: 1\nbenchmarks: []\n"),
            "FILE:2:1: unknown top-level key 'frobnicate' (expected one of name, store, services, benchmarks, "
            "regression, resources, redact, soak)");
}

TEST(SuiteLoaderErrors, WrongType) {
  EXPECT_EQ(
      load_error(std::string(kMinimalHeader) + "  - name: a\n    http: {url: \"http://h/\", connections: many}\n"),
      "FILE:4:43: 'connections': expected a whole number from 1 to 100000, got 'many'");
}

TEST(SuiteLoaderErrors, MissingUrl) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    http: {connections: 5}\n"),
            "FILE:4:11: no target url: give 'url' or 'targets' FILE");
}

TEST(SuiteLoaderErrors, MissingName) {
  EXPECT_EQ(load_error("benchmarks:\n  - name: a\n    cmd: {command: x}\n"),
            "FILE:1:1: missing required key 'name' in the suite");
}

TEST(SuiteLoaderErrors, BadDuration) {
  EXPECT_EQ(
      load_error(std::string(kMinimalHeader) + "  - name: a\n    http:\n      url: http://h/\n      duration: ten\n"),
      "FILE:6:17: 'duration': expected a positive duration like 500ms, 10s, 2m or 1h30m, got 'ten'");
}

TEST(SuiteLoaderErrors, BadThreshold) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) +
                       "  - name: a\n    http: {url: \"http://h/\"}\n    thresholds: [p95 < 50ms, p955 < 50ms]\n"),
            "FILE:5:30: threshold 'p955 < 50ms': unknown http metric 'p955'; did you mean 'p95'? (expected one of "
            "min, mean, p50, p90, p95, p99, p999, max, throughput, error_rate, callback_p50, callback_p90, callback_p95, callback_p99, callback_max, "
       "callbacks_received, callbacks_lost, callbacks_duplicate, callbacks_unknown, or SERVICE.cpu|rss|threads|fds)");
}

TEST(SuiteLoaderErrors, ThresholdOfTheOtherKind) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) +
                       "  - name: a\n    cmd: {command: x}\n    thresholds:\n      - p95 < 5ms\n"),
            "FILE:6:9: threshold 'p95 < 5ms': unknown cmd metric 'p95' (expected one of wall_mean, wall_median, "
            "user, sys, rss, or SERVICE.cpu|rss|threads|fds)");
}

TEST(SuiteLoaderErrors, ThresholdOnUnknownService) {
  EXPECT_EQ(load_error("name: s\nservices:\n  - {name: api, command: x}\nbenchmarks:\n"
                       "  - name: a\n    cmd: {command: x}\n    thresholds: [apx.rss < 1GB]\n"),
            "FILE:7:18: threshold 'apx.rss < 1GB': unknown service 'apx'; did you mean 'api'?");
}

TEST(SuiteLoaderErrors, UnsetVariable) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    http:\n      url: \"http://${HOST}:${PORT}/\"\n",
                       environment_from({{"HOST", "h"}})),
            "FILE:5:28: environment variable 'PORT' is not set (write '${PORT:-default}' to give a default)");
}

TEST(SuiteLoaderErrors, IngestNeedsAFormatAndOneSource) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: micro\n    ingest: {command: ./micro}\n"),
            "FILE:4:13: missing required key 'format' in the ingest options of benchmark 'micro'");
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: micro\n    ingest: {format: google-benchmark}\n"),
            "FILE:4:13: the ingest options of benchmark 'micro' need 'command' (whose output is read) or 'file'");
  EXPECT_EQ(load_error(std::string(kMinimalHeader) +
                       "  - name: micro\n    ingest: {format: go, command: x, file: y}\n"),
            "FILE:4:38: expected either 'command' or 'file', not both");
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: micro\n    ingest: {format: go, comand: x}\n"),
            "FILE:4:26: unknown ingest option 'comand'; did you mean 'command'?");
}

TEST(SuiteLoader, ReadsIngestBenchmarksWithTheirThresholds) {
  std::string path = write_suite(std::string(kMinimalHeader) +
                                 "  - name: micro\n"
                                 "    ingest: {format: google-benchmark, command: \"./micro --benchmark_format=json\"}\n"
                                 "    thresholds: [BM_parse.real_time < 5ms, items_per_second > 1000]\n"
                                 "  - name: earlier\n"
                                 "    ingest: {format: hyperfine, file: results/h.json}\n");
  Suite suite = load_suite(path, no_variables());
  ASSERT_EQ(suite.benchmarks.size(), 2u);
  const BenchmarkSpec& micro = suite.benchmarks[0];
  EXPECT_EQ(micro.kind, BenchmarkKind::kIngest);
  EXPECT_EQ(micro.ingest.format, "google-benchmark");
  EXPECT_EQ(micro.ingest.command, "./micro --benchmark_format=json");
  EXPECT_FALSE(micro.ingest.file);
  ASSERT_EQ(micro.thresholds.size(), 2u);
  EXPECT_EQ(micro.thresholds[0].result_metric, "BM_parse.real_time");
  EXPECT_EQ(micro.thresholds[0].unit, "ms");
  EXPECT_EQ(micro.thresholds[1].result_metric, "items_per_second");
  EXPECT_EQ(micro.thresholds[1].unit, "");
  // A file is relative to the suite's folder.
  EXPECT_EQ(suite.benchmarks[1].ingest.file, (scratch_dir() / "results/h.json").string());
}

TEST(SuiteLoader, ReadsMonitoredAndAttachedServicesAndSuiteWideResources) {
  std::string path = write_suite(
      "name: s\n"
      "services:\n"
      "  - {name: api, command: ./api, monitor: true}\n"
      "  - {name: db, attach: {pid: 1}}\n"
      "  - {name: cache, attach: {pid_file: run/cache.pid}, monitor: {interval: 100ms}}\n"
      "  - {name: pool, attach: {cgroup: /sys/fs/cgroup/pool}}\n"
      "  - {name: quiet, command: ./quiet}\n"
      "benchmarks:\n"
      "  - name: a\n"
      "    cmd: {command: x}\n"
      "    thresholds: [api.cpu_pct_max < 190%]\n"
      "  - name: b\n"
      "    cmd: {command: x}\n"
      "    needs: [db]\n"
      "resources: [api.rss < 500MB, db.fds < 1024]\n");
  Suite suite = load_suite(path, no_variables());
  ASSERT_EQ(suite.services.size(), 5u);
  EXPECT_TRUE(suite.services[0].monitor);
  EXPECT_FALSE(suite.services[0].attach);
  EXPECT_EQ(suite.services[0].monitor_interval, std::chrono::milliseconds(250));
  // attach implies monitor; an attached service has no command.
  const ServiceSpec& db = suite.services[1];
  EXPECT_TRUE(db.monitor);
  EXPECT_TRUE(db.command.empty());
  ASSERT_TRUE(db.attach);
  EXPECT_EQ(db.attach->kind, AttachTarget::Kind::kPid);
  EXPECT_EQ(db.attach->pid, 1);
  EXPECT_EQ(db.attach->shown, "pid 1");
  const ServiceSpec& cache = suite.services[2];
  ASSERT_TRUE(cache.attach);
  EXPECT_EQ(cache.attach->kind, AttachTarget::Kind::kPidFile);
  EXPECT_EQ(cache.attach->path, (scratch_dir() / "run/cache.pid").string()) << "relative to the suite's folder";
  EXPECT_EQ(cache.monitor_interval, std::chrono::milliseconds(100));
  EXPECT_EQ(suite.services[3].attach->kind, AttachTarget::Kind::kCgroup);
  EXPECT_EQ(suite.services[3].attach->path, "/sys/fs/cgroup/pool");
  EXPECT_FALSE(suite.services[4].monitored());

  ASSERT_EQ(suite.resource_thresholds.size(), 2u);
  EXPECT_EQ(suite.resource_thresholds[0].result_metric, "api.rss_max");
  // Every benchmark gets the suite's resource thresholds after its own, for the services it needs.
  const auto& a = suite.benchmarks[0].thresholds;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].result_metric, "api.cpu_pct_max");
  EXPECT_EQ(a[1].result_metric, "api.rss_max");
  EXPECT_EQ(a[1].position.line, 15);
  EXPECT_EQ(a[2].result_metric, "db.fds_max");
  const auto& b = suite.benchmarks[1].thresholds;
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].result_metric, "db.fds_max");
}

TEST(SuiteLoaderErrors, ResourcesAndAttach) {
  const std::string bench = "benchmarks:\n  - {name: a, cmd: {command: x}}\n";
  EXPECT_EQ(load_error("name: s\n" + bench + "resources: [api.rss < 500MB]\n"),
            "FILE:4:13: threshold 'api.rss < 500MB': unknown service 'api' (the suite has no services)");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, command: x}]\n" + bench + "resources: [api.rss < 500MB]\n"),
            "FILE:5:13: threshold 'api.rss < 500MB': service 'api' is not monitored (add 'monitor: true' to it, line 2)");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, command: x, monitor: true}]\n" + bench + "resources: [p95 < 5ms]\n"),
            "FILE:5:13: threshold 'p95 < 5ms': expected a service metric SERVICE.METRIC like 'api.rss' (METRIC one of "
            "cpu, cpu_pct_mean, cpu_pct_max, rss, rss_max, threads, threads_max, fds, fds_max)");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, command: x, monitor: true}]\n" + bench + "resources: api.rss\n"),
            "FILE:5:12: 'resources': expected a list of service thresholds like 'api.rss < 500MB', got a scalar");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, command: x, monitor: true}]\nbenchmarks:\n"
                       "  - {name: a, cmd: {command: x}, needs: [], thresholds: [api.rss < 1GB]}\n"),
            "FILE:4:58: threshold 'api.rss < 1GB': benchmark 'a' does not need service 'api' (add it to 'needs:')");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api}]\n" + bench),
            "FILE:2:12: missing required key 'command' in service 'api'");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, attach: {pid: 1, cgroup: /x}}]\n" + bench),
            "FILE:2:32: 'attach': expected one of {pid: N}, {pid_file: PATH} or {cgroup: PATH}, got 2 keys");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, attach: {pdi: 1}}]\n" + bench),
            "FILE:2:33: unknown attach key 'pdi'; did you mean 'pid'?");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, attach: {pid: -4}}]\n" + bench),
            "FILE:2:38: 'pid': expected a positive whole number like 10, got '-4'");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, attach: {pid: 1}, monitor: false}]\n" + bench),
            "FILE:2:51: service 'api': 'attach:' is there to monitor it; 'monitor: false' contradicts it (remove one of "
            "them)");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, attach: {pid: 1}, ready: \"tcp://h:1\"}]\n" + bench),
            "FILE:2:42: 'ready': service 'api' has no command (perfgate only attaches to it)");
  EXPECT_EQ(load_error("name: s\nservices: [{name: api, command: x, monitor: {interval: 1ms}}]\n" + bench),
            "FILE:2:56: 'interval': expected 10ms or more, got '1ms'");
}

TEST(SuiteLoaderErrors, DuplicateBenchmarkName) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) +
                       "  - name: a\n    cmd: {command: x}\n  - name: a\n    cmd: {command: y}\n"),
            "FILE:5:11: duplicate benchmark name 'a' (first defined at line 3)");
}

TEST(SuiteLoaderErrors, DuplicateKey) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    cmd: {command: x, command: y}\n"),
            "FILE:4:23: duplicate key 'command'");
}

TEST(SuiteLoaderErrors, NoKind) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    thresholds: []\n"),
            "FILE:3:5: benchmark 'a' has no kind: expected one of 'http:', 'cmd:', 'exec:', 'sse:' or 'ingest:'");
}

TEST(SuiteLoaderErrors, TwoKinds) {
  EXPECT_EQ(
      load_error(std::string(kMinimalHeader) + "  - name: a\n    http: {url: \"http://h/\"}\n    cmd: {command: x}\n"),
      "FILE:5:5: benchmark 'a' has two kinds ('http' and 'cmd'); expected exactly one");
}

TEST(SuiteLoaderErrors, MalformedYaml) {
  EXPECT_EQ(load_error("name: s\nbenchmarks:\n  - name: a\n    http: {url: \"http://h/\"\n"),
            "FILE:5:1: malformed YAML: end of map flow not found");
}

TEST(SuiteLoaderErrors, PercentWithoutSign) {
  EXPECT_EQ(load_error("name: s\nbenchmarks:\n  - {name: a, cmd: {command: x}}\nregression: {max_change: 0.1}\n"),
            "FILE:4:26: 'max_change': expected a percentage like 10%, got '0.1'");
}

TEST(SuiteLoaderErrors, BadUrl) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    http: {url: localhost:8080}\n"),
            "FILE:4:17: 'url': expected a URL like http://127.0.0.1:8080/path, got 'localhost:8080'");
}

// The keys of http: and cmd: parse their values as the flags of perfgate http and perfgate cmd do.
TEST(SuiteLoaderErrors, OptionValuesAsTheirFlags) {
  struct Case {
    const char* options;  // the inside of `cmd: {…}` or `http: {…}`
    const char* message;
  };
  const Case cases[] = {
      // A count of 0 or a negative one never runs.
      {"http: {url: \"http://h/\", requests: -3}", "FILE:4:40: 'requests': expected a whole number from 1 to "
                                                   "1000000000000, got '-3'"},
      {"http: {url: \"http://h/\", rate: 0}", "FILE:4:36: 'rate': expected a rate above 0 and at most 1e+07/s like "
                                              "1000, 1000/s or 600/m, got '0'"},
      {"cmd: {command: x, runs: 0}", "FILE:4:29: 'runs': expected a whole number from 1 to 100000000, got '0'"},
      // Rules across options name both keys.
      {"cmd: {command: x, runs: 3, min_runs: 2}",
       "FILE:4:10: 'runs': cannot be combined with 'min_runs' or 'max_runs'"},
      {"cmd: {command: x, parameter_scan: [n, 1]}", "FILE:4:39: 'parameter_scan': expected a list [NAME, MIN, MAX], "
                                                    "got 2 item(s)"},
      {"cmd: {command: x, parameter_step_size: 2}", "FILE:4:10: 'parameter_step_size': needs 'parameter_scan'"},
      {"cmd: {command: x, input: /nonexistent/in}", "FILE:4:30: 'input': cannot read '/nonexistent/in'"},
      {"cmd: {command: x, output: /nonexistent/dir/out}",
       "FILE:4:31: 'output': directory '/nonexistent/dir' does not exist"},
      {"http: {url: \"http://h/\", headers: [NoColon]}", "FILE:4:39: 'headers': expected 'Name: value' (no ':' found)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    " + c.options + "\n"), c.message) << c.options;
  }
}

TEST(SuiteLoaderErrors, ReadyForms) {
  const std::string head = "name: s\nservices:\n  - name: api\n    command: ./api\n    ready: ";
  const std::string tail = "\nbenchmarks:\n  - {name: a, cmd: {command: x}}\n";
  EXPECT_EQ(load_error(head + "tcp://127.0.0.1" + tail), "FILE:5:12: 'ready': expected tcp://HOST:PORT, got 'tcp://127.0.0.1'");
  EXPECT_EQ(load_error(head + "tcp://h:70000" + tail), "FILE:5:12: 'ready': expected tcp://HOST:PORT, got 'tcp://h:70000'");
  EXPECT_EQ(load_error(head + "localhost:8080" + tail),
            "FILE:5:12: 'ready': expected http://HOST:PORT/PATH, tcp://HOST:PORT or {command: CHECK}, got 'localhost:8080'");
  EXPECT_EQ(load_error(head + "{cmd: x}" + tail), "FILE:5:13: unknown ready key 'cmd' (expected one of command)");
}

TEST(SuiteLoaderErrors, WrongStructure) {
  EXPECT_EQ(load_error("name: s\nbenchmarks: {a: 1}\n"),
            "FILE:2:13: 'benchmarks': expected a list of benchmarks, got a mapping");
  EXPECT_EQ(load_error("name: s\nstore:\nbenchmarks:\n  - {name: a, cmd: {command: x}}\n"),
            "FILE:2:1: 'store': expected a string, got an empty value");
  EXPECT_EQ(load_error("name: s\nbenchmarks:\n  - {name: a, cmd: {command: x}, thresholds: p95}\n"),
            "FILE:3:46: 'thresholds': expected a list of thresholds like 'p95 < 50ms', got a scalar");
}

TEST(SuiteLoaderErrors, EmptyFile) {
  EXPECT_EQ(load_error(""), "FILE:1:1: the suite file is empty; expected a mapping with 'name' and 'benchmarks'");
  try {
    load_suite(scratch_dir().string(), no_variables());
    ADD_FAILURE() << "a directory loaded";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              scratch_dir().string() + ": is a directory; expected a suite file like perf/suite.yaml");
  }
}

TEST(SuiteLoaderErrors, UnreadableFile) {
  try {
    load_suite("/nonexistent/suite.yaml", no_variables());
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "/nonexistent/suite.yaml: cannot read the suite file: No such file or directory");
  }
}

TEST(SuiteLoaderInterpolation, AppliesBeforeTypeConversion) {
  EXPECT_EQ(load_error("name: s\nbenchmarks:\n  - name: a\n    http: {url: \"http://h/\", duration: \"${D}\"}\n",
                       environment_from({{"D", "soon"}})),
            "FILE:4:40: 'duration': expected a positive duration like 500ms, 10s, 2m or 1h30m, got '${D}'");  // as written
  Suite suite = load_suite(
      write_suite("name: ${SUITE:-nightly}\nbenchmarks:\n  - name: a\n"
                  "    http: {url: \"http://h:${PORT}/$$x\", connections: \"${CONNS:-8}\", duration: \"${D}\"}\n"),
      environment_from({{"PORT", "9090"}, {"D", "2s"}}));
  EXPECT_EQ(suite.name, "nightly");
  EXPECT_EQ(suite.benchmarks[0].http.url, "http://h:9090/$x");
  EXPECT_EQ(suite.benchmarks[0].http.connections, 8);
  EXPECT_EQ(suite.benchmarks[0].http.duration, seconds(2));
}


// Names are labels: a service's becomes a file name in the run folder, so nothing path-like passes.
TEST(SuiteLoaderNames, PathsAndHiddenNamesAreRejectedWhereWritten) {
  const std::string services = "name: s\nservices:\n  - name: ";
  const std::string rest = "\n    command: x\nbenchmarks:\n  - {name: a, cmd: {command: x}}\n";
  for (const char* name : {"../../../escaped", "/tmp/x/victim", ".hidden", "a b", "a/b"}) {
    EXPECT_EQ(load_error(services + "\"" + name + "\"" + rest),
              std::string("FILE:3:11: service name '") + name +
                  "': expected letters, digits, '-', '_' or '.', not starting with '.' (a name is a label, not a path)")
        << name;
  }
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: GET /health\n    cmd: {command: x}\n"),
            "FILE:3:11: benchmark name 'GET /health': expected letters, digits, '-', '_' or '.', not starting with '.' "
            "(a name is a label, not a path)");
  EXPECT_EQ(load_error(services + "api-v1.2_x" + rest), "no error");
}

// A suite whose values come from the environment keeps them only where they are used; every
// form that is shown or stored is the text as written.
TEST(SuiteLoaderSecrets, ValuesFilledInAndTextAsWrittenSideBySide) {
  auto env = environment_from({{"PORT", "8080"}, {"APIKEY", "k-secret"}, {"XKEY", "x-secret"}, {"TOKEN", "t-secret"}});
  Suite suite = load_suite(write_suite("name: s\n"
                                       "redact: [api_key]\n"
                                       "services:\n"
                                       "  - name: api\n"
                                       "    command: x\n"
                                       "    ready: \"http://127.0.0.1:${PORT}/health?api_key=${APIKEY}\"\n"
                                       "    env: {DB_PASSWORD: \"${TOKEN}\"}\n"
                                       "    env_clear: true\n"
                                       "benchmarks:\n"
                                       "  - name: get\n"
                                       "    http:\n"
                                       "      url: \"http://127.0.0.1:${PORT}/x?api_key=${APIKEY}\"\n"
                                       "      headers: {\"X-Api-Key \": \"${XKEY}\", X-Trace: t1}\n"
                                       "      redact: [X-Api-Key]\n"
                                       "    thresholds: [\"p95 < ${P95:-50}ms\"]\n"
                                       "  - name: curl\n"
                                       "    cmd: {command: \"curl -H 'Authorization: Bearer ${TOKEN}'\", "
                                       "prepare: \"echo ${TOKEN}\"}\n"
                                       "    env: {A: b}\n"),
                           env);
  const ServiceSpec& api = suite.services.at(0);
  EXPECT_EQ(*api.ready_url, "http://127.0.0.1:8080/health?api_key=k-secret");
  EXPECT_EQ(api.ready_url_shown, "http://127.0.0.1:${PORT}/health?api_key=***");
  EXPECT_EQ(api.env.at("DB_PASSWORD"), "t-secret");
  EXPECT_TRUE(api.env_clear);

  const HttpBenchmarkOptions& http = suite.benchmarks.at(0).http;
  EXPECT_EQ(http.url, "http://127.0.0.1:8080/x?api_key=k-secret");
  EXPECT_EQ(http.url_as_written, "http://127.0.0.1:${PORT}/x?api_key=${APIKEY}");
  ASSERT_EQ(http.headers.size(), 2u);
  EXPECT_EQ(http.headers[0], (std::pair<std::string, std::string>{"X-Api-Key", "x-secret"}));  // name trimmed
  EXPECT_EQ(http.headers_as_written[0], (std::pair<std::string, std::string>{"X-Api-Key", "${XKEY}"}));
  EXPECT_EQ(http.redact, (std::vector<std::string>{"api_key", "X-Api-Key"}));  // the suite's, then its own
  EXPECT_EQ(suite.benchmarks.at(0).thresholds.at(0).text, "p95 < ${P95:-50}ms");
  EXPECT_EQ(suite.benchmarks.at(0).thresholds.at(0).value, 50);

  const BenchmarkSpec& curl = suite.benchmarks.at(1);
  EXPECT_EQ(curl.cmd.commands.at(0), "curl -H 'Authorization: Bearer t-secret'");
  EXPECT_EQ(curl.cmd.commands_as_written.at(0), "curl -H 'Authorization: Bearer ${TOKEN}'");
  EXPECT_EQ(curl.cmd.prepare_as_written, "echo ${TOKEN}");
  EXPECT_EQ(curl.env.at("A"), "b");
}

TEST(SuiteLoaderSecrets, MessagesQuoteTheTextAsWrittenNeverTheValue) {
  auto env = environment_from({{"DBPASS", "hunter2"}, {"TRACE", "t1\r\nAuthorization: Bearer hunter2"}});
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const Case cases[] = {
      // a number from a secret
      {"  - name: a\n    http: {url: \"http://h/\", connections: \"${DBPASS}\"}\n",
       "FILE:4:43: 'connections': expected a whole number from 1 to 100000, got '${DBPASS}'"},
      // a header value that would smuggle a second header onto the wire
      {"  - name: a\n    http:\n      url: http://h/\n      headers: {X-Trace: \"${TRACE}\"}\n",
       "FILE:6:16: 'headers': the header value contains a line break (CR or LF) or NUL, which would start "
       "another header"},
      // a threshold
      {"  - name: a\n    cmd: {command: x}\n    thresholds: [\"p95 < ${DBPASS}\"]\n",
       "FILE:5:18: threshold 'p95 < ${DBPASS}' with its variables filled in is not a threshold like 'p95 < 50ms'"},
      // a URL that is not one
      {"  - name: a\n    http: {url: \"ftp://u:${DBPASS}@h/\"}\n",
       "FILE:4:17: 'url': unsupported scheme in 'ftp://***@h/' (expected a URL like http://127.0.0.1:8080/path)"},
  };
  for (const Case& c : cases) {
    std::string message = load_error(std::string(kMinimalHeader) + c.yaml, env);
    EXPECT_EQ(message, c.expected);
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(SuiteLoaderSecrets, EnvironmentOnlyWhereAProcessIsStarted) {
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    http: {url: \"http://h/\"}\n    env: {A: b}\n"),
            "FILE:5:5: 'env': only cmd benchmarks (and services) start a process that has an environment");
  EXPECT_EQ(load_error(std::string(kMinimalHeader) + "  - name: a\n    cmd: {command: x}\n    env: {\"A=B\": b}\n"),
            "FILE:5:11: 'env': expected variable names of letters, digits and '_' (like API_TOKEN)");
}

TEST(SuiteLoader, ReadsTheSoakBlock) {
  std::string path = write_suite(std::string(kMinimalHeader) +
                                 "  - name: a\n    http: {url: \"http://127.0.0.1:1/\"}\n"
                                 "soak: {duration: 24h, checkpoint: 30m, leak_threshold: 2MB/h, on_leak: warn, "
                                 "on_drift: fail}\n");
  Suite suite = load_suite(path, no_variables());
  ASSERT_TRUE(suite.soak);
  EXPECT_EQ(suite.soak->duration, std::chrono::hours(24));
  EXPECT_EQ(suite.soak->checkpoint, std::chrono::minutes(30));
  EXPECT_DOUBLE_EQ(*suite.soak->leak_threshold_bytes_per_h, 2.0 * 1024 * 1024);
  EXPECT_TRUE(suite.soak->warn_on_leak);
  EXPECT_FALSE(suite.soak->warn_on_drift);
  EXPECT_EQ(suite.soak->position.line, 5);

  Suite plain = load_suite(write_suite(std::string(kMinimalHeader) + "  - name: a\n    http: {url: \"http://h/\"}\n"),
                           no_variables());
  EXPECT_FALSE(plain.soak);
}

TEST(SuiteLoaderErrors, SoakKeysAndValues) {
  std::string bench = std::string(kMinimalHeader) + "  - name: a\n    http: {url: \"http://h/\"}\n";
  EXPECT_EQ(load_error(bench + "soak: {duration: 1h, on_leak: maybe}\n"),
            "FILE:5:31: 'on_leak': expected fail or warn, got 'maybe'");
  EXPECT_EQ(load_error(bench + "soak: {duration: 1h, leak_threshold: lots}\n"),
            "FILE:5:38: 'leak_threshold': expected a growth like 1MB/h, got 'lots'");
  EXPECT_EQ(load_error(bench + "soak: {durations: 1h}\n"),
            "FILE:5:8: unknown soak key 'durations'; did you mean 'duration'?");
  EXPECT_EQ(load_error(bench + "soak: {checkpoint: 0s}\n"),
            "FILE:5:20: 'checkpoint': expected a positive duration like 10s, got '0s'");
}

}  // namespace
}  // namespace perfgate::suite

namespace perfgate::suite {
namespace {

// `callback:` is one mapping under `http:` whose keys are the option table's `callback.*` rows.
TEST(SuiteLoaderCallbacks, ReadsTheCallbackMapping) {
  std::string path = write_suite(std::string(kMinimalHeader) +
                                 "  - name: job\n"
                                 "    http:\n"
                                 "      url: \"http://127.0.0.1:9/jobs?callback_url=${callback_url}&id=${request_id}\"\n"
                                 "      callback: {listen: \"[::1]:0\", id_from: \"header:X-Id\", timeout: 3s}\n"
                                 "    thresholds: [callback_p99 < 500ms, callbacks_lost <= 0]\n");
  Suite suite = load_suite(path, no_variables());
  const HttpBenchmarkOptions& http = suite.benchmarks.at(0).http;
  ASSERT_TRUE(http.callback_host);
  EXPECT_EQ(*http.callback_host, "::1");
  EXPECT_EQ(http.callback_port, 0);
  EXPECT_EQ(http.callback_id_from.value_or(""), "header:X-Id");
  EXPECT_EQ(http.callback_timeout.value_or(Nanos{0}), std::chrono::seconds(3));
  EXPECT_EQ(suite.benchmarks.at(0).thresholds.at(0).result_metric, "callback_latency_p99");
}

TEST(SuiteLoaderCallbacks, RefusesUnknownKeysRemoteAddressesAndAnIdWithoutListen) {
  std::string head = std::string(kMinimalHeader) + "  - name: job\n    http:\n      url: \"http://127.0.0.1:9/\"\n";
  EXPECT_EQ(load_error(head + "      callback: {listen: \"127.0.0.1:0\", idfrom: json:id}\n"),
            "FILE:6:41: unknown callback option 'idfrom'; did you mean 'id_from'?");
  EXPECT_EQ(load_error(head + "      callback: {listen: \"10.1.2.3:80\"}\n"),
            "FILE:6:26: 'callback.listen': the callback listener listens on this machine only: expected "
            "127.0.0.1:PORT or [::1]:PORT, got '10.1.2.3:80'");
  EXPECT_EQ(load_error(head + "      callback: {timeout: 1s}\n"),
            "FILE:5:7: 'callback.timeout': needs 'callback.listen' (where perfgate listens for the callbacks)");
  EXPECT_EQ(load_error(head + "      callback: 127.0.0.1:0\n"),
            "FILE:6:17: 'callback': expected a mapping of http callback options, got a scalar");
}

}  // namespace
}  // namespace perfgate::suite
