// Integration tests: the figures of `perfgate http` against a known truth — an outage of a
// known length, a server that resets after answering, requests still in flight at the end,
// a schedule split over threads, and the file-descriptor limit.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/shared_serve.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json parse_benchmark(const ProcessOutput& out) {
  json doc = json::parse(out.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << "stdout was not JSON: " << out.out << "\nstderr: " << out.err;
  if (doc.is_discarded() || !doc.contains("benchmarks")) return json::object();
  return doc["benchmarks"][0];
}

json run_http(const std::vector<std::string>& args, int expected_exit = 0) {
  std::vector<std::string> full{"http", "--quiet", "--json", "-"};
  full.insert(full.end(), args.begin(), args.end());
  ProcessOutput out = run_perfgate(full, std::chrono::seconds(60));
  EXPECT_EQ(out.exit_code, expected_exit) << out.err;
  return parse_benchmark(out);
}

std::uint64_t count(const json& b, const char* group, const char* key) { return b[group][key].get<std::uint64_t>(); }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A `perfgate serve` on a port of its own that the test ends and restarts, and an open-model
// `perfgate http` run against it in the background, writing its document to a file.
class TargetUnderLoad {
 public:
  TargetUnderLoad(const std::string& name, const std::vector<std::string>& load_args)
      : port_(free_port()), json_path_(::testing::TempDir() + "/" + name + ".json") {
    start_target();
    std::vector<std::string> argv{perfgate_binary(), "http", "http://127.0.0.1:" + std::to_string(port_) + "/health",
                                  "--quiet", "--json", json_path_};
    argv.insert(argv.end(), load_args.begin(), load_args.end());
    load_ = std::make_unique<BackgroundProcess>(argv);
  }
  void start_target() {
    server_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{perfgate_binary(), "serve", "--quiet", "--port", std::to_string(port_)});
    ASSERT_TRUE(wait_for_port(port_));
  }
  void stop_target() { server_.reset(); }  // ends the server and reaps it
  // Waits for the load to end (exit 0) and returns its benchmark object.
  json result() {
    EXPECT_EQ(load_->wait(std::chrono::seconds(30)), 0) << load_->err();
    json doc = json::parse(read_text(json_path_), nullptr, false);
    return doc.is_discarded() ? json::object() : doc["benchmarks"][0];
  }

 private:
  int port_;
  std::string json_path_;
  std::unique_ptr<BackgroundProcess> server_;
  std::unique_ptr<BackgroundProcess> load_;
};

