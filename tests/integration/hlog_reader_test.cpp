// --hlog is read by HdrHistogram's own log reader: the real binary writes interval logs from
// `http`, `exec`, `sse` and a soak against local servers, and a small Java program
// (tests/integration/hlog/HlogDump.java, compiled here against the Debian package
// libhdrhistogram-java) reads each with org.HdrHistogram.HistogramLogReader. Its intervals, counts
// and percentiles must be those of perfgate's result document; perfgate's own reader
// (core/hdr_interval_log.hpp) decodes the same log to the same counts.
#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/hdr_interval_log.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const std::string kHdrHistogramJar = "/usr/share/java/hdrhistogram.jar";
const std::string kReaderSource = std::string(PERFGATE_SOURCE_DIR) + "/tests/integration/hlog/HlogDump.java";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What HlogDump printed.
struct JavaInterval {
  double start_s = 0, end_s = 0;
  std::int64_t count = 0, max_ns = 0;
};
struct JavaLog {
  double start_time_s = 0;
  std::vector<JavaInterval> intervals;
  std::int64_t count = 0, max_ns = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0;
};

JavaLog parse_java_output(const std::string& out) {
  JavaLog log;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "start_time_s") {
      fields >> log.start_time_s;
    } else if (kind == "interval") {
      JavaInterval interval;
      fields >> interval.start_s >> interval.end_s >> interval.count >> interval.max_ns;
      log.intervals.push_back(interval);
    } else if (kind == "total") {
      fields >> log.count >> log.max_ns >> log.p50_ns >> log.p90_ns >> log.p99_ns >> log.p999_ns;
    } else {
      ADD_FAILURE() << "HlogDump printed an unexpected line: " << line;
    }
  }
  return log;
}

// Within HdrHistogram's precision: 3 significant digits (a bucket is 1/1024 of its value wide at most).
void expect_same_value(std::int64_t java_ns, double ours_ms, const char* what) {
  double java_ms = static_cast<double>(java_ns) / 1e6;
  EXPECT_NEAR(java_ms, ours_ms, std::max(ours_ms * 1e-3, 1e-6)) << what;
}

class HlogJavaReader : public TempDirTest {
 protected:
  HlogJavaReader() : TempDirTest("perfgate-hlog-reader") {}

