// Callbacks end to end: `perfgate http --callback-listen` against `perfgate serve --callback-delay`
// (a target whose asynchronous answer has a known latency), against a tiny in-test service that
// drops every 10th callback and doubles every 7th, and in a suite with thresholds, reports and
// the store. Bad callback options exit 2 before anything is sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/text_template.hpp"
#include "http/message_fields.hpp"
#include "http/request_reader.hpp"
#include "run/engine_options.hpp"
#include "run/http_load.hpp"
#include "serve/callbacks.hpp"
#include "suite/http_options.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// The request every test sends: serve reads where to call back and the id from the query.
std::string job_url(int port, const std::string& extra = "") {
  return "http://127.0.0.1:" + std::to_string(port) + "/job?callback_url=${callback_url}&id=${request_id}" + extra;
}

double metric(const json& benchmark, const std::string& name) {
  for (const auto& m : benchmark["metrics"]) {
    if (m["name"] == name) return m["value"].get<double>();
  }
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

json benchmark_of(const ProcessOutput& out) {
  json doc = json::parse(out.out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("benchmarks")) {
    ADD_FAILURE() << "no result document: " << out.out << out.err;
    return json::object();
  }
  return doc["benchmarks"][0];
}

TEST(Callbacks, AKnownDelayGivesItsLatencyClosedModel) {
  ServeProcess serve({"--quiet", "--callback-delay", "50ms"});
  ProcessOutput out = run_perfgate({"http", job_url(serve.port()), "-c", "2", "-t", "1", "-n", "40", "--callback-listen",
                                    "127.0.0.1:0", "--json", "-", "--quiet"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json b = benchmark_of(out);
  EXPECT_EQ(b["status"]["202"], 40);
  EXPECT_EQ(metric(b, "callbacks_received"), 40);
  EXPECT_EQ(metric(b, "callbacks_lost"), 0);
  EXPECT_EQ(metric(b, "callbacks_duplicate"), 0);
  EXPECT_EQ(metric(b, "callbacks_unknown"), 0);
  // From the send: serve's 50 ms plus the way there and back, never less.
  EXPECT_GE(metric(b, "callback_latency_p50"), 50);
  EXPECT_LE(metric(b, "callback_latency_p50"), 50 + 250);
  EXPECT_GE(metric(b, "callback_latency_max"), metric(b, "callback_latency_p99"));
  EXPECT_EQ(b["callbacks"]["expected"], 40);
  EXPECT_EQ(b["callbacks"]["id_from"], "json:id");
  EXPECT_EQ(b["config"]["callback"]["listen"], "127.0.0.1:0");
  EXPECT_THAT(b["callbacks"]["url"].get<std::string>(), HasSubstr("http://127.0.0.1:"));
}

TEST(Callbacks, TheOpenModelTimesFromTheScheduledSendAndTheSummarySaysSo) {
  ServeProcess serve({"--quiet", "--callback-delay", "80ms", "--jitter", "10ms"});
  ProcessOutput out = run_perfgate({"http", job_url(serve.port()), "-c", "4", "-t", "1", "--rate", "40", "-n", "20",
                                    "--callback-listen", "[::1]:0", "--callback-id", "json:id", "--json", "-"});
  ASSERT_EQ(out.exit_code, 0) << out.out << out.err;
  json b = benchmark_of(out);
  EXPECT_EQ(metric(b, "callbacks_received"), b["requests"]["ok"].get<double>());
  EXPECT_EQ(metric(b, "callbacks_lost"), 0);
  EXPECT_GE(metric(b, "callback_latency_p50"), 70);  // 80 ms ± 10 ms
  EXPECT_THAT(b["callbacks"]["url"].get<std::string>(), HasSubstr("http://[::1]:"));
  // With the document on stdout the summary is on stderr.
  EXPECT_THAT(out.err, HasSubstr(" lost, 0 duplicate, 0 unknown"));
  EXPECT_THAT(out.err, HasSubstr("(from the scheduled send)"));
}

TEST(Callbacks, TheRunWaitsForStragglersUpToTheTimeoutThenCountsLost) {
  ServeProcess slow({"--quiet", "--callback-delay", "700ms"});
  auto started = std::chrono::steady_clock::now();
  ProcessOutput waited = run_perfgate({"http", job_url(slow.port()), "-c", "1", "-n", "3", "--callback-listen",
                                       "127.0.0.1:0", "--callback-timeout", "5s", "--json", "-", "--quiet"});
  ASSERT_EQ(waited.exit_code, 0) << waited.err;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(700));  // the end waited for them
  json b = benchmark_of(waited);
  EXPECT_EQ(metric(b, "callbacks_received"), 3);
  EXPECT_EQ(metric(b, "callbacks_lost"), 0);
  EXPECT_GE(metric(b, "callback_latency_p50"), 700);

  // A timeout shorter than the delay: every callback is lost, none timed.
  ProcessOutput lost = run_perfgate({"http", job_url(slow.port()), "-c", "1", "-n", "3", "--callback-listen",
                                     "127.0.0.1:0", "--callback-timeout", "200ms", "--json", "-", "--quiet"});
  ASSERT_EQ(lost.exit_code, 0) << lost.err;
  b = benchmark_of(lost);
  EXPECT_EQ(metric(b, "callbacks_received"), 0);
  EXPECT_EQ(metric(b, "callbacks_lost"), 3);
}

// A tiny service: answers every request 202 and calls back through serve's sender, except that
// it drops every 10th callback and sends every 7th (not dropped) twice; at the end it also calls
// back an id that was never sent and one that is not an id at all.
class FaultyService {
 public:
  // After `requests` requests it also calls back the two stray ids.
  explicit FaultyService(std::uint64_t requests) : strays_after_(requests) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listen_fd_, 16);
    socklen_t length = sizeof address;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FaultyService() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) converse(fd);
    }
  }

  void converse(int fd) {
    http::RequestReader reader;
    std::string input;
    std::string url, id;
    char chunk[4096];
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) break;
      input.append(chunk, static_cast<std::size_t>(n));
      while (true) {
        http::RequestStep step = reader.feed(input);
        if (step.event == http::RequestEvent::kHead) {
          url = http::percent_decode(http::query_parameter(reader.head().query(), "callback_url").value_or(""));
          id = http::percent_decode(http::query_parameter(reader.head().query(), "id").value_or(""));
        }
        input.erase(0, step.consumed);
        if (step.event == http::RequestEvent::kNeedMore || step.event == http::RequestEvent::kError) break;
        if (step.event == http::RequestEvent::kComplete) {
          std::string_view accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
          ::send(fd, accepted.data(), accepted.size(), MSG_NOSIGNAL);
          std::uint64_t k = requests_++;
          if (k + 1 == strays_after_) post_strays(url, id);
          if (k % 10 == 9) continue;  // dropped
          sender_.post_at(monotonic_ns(), url, id);
          if (k % 7 == 6) sender_.post_at(monotonic_ns(), url, id);  // doubled
        }
      }
    }
    ::close(fd);
  }

  void post_strays(const std::string& url, const std::string& id) {
    std::string nonce = id.substr(0, id.find('-'));
    sender_.post_at(monotonic_ns(), url, nonce + "-1000000");  // ours in form, never sent
    sender_.post_at(monotonic_ns(), url, "nope");
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::uint64_t strays_after_;
  std::uint64_t requests_ = 0;
  serve::detail::CallbackSender sender_;
  std::thread thread_;
};

