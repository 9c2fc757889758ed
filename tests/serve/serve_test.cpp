// Integration tests of `perfgate serve`: the real binary, spoken to over raw sockets so
// every byte it sends (and every way it closes) is checked exactly.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/process.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct HttpResponse {
  int status = 0;
  std::string head;  // status line and headers, with the blank line
  std::string body;
  bool has_header(std::string_view line) const { return head.find(std::string(line) + "\r\n") != std::string::npos; }
};

// A blocking client with a receive time-out, so a test fails instead of hanging.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    EXPECT_TRUE(connected_) << "connect to port " << port;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send_bytes(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0) << "send failed: " << std::strerror(errno);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Sends FIN: the client will send nothing more but still reads.
  void finish_sending() { shutdown(fd_, SHUT_WR); }
  void get(std::string_view target) { send_bytes("GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n\r\n"); }

  // Everything until the server closes; `reset` tells whether the close was an RST.
  std::string read_until_close(bool* reset = nullptr) {
    while (fill()) {
    }
    if (reset != nullptr) *reset = last_errno_ == ECONNRESET;
    return std::exchange(buffer_, {});
  }

  // Everything up to and including `marker` (or all there was, if it never came).
  std::string read_until(std::string_view marker) {
    std::size_t at;
    while ((at = buffer_.find(marker)) == std::string::npos) {
      if (!fill()) return std::exchange(buffer_, {});
    }
    std::string out = buffer_.substr(0, at + marker.size());
    buffer_.erase(0, at + marker.size());
    return out;
  }

  // One response framed by Content-Length (none: no body).
  HttpResponse read_response(bool head_request = false) {
    HttpResponse response;
    response.head = read_until("\r\n\r\n");
    if (response.head.size() < 12) return response;
    response.status = std::atoi(response.head.c_str() + 9);
    std::size_t length = 0;
    if (auto at = response.head.find("Content-Length: "); at != std::string::npos && !head_request) {
      length = std::stoul(response.head.substr(at + 16));
    }
    while (buffer_.size() < length && fill()) {
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  HttpResponse request(std::string_view target) {
    get(target);
    return read_response();
  }

 private:
  bool fill() {
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    last_errno_ = n == 0 ? 0 : errno;
    return false;
  }

  int fd_ = -1;
  bool connected_ = false;
  int last_errno_ = 0;
  std::string buffer_;
};

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// One server with default options for the tests that need nothing special.
class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServeProcess({"--quiet"}); }
  static void TearDownTestSuite() {
    // A clean exit after all the traffic above (130: stopped by a signal, as DESIGN says);
    // under sanitizers, a report (or a leak) would make it 1.
    server_->process().signal(SIGTERM);
    EXPECT_EQ(server_->process().wait(std::chrono::seconds(10)), 130) << server_->process().err();
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->port(); }
  static ServeProcess* server_;
};
ServeProcess* Serve::server_ = nullptr;

TEST_F(Serve, HealthIsOkWithItsContentLength) {
  RawClient client(port());
  HttpResponse response = client.request("/health");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.has_header("Content-Length: 3")) << response.head;
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(Serve, KeepsTheConnectionAliveAcrossRequests) {
  RawClient client(port());
  EXPECT_EQ(client.request("/health").status, 200);
  EXPECT_EQ(client.request("/anything/else").body, "ok\n");
}

TEST_F(Serve, AnswersPipelinedRequestsInOrder) {
  RawClient client(port());
  client.send_bytes(
      "GET /a?size=5 HTTP/1.1\r\n\r\n"
      "POST /b?status=404 HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
      "GET /c?delay=30ms&size=7 HTTP/1.1\r\n\r\n"
      "GET /health HTTP/1.1\r\n\r\n");
  EXPECT_EQ(client.read_response().body.size(), 5u);
  EXPECT_EQ(client.read_response().status, 404);
  EXPECT_EQ(client.read_response().body.size(), 7u);  // delayed, yet before the next one
  EXPECT_EQ(client.read_response().body, "ok\n");
}