TEST(HttpSchedule, AnOutageNeitherEatsNorStopsTheSchedule) {
  // -r 10 for 4 s is 40 scheduled requests, whatever happens to the target. It goes away for
  // 0.5 s a second in: the requests due meanwhile wait for a connection (their latency grows
  // from their due time), then the schedule goes on; connection attempts are not requests.
  TargetUnderLoad run("outage", {"-r", "10", "-c", "20", "-t", "2", "-d", "4s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  run.stop_target();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  run.start_target();
  json b = run.result();
  EXPECT_EQ(count(b, "requests", "total"), 40u) << b.dump(1);
  EXPECT_EQ(count(b, "errors", "connect"), 0u);
  EXPECT_GE(count(b, "requests", "ok"), 38u);  // one may have been in flight at the kill
  // Requests went out to the very end, at the rate asked for.
  ASSERT_EQ(b["timeline"].size(), 4u) << b["timeline"];
  EXPECT_NEAR(b["timeline"][3]["requests"].get<double>(), 10.0, 1.0) << b["timeline"];
  EXPECT_EQ(b["throughput_rps"], 10.0);
  // About five requests were due during the outage and waited for it to end.
  EXPECT_GE(b["schedule"]["waited_for_connection"].get<int>(), 3);
  EXPECT_GE(b["latency_ms"]["max"].get<double>(), 300.0);
}

TEST(HttpSchedule, ATargetThatIsDownFailsEachScheduledRequestOnce) {
  // The target goes away for good: each request due afterwards fails as one connect error
  // once its own timeout has passed, at the schedule's pace, never the reconnects' pace.
  TargetUnderLoad run("down", {"-r", "20", "-c", "4", "-t", "1", "-d", "2s", "--timeout", "300ms"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  run.stop_target();
  json b = run.result();
  EXPECT_EQ(count(b, "requests", "total"), 40u) << b.dump(1);
  EXPECT_EQ(count(b, "requests", "ok") + count(b, "requests", "errors"), 40u);
  EXPECT_GE(count(b, "errors", "connect") + count(b, "errors", "timeout"), 25u);
}

// A server that answers each request and then resets the connection: the client's next
// send on it often fails at once (the reset is already there).
class AnswerThenReset {
 public:
  AnswerThenReset() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 64), 0);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~AnswerThenReset() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int answered() const { return answered_.load(); }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd r{fd, POLLIN, 0};
        if (::poll(&r, 1, 1000) <= 0) break;
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      if (request.find("\r\n\r\n") != std::string::npos) {
        static constexpr char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        if (::write(fd, kResponse, sizeof kResponse - 1) == static_cast<ssize_t>(sizeof kResponse - 1)) ++answered_;
      }
      linger reset{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(fd);
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

TEST(HttpOutcomes, EverySendEndsInExactlyOneOutcome) {
  // A send that fails at once is a failed request: -n 200 makes 200 attempts and finishes.
  AnswerThenReset server;
  json b = run_http({"http://127.0.0.1:" + std::to_string(server.port()) + "/", "-n", "200", "-c", "1", "-t", "1"});
  EXPECT_EQ(count(b, "requests", "total"), 200u);
  EXPECT_EQ(count(b, "requests", "ok") + count(b, "requests", "errors"), 200u);
  EXPECT_EQ(count(b, "requests", "ok"), static_cast<std::uint64_t>(server.answered()));
  EXPECT_EQ(count(b, "errors", "reset"), count(b, "requests", "errors"));
  EXPECT_GT(count(b, "errors", "reset"), 0u);
}

class HttpEnd : public SharedServe<> {};

TEST_F(HttpEnd, RequestsInFlightAtTheEndAreAwaited) {
  // Two requests of 1.5 s each, sent in a 1 s window: both complete within the grace period.
  json b = run_http({server_->url("/x?delay=1500ms"), "-c", "2", "-t", "1", "-d", "1s"});
  EXPECT_EQ(count(b, "requests", "total"), 2u);
  EXPECT_EQ(count(b, "requests", "ok"), 2u);
  EXPECT_GE(b["latency_ms"]["p50"].get<double>(), 1490.0);
  EXPECT_TRUE(b["valid"].get<bool>());
  EXPECT_EQ(b["config"]["grace_s"], 10.0);
}

TEST_F(HttpEnd, BeyondTheGracePeriodTheyAreTimeoutsAndNothingCompletedExits3) {
  ProcessOutput out = run_perfgate({"http", server_->url("/x?delay=3s"), "-c", "2", "-t", "1", "-d", "1s", "--grace",
                                    "300ms", "--json", "-"},
                                   std::chrono::seconds(30));
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_THAT(out.err, HasSubstr("no request completed"));
  json b = parse_benchmark(out);
  EXPECT_EQ(count(b, "requests", "total"), 2u);
  EXPECT_EQ(count(b, "errors", "timeout"), 2u);
  EXPECT_FALSE(b["valid"].get<bool>());
  EXPECT_THAT(b["invalid_reason"].get<std::string>(), HasSubstr("no request completed"));
  // Recorded at the latency they had when abandoned: 1 s + 0.3 s of grace.
  EXPECT_NEAR(b["latency_ms"]["p50"].get<double>(), 1300.0, 100.0);
  EXPECT_EQ(b["latency_timeout_samples"], 2);
  EXPECT_THAT(out.err, HasSubstr("2 of the 2 latency samples are timeouts"));
}

TEST_F(HttpEnd, TimeoutsShowInTheOpenModelsPercentiles) {
  // Every fourth request stalls past the timeout: p99 is at least the timeout, not the fast
  // responses' latency.
  json b = run_http({server_->url("/x?delay=0ms"), "-r", "40", "-c", "8", "-t", "1", "-d", "1s"});
  double fast_p99 = b["latency_ms"]["p99"].get<double>();
  ASSERT_LT(fast_p99, 100.0);
  json stalled = run_http({server_->url("/x?delay=2s"), "-r", "20", "-c", "8", "-t", "1", "-d", "1s", "--timeout",
                           "250ms"},
                          3);
  EXPECT_EQ(count(stalled, "errors", "timeout"), 20u);
  EXPECT_GE(stalled["latency_ms"]["p50"].get<double>(), 250.0);
  EXPECT_EQ(stalled["latency_timeout_samples"], 20);
}

TEST_F(HttpEnd, OpenModelCountsEveryRequestDueInTheWindowAfterAWarmup) {
  // 100 req/s for 2 s after a 1 s warm-up: exactly 200 requests, those in flight at the end
  // included (each takes 50 ms, so about five are).
  json b = run_http({server_->url("/x?delay=50ms"), "-r", "100", "-c", "20", "-t", "2", "-d", "2s", "--warmup", "1s"});
  EXPECT_EQ(count(b, "requests", "total"), 200u);
  EXPECT_EQ(count(b, "requests", "ok"), 200u);
  EXPECT_EQ(b["throughput_rps"], 100.0);
}

TEST_F(HttpEnd, AShortCountedOpenRunIsNotBlamedOnTheTarget) {
  // -n 3 at 1 req/s spans 3 s of schedule; a fast target kept up with it.
  json b = run_http({server_->url("/health"), "-n", "3", "-r", "1", "-c", "1"});
  EXPECT_EQ(count(b, "requests", "total"), 3u);
  EXPECT_TRUE(b["notes"].empty()) << b["notes"];
  EXPECT_NEAR(b["schedule"]["achieved_rate"].get<double>(), 1.0, 0.01);
  EXPECT_EQ(b["schedule"]["waited_for_connection"], 0);
}

TEST_F(HttpEnd, TheSummaryCountsTheThreadsThatRan) {
  ProcessOutput out = run_perfgate({"http", "--quiet", server_->url("/health"), "-n", "1", "-c", "4", "-t", "2"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("4 connections, 1 thread,"));
  EXPECT_THAT(out.out, HasSubstr("of 1 thread)"));
}

TEST(HttpTimeline, AResponseIsFiledInTheSecondItCompletedIn) {
  // perfgate is stopped from 0.7 s to 2.7 s with a request in flight; its response, read at
  // 2.7 s, belongs to the third second, not to the second in which the stall began.
  ServeProcess server({"--quiet", "--latency", "100ms"});
  std::string json_path = ::testing::TempDir() + "/stall.json";
  BackgroundProcess load({perfgate_binary(), "http", server.url("/health"), "-c", "1", "-t", "1", "-d", "4s",
                          "--quiet", "--json", json_path});
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  load.signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  load.signal(SIGCONT);
  ASSERT_EQ(load.wait(std::chrono::seconds(30)), 0) << load.err();
  json b = json::parse(read_text(json_path))["benchmarks"][0];
  ASSERT_EQ(b["timeline"].size(), 4u) << b["timeline"];
  EXPECT_LT(b["timeline"][0]["p99_ms"].get<double>(), 1000.0) << b["timeline"];
  EXPECT_EQ(b["timeline"][1]["requests"], 0) << b["timeline"];
  EXPECT_GE(b["timeline"][2]["p99_ms"].get<double>(), 1500.0) << b["timeline"];
}

TEST(HttpThreads, TheRateFollowsTheConnections) {
  // 3 connections on 2 threads: the thread with 2 connections gets 2/3 of 24 req/s. A 100 ms
  // target serves 10/s per connection, so each thread has room for its share.
  ServeProcess server({"--quiet", "--latency", "100ms"});
  json b = run_http({server.url("/health"), "-r", "24", "-c", "3", "-t", "2", "-d", "3s"});
  EXPECT_EQ(count(b, "requests", "total"), 72u);
  // An even split of the rate gives the 1-connection thread 12/s for 10/s of room: its queue
  // grows for the whole run (p99 ~800 ms). Split by connections, a wait is a moment's jitter.
  EXPECT_LT(b["latency_ms"]["p99"].get<double>(), 400.0);
  EXPECT_EQ(b["client"]["threads"], 2);
}

TEST(HttpDescriptors, TheSoftLimitIsRaisedToTheHardOne) {
  ServeProcess server({"--quiet"});
  ProcessOutput out = run_process({"sh", "-c",
                                   "ulimit -S -n 64 && ulimit -H -n 512 && exec \"$0\" http --quiet --json - \"$1\" -c 200 "
                                   "-n 400",
                                   perfgate_binary(), server.url("/health")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json b = parse_benchmark(out);
  EXPECT_EQ(count(b, "requests", "total"), 400u);
  EXPECT_EQ(count(b, "requests", "ok"), 400u);
}

TEST(HttpDescriptors, MoreConnectionsThanTheHardLimitExit2NamingIt) {
  ProcessOutput out = run_process({"sh", "-c", "ulimit -n 64 && exec \"$0\" http http://127.0.0.1:1/ -c 100 -n 10",
                                   perfgate_binary()});
  EXPECT_EQ(out.exit_code, 2) << out.err;
  EXPECT_THAT(out.err, HasSubstr("--connections"));
  EXPECT_THAT(out.err, HasSubstr("limit is 64"));
}

}  // namespace
}  // namespace perfgate::testing