  // HlogDump compiled once for the suite, into a folder of its own.
  static void SetUpTestSuite() {
    ProcessOutput found = run_process({"sh", "-c", "command -v javac && command -v java"});
    if (found.exit_code != 0 || !std::filesystem::exists(kHdrHistogramJar)) {
      setup_error_ = "javac, java or " + kHdrHistogramJar +
                     " is missing: run scripts/install-deps.sh (it installs openjdk-17-jdk-headless and "
                     "libhdrhistogram-java)";
      return;
    }
    char pattern[] = "/tmp/perfgate-hlogdump-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      setup_error_ = "cannot create a folder for the compiled reader";
      return;
    }
    classes_ = pattern;
    ProcessOutput compiled = run_process({"javac", "-d", classes_, "-cp", kHdrHistogramJar, kReaderSource},
                                         std::chrono::seconds(180));
    if (compiled.exit_code != 0) setup_error_ = "javac failed on " + kReaderSource + ":\n" + compiled.out + compiled.err;
  }
  static void TearDownTestSuite() {
    if (!classes_.empty()) std::filesystem::remove_all(classes_);
    classes_.clear();
    setup_error_.clear();
  }

  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  // Reads `hlog` with HistogramLogReader.
  static JavaLog read_with_java(const std::string& hlog) {
    ProcessOutput out = run_process({"java", "-cp", classes_ + ":" + kHdrHistogramJar, "HlogDump", hlog},
                                    std::chrono::seconds(180));
    EXPECT_EQ(out.exit_code, 0) << "HistogramLogReader could not read " << hlog << ":\n" << out.err;
    return parse_java_output(out.out);
  }

  // The benchmark object of the result document perfgate wrote to `json_path`.
  static json benchmark(const std::string& json_path) {
    json doc = json::parse(read_text(json_path), nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << json_path << ": " << read_text(json_path);
    if (doc.is_discarded()) return json::object();
    return doc["benchmarks"][0];
  }

  // HdrHistogram's reader and ours agree with the document: `intervals` whole seconds (each
  // starting on its second, the last one perhaps short), `count` latencies in all, the same
  // percentiles as latency_ms.
  static void expect_log_matches(const std::string& hlog, const json& b, std::uint64_t count, std::size_t intervals) {
    JavaLog java = read_with_java(hlog);
    EXPECT_GT(java.start_time_s, 1.7e9);
    ASSERT_EQ(java.intervals.size(), intervals) << read_text(hlog);
    std::int64_t java_counted = 0;
    for (std::size_t i = 0; i < java.intervals.size(); ++i) {
      EXPECT_NEAR(java.intervals[i].start_s, static_cast<double>(i), 0.002) << "interval " << i;
      EXPECT_GT(java.intervals[i].end_s, java.intervals[i].start_s) << "interval " << i;
      EXPECT_LE(java.intervals[i].end_s, static_cast<double>(i + 1) + 0.002) << "interval " << i;
      java_counted += java.intervals[i].count;
    }
    EXPECT_EQ(java.count, java_counted);
    EXPECT_EQ(static_cast<std::uint64_t>(java.count), count);
    const json& latency = b["latency_ms"];
    expect_same_value(java.p50_ns, latency["p50"].get<double>(), "p50");
    expect_same_value(java.p90_ns, latency["p90"].get<double>(), "p90");
    expect_same_value(java.p99_ns, latency["p99"].get<double>(), "p99");
    expect_same_value(java.p999_ns, latency["p999"].get<double>(), "p99.9");
    expect_same_value(java.max_ns, latency["max"].get<double>(), "max");

    // perfgate's own reader decodes the same counts, interval by interval.
    std::string error;
    auto ours = read_hdr_log(read_text(hlog), &error);
    ASSERT_TRUE(ours) << error;
    EXPECT_NEAR(ours->start_time_s, java.start_time_s, 0.001);
    ASSERT_EQ(ours->intervals.size(), java.intervals.size());
    for (std::size_t i = 0; i < ours->intervals.size(); ++i) {
      EXPECT_EQ(ours->intervals[i].histogram.total_count(), java.intervals[i].count) << "interval " << i;
      // The Interval_Max column is in ms with 3 decimals, as HdrHistogram's writer prints it.
      const double java_max_ms = static_cast<double>(java.intervals[i].max_ns) / 1e6;
      EXPECT_NEAR(ours->intervals[i].max_ms, java_max_ms, 0.0005 + java_max_ms * 1e-3) << "interval " << i;
    }
  }

  static inline std::string classes_;
  static inline std::string setup_error_;
};