TEST_F(Serve, AnswersADeepPipelineSentInOneGo) {
  // Many pipelined requests whose responses fill the socket while the client is not
  // reading: the server's input buffer fills up too. Once the client reads, the server
  // must work through everything it buffered although no new bytes arrive.
  constexpr int kRequests = 2500;
  std::string burst;
  for (int i = 0; i < kRequests; ++i) burst += "GET /p?size=2KB HTTP/1.1\r\n\r\n";
  RawClient client(port());
  std::thread sender([&] { client.send_bytes(burst); });
  std::this_thread::sleep_for(milliseconds(200));
  int answered = 0;
  while (answered < kRequests && client.read_response().body.size() == 2048) ++answered;
  sender.join();
  EXPECT_EQ(answered, kRequests);
}

TEST_F(Serve, StatusParameterSetsTheStatus) {
  RawClient client(port());
  HttpResponse response = client.request("/x?status=503");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.head.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u);
}

TEST_F(Serve, SizeParameterSetsTheBodyLength) {
  RawClient client(port());
  HttpResponse response = client.request("/x?size=10KB");
  EXPECT_TRUE(response.has_header("Content-Length: 10240")) << response.head;
  EXPECT_EQ(response.body.size(), 10240u);
}

TEST_F(Serve, LargeBodiesArriveWhole) {
  RawClient client(port());
  HttpResponse response = client.request("/x?size=3MB");
  EXPECT_EQ(response.body.size(), 3u * 1024 * 1024);
  EXPECT_EQ(client.request("/health").status, 200);
}

TEST_F(Serve, DelayParameterDelaysTheResponse) {
  RawClient client(port());
  auto start = Clock::now();
  EXPECT_EQ(client.request("/x?delay=100ms").status, 200);
  double ms = elapsed_ms(start);
  EXPECT_GE(ms, 100.0);
  EXPECT_LT(ms, 1000.0);
}

TEST_F(Serve, BadQueryParameterIsA400) {
  RawClient client(port());
  HttpResponse response = client.request("/x?delay=soon");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("delay"), std::string::npos);
  EXPECT_EQ(client.request("/health").status, 200);  // the connection is still usable
}

TEST_F(Serve, DelaysAreCappedAndAddUpWithoutWrappingAround) {
  RawClient client(port());
  HttpResponse too_long = client.request("/x?delay=2h");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("more than 1h"), std::string::npos) << too_long.body;
  // Ten delays of 11,000 days each add up past 2^63 ns: once wrapped, an instant 200.
  std::string target = "/x?";
  for (int i = 0; i < 10; ++i) target += "delay=11000d&";
  EXPECT_EQ(client.request(target).status, 400);
  EXPECT_EQ(client.request("/x?delay=30m&delay=31m").status, 400);
  EXPECT_EQ(client.request("/x?delay=10ms&delay=10ms").status, 200);
}

TEST_F(Serve, HeadRequestsGetNoBody) {
  RawClient client(port());
  client.send_bytes("HEAD /x?size=100 HTTP/1.1\r\n\r\nGET /health HTTP/1.1\r\n\r\n");
  HttpResponse head = client.read_response(/*head_request=*/true);
  EXPECT_TRUE(head.has_header("Content-Length: 100")) << head.head;
  EXPECT_EQ(client.read_response().body, "ok\n");
}

TEST_F(Serve, Http10RequestGetsConnectionClose) {
  RawClient client(port());
  client.send_bytes("GET /health HTTP/1.0\r\n\r\n");
  bool reset = true;
  std::string all = client.read_until_close(&reset);
  EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos) << all;
  EXPECT_EQ(all.substr(all.size() - 3), "ok\n");
  EXPECT_FALSE(reset);
}