TEST(Callbacks, DroppedDoubledAndUnknownCallbacksAreCountedExactly) {
  FaultyService service(70);
  suite::HttpBenchmarkOptions options;
  options.url = job_url(service.port());
  options.connections = 1;
  options.threads = 1;
  options.requests = 70;
  options.callback_host = "127.0.0.1";
  options.callback_timeout = std::chrono::seconds(1);
  run::PreparedHttp prepared = run::build_http(options, [](std::string_view key) { return std::string(key); });
  http::LoadResult result = run::run_http_load(prepared, {});
  ASSERT_TRUE(result.callbacks);
  const http::CallbackTotals& cb = *result.callbacks;
  // 70 requests: every 10th dropped (9, 19, …, 69: 7); every 7th doubled (6, 13, …, 62: 9; 69 was dropped).
  EXPECT_EQ(result.total, 70u);
  EXPECT_EQ(cb.expected, 70u);
  EXPECT_EQ(cb.received, 63u);
  EXPECT_EQ(cb.lost, 7u);
  EXPECT_EQ(cb.duplicate, 9u);
  EXPECT_EQ(cb.unknown, 2u);
  EXPECT_EQ(cb.latency.total_count(), 63);
}

TEST(Callbacks, BadCallbackOptionsExit2BeforeAnythingIsSent) {
  ServeProcess serve({"--quiet", "--callback-delay", "1ms"});
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--callback-listen", "127.0.0.1:0", "--callback-id", "nope:x"},
       "--callback-id: expected json:FIELD, header:NAME or query:NAME (e.g. json:id), got 'nope:x'"},
      {{"--callback-listen", "127.0.0.1:0", "--callback-id", "json:"}, "--callback-id: expected a name after 'json:'"},
      {{"--callback-listen", "0.0.0.0:0"}, "--callback-listen: the callback listener listens on this machine only"},
      {{"--callback-listen", "192.168.1.1:9000"}, "listens on this machine only"},
      {{"--callback-listen", "127.0.0.1:70000"}, "--callback-listen: expected a whole number from 0 to 65535"},
      {{"--callback-listen", "127.0.0.1"}, "--callback-listen: expected HOST:PORT"},
      {{"--callback-timeout", "1s"}, "--callback-timeout: needs --callback-listen"},
      {{"--callback-listen", "127.0.0.1:0", "--callback-timeout", "0s"}, "--callback-timeout: expected a positive duration"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"http", job_url(serve.port()), "-n", "5"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    ProcessOutput out = run_perfgate(args);
    EXPECT_EQ(out.exit_code, 2) << c.message << ": " << out.err;
    EXPECT_THAT(out.err, HasSubstr(c.message));
  }
  // Without ${request_id} no callback could be matched.
  ProcessOutput plain = run_perfgate({"http", "http://127.0.0.1:" + std::to_string(serve.port()) + "/", "-n", "5",
                                      "--callback-listen", "127.0.0.1:0"});
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_THAT(plain.err, HasSubstr("--callback-listen: the requests carry no ${request_id}"));
}