TEST_F(HlogJavaReader, ReadsTheLogOfHttp) {
  ServeProcess serve({"--quiet"});
  ProcessOutput out = run_perfgate({"http", serve.url("/health"), "-d", "3s", "-c", "4", "-t", "2", "-q", "--json",
                                    path("r.json"), "--hlog", path("http.hlog")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json b = benchmark(path("r.json"));
  expect_log_matches(path("http.hlog"), b, b["requests"]["total"].get<std::uint64_t>(), 3);
}

// exec's latency: every measured operation (errors and timeouts too), as requests.total counts them.
TEST_F(HlogJavaReader, ReadsTheLogOfExec) {
  ProcessOutput out = run_perfgate({"exec", "-d", "3s", "--warmup", "1s", "--rate", "250", "--workers", "2", "-q",
                                    "--json", path("r.json"), "--hlog", path("exec.hlog"), "--", PERFGATE_ECHO_WORKER});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json b = benchmark(path("r.json"));
  EXPECT_EQ(b["requests"]["total"].get<std::uint64_t>(), 750u);  // the warm-up's 250 are not in it
  expect_log_matches(path("exec.hlog"), b, b["requests"]["total"].get<std::uint64_t>(), 3);
}

// sse's latency: the delivery latency of every (event, subscriber) received in time, the
// document's latency_ms and requests.ok; two subscriber threads, whose seconds are merged.
TEST_F(HlogJavaReader, ReadsTheLogOfSse) {
  ServeProcess serve({"--quiet"});
  ProcessOutput out = run_perfgate({"sse", serve.url("/events"), "--publish", serve.url("/publish"), "-s", "6", "-t", "2",
                                    "--rate", "50", "-d", "3s", "--timeout", "2s", "-q", "--json", path("r.json"), "--hlog",
                                    path("sse.hlog")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json b = benchmark(path("r.json"));
  EXPECT_EQ(b["events"]["received"].get<std::uint64_t>(), 150u * 6);
  expect_log_matches(path("sse.hlog"), b, b["requests"]["ok"].get<std::uint64_t>(), 3);
}

// A soak's logs (runs/RUN/BENCH.hlog), streamed a second at a time, of an exec: and an sse:
// benchmark soaked together.
TEST_F(HlogJavaReader, ReadsTheLogsOfASoak) {
  ServeProcess serve({"--quiet"});
  write("soak.yaml", "name: soaked\nbenchmarks:\n"
                     "  - name: worker\n    exec: {command: " + std::string(PERFGATE_ECHO_WORKER) +
                     ", rate: 200/s, workers: 2}\n"
                     "  - name: stream\n    sse: {url: \"" + serve.url("/events") + "\", publish: \"" +
                     serve.url("/publish") + "\", rate: 40/s, subscribers: 2, threads: 2, timeout: 1s}\n");
  ProcessOutput out = run_process({"sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir_, perfgate_binary(), "run",
                                   "soak.yaml", "--soak", "3s", "--checkpoint", "1s", "--store", "h.db", "-q"});
  ASSERT_EQ(out.exit_code, 0) << out.out << out.err;
  auto at = out.out.find("interval logs in ");
  ASSERT_NE(at, std::string::npos) << out.out;
  at += 17;
  const std::string folder = out.out.substr(at, out.out.find(')', at) - at);
  const std::string run_folder = folder.starts_with("/") ? folder : dir_ + "/" + folder;
  json doc = json::parse(read_text(run_folder + "/result.json"), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << run_folder;
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  const json& worker = doc["benchmarks"][0];
  const json& stream = doc["benchmarks"][1];
  EXPECT_EQ(worker["requests"]["total"].get<std::uint64_t>(), 600u);
  EXPECT_EQ(stream["events"]["received"].get<std::uint64_t>(), 120u * 2);
  expect_log_matches(run_folder + "/worker.hlog", worker, worker["requests"]["total"].get<std::uint64_t>(), 3);
  expect_log_matches(run_folder + "/stream.hlog", stream, stream["requests"]["ok"].get<std::uint64_t>(), 3);
}

// Ctrl-C: the seconds measured so far are written, the last one short, and still add up to the
// document's count.
TEST_F(HlogJavaReader, AnInterruptedExecWritesTheSecondsItMeasured) {
  BackgroundProcess run({perfgate_binary(), "exec", "-d", "60s", "--rate", "200", "-q", "--json", path("r.json"),
                         "--hlog", path("exec.hlog"), "--", PERFGATE_ECHO_WORKER});
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the worker's start, then a second or two
  run.signal(SIGINT);
  ASSERT_EQ(run.wait(std::chrono::seconds(20)), 130) << run.err();
  json b = benchmark(path("r.json"));
  EXPECT_TRUE(b["interrupted"].get<bool>());
  const double measured_s = b["duration_s"].get<double>();
  ASSERT_GT(measured_s, 0.0);
  expect_log_matches(path("exec.hlog"), b, b["requests"]["total"].get<std::uint64_t>(),
                     static_cast<std::size_t>(std::ceil(measured_s)));
}

TEST(HlogOption, APathThatCannotBeWrittenExits2NamingTheOption) {
  const std::string bad = "/nonexistent-perfgate-dir/x.hlog";
  std::vector<std::vector<std::string>> runs = {
      {"exec", "-n", "10", "--hlog", bad, "--", PERFGATE_ECHO_WORKER},
      {"sse", "http://127.0.0.1:9/events", "--publish", "http://127.0.0.1:9/publish", "--hlog", bad},
      {"http", "http://127.0.0.1:9/", "-n", "10", "--hlog", bad},
  };
  for (const auto& args : runs) {
    ProcessOutput out = run_perfgate(args);
    EXPECT_EQ(out.exit_code, 2) << args[0] << ": " << out.err;
    EXPECT_THAT(out.err, HasSubstr("--hlog")) << args[0];
    EXPECT_THAT(out.err, HasSubstr("nonexistent-perfgate-dir")) << args[0];
  }
}

}  // namespace
}  // namespace perfgate::testing