TEST_F(Serve, ReadsRequestBodiesIncludingChunkedAndExpectContinue) {
  RawClient client(port());
  client.send_bytes("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
  client.send_bytes("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(client.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  client.send_bytes("hello");
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(Serve, AnswersAClientThatHalfClosed) {
  RawClient client(port());
  client.send_bytes("GET /a?delay=20ms HTTP/1.1\r\n\r\nGET /health HTTP/1.1\r\n\r\n");
  client.finish_sending();
  bool reset = true;
  std::string all = client.read_until_close(&reset);
  EXPECT_EQ(all.size(), 2 * std::string_view("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n").size()) << all;
  EXPECT_FALSE(reset);
}

TEST_F(Serve, OversizedHeadIs400ThenClose) {
  RawClient client(port());
  client.send_bytes("GET / HTTP/1.1\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n");
  std::string all = client.read_until_close();
  EXPECT_EQ(all.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << all.substr(0, 200);
  EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos);
}

// The hooks the load engine's tests use: each must produce exactly what serve.hpp says.

// Decodes a chunked body; returns false if the framing is wrong.
bool decode_chunked(std::string_view in, std::string& body, int& chunks, bool& saw_extension, std::string& trailer) {
  while (true) {
    auto line_end = in.find("\r\n");
    if (line_end == std::string_view::npos) return false;
    std::string_view size_line = in.substr(0, line_end);
    saw_extension = saw_extension || size_line.find(';') != std::string_view::npos;
    std::size_t size = std::stoul(std::string(size_line.substr(0, size_line.find(';'))), nullptr, 16);
    in.remove_prefix(line_end + 2);
    if (size == 0) {
      trailer = std::string(in);
      return true;
    }
    if (in.size() < size + 2 || in.substr(size, 2) != "\r\n") return false;
    body += in.substr(0, size);
    in.remove_prefix(size + 2);
    ++chunks;
  }
}

TEST_F(Serve, ChunkedHookSendsChunksWithAnExtensionAndATrailer) {
  RawClient client(port());
  client.get("/x?chunked=1&size=100");
  std::string head = client.read_until("\r\n\r\n");
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  std::string framed = client.read_until("\r\n0\r\nX-Perfgate-Trailer: done\r\n\r\n");
  std::string body, trailer;
  int chunks = 0;
  bool saw_extension = false;
  ASSERT_TRUE(decode_chunked(framed, body, chunks, saw_extension, trailer)) << framed;
  EXPECT_EQ(body.size(), 100u);
  EXPECT_GE(chunks, 2);
  EXPECT_TRUE(saw_extension);
  EXPECT_EQ(trailer, "X-Perfgate-Trailer: done\r\n\r\n");
  EXPECT_EQ(client.request("/health").status, 200);  // keep-alive after a chunked body
}

TEST_F(Serve, CloseHookSendsAnHttp10BodyEndedByClose) {
  RawClient client(port());
  client.get("/x?close=1");
  bool reset = true;
  EXPECT_EQ(client.read_until_close(&reset), "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n");
  EXPECT_FALSE(reset);
}

TEST_F(Serve, ConnectionCloseHookSaysSoAndCloses) {
  RawClient client(port());
  client.get("/x?connection_close=1");
  bool reset = true;
  EXPECT_EQ(client.read_until_close(&reset),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
  EXPECT_FALSE(reset);
}

TEST_F(Serve, ResetHookResetsWithoutAnswering) {
  RawClient client(port());
  client.get("/x?reset=1");
  bool reset = false;
  EXPECT_EQ(client.read_until_close(&reset), "");
  EXPECT_TRUE(reset);
}

TEST_F(Serve, CutHookSendsLessBodyThanItsContentLength) {
  RawClient client(port());
  client.get("/x?cut=1&size=10");
  bool reset = true;
  std::string all = client.read_until_close(&reset);
  auto head_end = all.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << all;
  EXPECT_NE(all.find("Content-Length: 10\r\n"), std::string::npos) << all;
  EXPECT_EQ(all.size() - (head_end + 4), 5u);
  EXPECT_FALSE(reset);
}

TEST_F(Serve, GarbageHookSendsAMalformedStatusLine) {
  RawClient client(port());
  client.get("/x?garbage=1");
  EXPECT_EQ(client.read_until_close(), "HTTP/1.1 abc Not A Status\r\n\r\n");
}

TEST_F(Serve, InterimHookSends100ContinueFirst) {
  RawClient client(port());
  client.get("/x?interim=1");
  EXPECT_EQ(client.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  HttpResponse final_response = client.read_response();
  EXPECT_EQ(final_response.status, 200);
  EXPECT_EQ(final_response.body, "ok\n");
}

TEST_F(Serve, SurvivesClientsThatVanish) {
  {
    RawClient reader(port());
    reader.get("/x?size=50MB");  // then closes with most of it unread: RST, EPIPE
    reader.read_until("\r\n\r\n");
  }
  {
    RawClient leaver(port());
    leaver.get("/x?delay=50ms");  // gone before the response is due
  }
  std::this_thread::sleep_for(milliseconds(100));
  RawClient client(port());
  EXPECT_EQ(client.request("/health").status, 200);
}

// Servers with options.

TEST(ServeOptions, LatencyDelaysEveryResponse) {
  ServeProcess server({"--latency", "50ms", "--jitter", "10ms", "--quiet"});
  RawClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    auto start = Clock::now();
    EXPECT_EQ(client.request("/x").status, 200);
    double ms = elapsed_ms(start);
    EXPECT_GE(ms, 40.0);
    EXPECT_LT(ms, 1000.0);
  }
}

TEST(ServeOptions, StallPausesTheWholeServer) {
  ServeProcess server({"--stall", "500ms", "--every", "1s", "--quiet"});
  RawClient client(server.port());
  double slowest_ms = 0;
  auto start = Clock::now();
  while (slowest_ms < 300 && elapsed_ms(start) < 3000) {
    auto sent = Clock::now();
    HttpResponse response = client.request("/x");
    ASSERT_EQ(response.status, 200);
    slowest_ms = std::max(slowest_ms, elapsed_ms(sent));
  }
  EXPECT_GE(slowest_ms, 300.0);
}

TEST(ServeOptions, ErrorRate100PercentAnswers500ButHealthStaysOk) {
  ServeProcess server({"--error-rate", "100%", "--body-size", "1KB", "--threads", "2", "--quiet"});
  RawClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    HttpResponse response = client.request("/x");
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body.size(), 1024u);
  }
  EXPECT_EQ(client.request("/x?status=200").status, 200);  // explicit status wins
  HttpResponse health = client.request("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
}

TEST(ServeOptions, IdleConnectionsAreClosedSoOthersGetServed) {
  ServeProcess server({"--idle-timeout", "300ms", "--max-connections", "2", "--quiet"});
  auto start = Clock::now();
  RawClient idle(server.port());
  RawClient trickling(server.port());
  trickling.send_bytes("GET /x HTTP/1.1\r\nHost: te");  // never completes
  // Both slots are taken: a third connection is closed at once, unanswered.
  {
    RawClient locked_out(server.port());
    locked_out.get("/health");
    EXPECT_EQ(locked_out.read_until_close(), "");
  }
  bool reset = true;
  EXPECT_EQ(idle.read_until_close(&reset), "");
  EXPECT_FALSE(reset);
  EXPECT_EQ(trickling.read_until_close(), "");
  EXPECT_GE(elapsed_ms(start), 300.0);
  // The slots are free again; a connection that keeps asking is not idle.
  RawClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client.request("/x?delay=200ms").status, 200);  // waiting for a response is not idle either
  }
}

TEST(ServeOptions, ThreadsShareTheLoad) {
  ServeProcess server({"--threads", "3", "--quiet"});
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(std::make_unique<RawClient>(server.port()));
  for (auto& client : clients) client->get("/x?delay=20ms");
  for (auto& client : clients) EXPECT_EQ(client->read_response().status, 200);
}

// Stopped by a signal, the server exits 130 as every verb does when interrupted (DESIGN).
TEST(ServeProcessLife, SaysWhereItListensAndExits130OnSigtermAndSigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    ServeProcess server;
    std::string expected = "perfgate serve: listening on http://127.0.0.1:" + std::to_string(server.port()) + "\n";
    EXPECT_EQ(server.process().err(), expected);
    server.process().signal(sig);
    EXPECT_EQ(server.process().wait(std::chrono::seconds(5)), 130);
  }
}