class CallbackSuite : public TempDirTest {
 protected:
  CallbackSuite() : TempDirTest("perfgate-callback") {}
};

TEST_F(CallbackSuite, ThresholdsReportsAndTheStoreSeeTheCallbackMetrics) {
  int port = free_port();
  write("suite.yaml",
        "name: callbacks\n"
        "services:\n"
        "  - name: target\n"
        "    command: exec " + perfgate_binary() + " serve --port " + std::to_string(port) +
        " --callback-delay 20ms --quiet\n"
        "    ready: http://127.0.0.1:" + std::to_string(port) + "/health\n"
        "benchmarks:\n"
        "  - name: job\n"
        "    http:\n"
        "      url: \"" + job_url(port) + "\"\n"
        "      method: POST\n"
        "      requests: 30\n"
        "      connections: 3\n"
        "      threads: 1\n"
        "      callback: {listen: \"127.0.0.1:0\", id_from: \"json:id\", timeout: 2s}\n"
        "    thresholds: [callback_p99 < 5s, callbacks_lost <= 0, callback_p50 < 1ms]\n");
  std::string run = "cd \"" + dir_ + "\" && exec \"$0\" run suite.yaml --store h.db --json r.json --markdown r.md "
                    "--junit r.xml --html r.html -q";
  ProcessOutput out = run_process({"sh", "-c", run, perfgate_binary()});
  EXPECT_EQ(out.exit_code, 1) << out.out << out.err;  // callback_p50 < 1ms cannot hold with a 20 ms delay
  json doc = json::parse(read("r.json"));
  const json& b = doc["benchmarks"][0];
  EXPECT_EQ(b["requests"]["ok"], 30);
  EXPECT_EQ(metric(b, "callbacks_received"), 30);
  EXPECT_EQ(metric(b, "callbacks_lost"), 0);
  EXPECT_GE(metric(b, "callback_latency_p50"), 20);
  ASSERT_EQ(doc["checks"].size(), 3u);
  EXPECT_EQ(doc["checks"][0]["passed"], true);
  EXPECT_EQ(doc["checks"][1]["passed"], true);
  EXPECT_EQ(doc["checks"][2]["passed"], false);
  EXPECT_THAT(read("r.md"), HasSubstr("`callback_p99 < 5000ms`"));
  EXPECT_THAT(read("r.xml"), HasSubstr("callback_p50 &lt; 1ms"));
  EXPECT_THAT(read("r.html"), HasSubstr("callback_latency_p99"));
  EXPECT_THAT(out.out, HasSubstr("callbacks   30 received, 0 lost"));
  ProcessOutput history = run_process({"sh", "-c", "cd \"" + dir_ + "\" && exec \"$0\" history --store h.db --benchmark job "
                                       "--metric callbacks_received --json -", perfgate_binary()});
  EXPECT_THAT(history.out, HasSubstr("\"value\": 30.0")) << history.out << history.err;
}

}  // namespace
}  // namespace perfgate::testing