TEST(ServeProcessLife, PortInUseExits3) {
  ServeProcess first({"--quiet"});
  ProcessOutput second = run_perfgate({"serve", "--port", std::to_string(first.port())}, std::chrono::seconds(5));
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_NE(second.err.find("cannot listen"), std::string::npos) << second.err;
}

TEST(ServeProcessLife, BadOptionsExit2NamingTheOption) {
  const std::vector<std::vector<std::string>> cases = {
      {"--latency", "soon"},       {"--jitter", "-5ms"},       {"--stall", "500ms"},
      {"--every", "1s"},           {"--stall", "2s", "--every", "1s"},
      {"--error-rate", "150%"},    {"--body-size", "lots"},    {"--port", "70000"},
      {"--threads", "0"},          {"--host", "no.such.host.invalid"},
      {"--idle-timeout", "soon"},  {"--max-connections", "0"},
      {"--bogus"},
  };
  for (const auto& extra : cases) {
    std::vector<std::string> args{"serve"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessOutput result = run_perfgate(args, std::chrono::seconds(5));
    EXPECT_EQ(result.exit_code, 2) << extra[0] << ": " << result.err;
    EXPECT_NE(result.err.find(extra[0]), std::string::npos) << result.err;
  }
}

// GET /events and POST /publish: one event per publish, one data line per body line, ids in
// order; Last-Event-ID replays what came after it; a bad hook value is a 400.
TEST_F(Serve, EventsStreamBroadcastsPublishesAndReplaysAfterLastEventId) {
  RawClient subscriber(port());
  subscriber.get("/events?chunked=0&retry=250");
  std::string head = subscriber.read_until("\r\n\r\n");
  EXPECT_THAT(head, HasSubstr("200 OK"));
  EXPECT_THAT(head, HasSubstr("Content-Type: text/event-stream"));
  EXPECT_EQ(subscriber.read_until("\n\n"), "retry: 250\n\n");
  RawClient publisher(port());
  publisher.send_bytes("POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\nfirst\nxy");
  EXPECT_EQ(publisher.read_response().status, 200);
  std::string first = subscriber.read_until("\n\n");
  ASSERT_TRUE(first.starts_with("id: ")) << first;
  const std::string id = first.substr(4, first.find('\n') - 4);
  EXPECT_EQ(first, "id: " + id + "\ndata: first\ndata: xy\n\n");
  publisher.send_bytes("POST /publish?delay=20ms HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond");
  EXPECT_EQ(publisher.read_response().status, 200);
  const std::string second_id = std::to_string(std::stoull(id) + 1);
  EXPECT_EQ(subscriber.read_until("\n\n"), "id: " + second_id + "\ndata: second\n\n");

  RawClient late(port());
  late.send_bytes("GET /events HTTP/1.1\r\nHost: t\r\nLast-Event-ID: " + id + "\r\n\r\n");
  late.read_until("\r\n\r\n");
  EXPECT_THAT(late.read_until("\n\n"), HasSubstr("id: " + second_id + "\ndata: second\n\n"))
      << "chunked: the event is inside a chunk";

  RawClient bad(port());
  EXPECT_EQ(bad.request("/events?keepalive=soon").status, 400);
}

}  // namespace
}  // namespace perfgate::testing
