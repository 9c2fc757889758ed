// Request templates and --targets, end to end: the real `perfgate http` against a tiny server in
// this test that records every request it is sent (its connection, head and body), so that
// what went on the wire can be checked byte for byte.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/load_engine.hpp"
#include "http/request_template.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

struct RecordedRequest {
  int connection = 0;
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// Accepts keep-alive connections on 127.0.0.1, one thread each; reads requests framed by their
// Content-Length (a wrong one garbles every later request of the connection) and answers 200.
class RecordingServer {
 public:
  RecordingServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 128), 0);
    socklen_t length = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~RecordingServer() {
    stop_ = true;
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : connections_) t.join();
    for (int fd : fds_) ::close(fd);
    ::close(listen_fd_);
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int port() const { return port_; }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections_accepted() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(fds_.size());
  }
  std::vector<std::string> garbled() const {
    std::lock_guard lock(mutex_);
    return garbled_;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      int id = static_cast<int>(fds_.size());
      fds_.push_back(fd);
      connections_.emplace_back([this, fd, id] { serve(fd, id); });
    }
  }

  void serve(int fd, int id) {
    std::string buffer;
    char chunk[16384];
    for (;;) {
      std::size_t head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        RecordedRequest r;
        r.connection = id;
        std::string head = buffer.substr(0, head_end);
        std::size_t line_end = head.find("\r\n");
        std::string line = head.substr(0, line_end);
        std::smatch m;
        static const std::regex request_line(R"(^(\S+) (\S+) HTTP/1\.1$)");
        if (!std::regex_match(line, m, request_line)) {
          record_garbled(line);
          return;
        }
        r.method = m[1];
        r.target = m[2];
        for (std::size_t at = line_end; at != std::string::npos && at < head.size();) {
          std::size_t next = head.find("\r\n", at + 2);
          std::string field = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
          std::size_t colon = field.find(':');
          std::string name = field.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
          r.headers[name] = field.substr(colon + 2);
          at = next;
        }
        std::size_t body_size = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        if (buffer.size() >= head_end + 4 + body_size) {
          r.body = buffer.substr(head_end + 4, body_size);
          buffer.erase(0, head_end + 4 + body_size);
          {
            std::lock_guard lock(mutex_);
            requests_.push_back(std::move(r));
          }
          static constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          if (::send(fd, kOk.data(), kOk.size(), MSG_NOSIGNAL) < 0) return;
          continue;
        }
      }
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void record_garbled(const std::string& line) {
    std::lock_guard lock(mutex_);
    garbled_.push_back(line);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> connections_;
  std::vector<RecordedRequest> requests_;
  std::vector<std::string> garbled_;
};

class RequestTemplates : public TempDirTest {
 protected:
  RequestTemplates() : TempDirTest("perfgate-templates") {}

  ProcessOutput http(std::vector<std::string> args) {
    args.insert(args.begin(), {"http", "--quiet"});
    return run_perfgate(args);
  }

  RecordingServer server_;
};

std::uint64_t json_seq(const std::string& body) { return json::parse(body)["seq"].get<std::uint64_t>(); }

TEST_F(RequestTemplates, SeqIsOneValuePerRequestUniqueAndGapFreeAcrossThreadsAndConnections) {
  constexpr std::uint64_t kRequests = 3000;
  ProcessOutput out = http({server_.url("/items/${seq}?q=${seq}"), "-n", std::to_string(kRequests), "-c", "6", "-t",
                            "2", "-m", "POST", "-H", "X-Seq: ${seq}", "-H", "X-Id: ${request_id}", "-b",
                            R"({"seq": ${seq}, "n": ${rand:10-20}, "id": "${uuid}"})"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto requests = server_.requests();
  EXPECT_THAT(server_.garbled(), ::testing::IsEmpty());
  ASSERT_EQ(requests.size(), kRequests);
  std::set<std::uint64_t> seqs;
  std::set<std::uint64_t> rands;
  std::set<std::string> uuids;
  std::set<std::string> nonces;
  for (const auto& r : requests) {
    std::uint64_t seq = json_seq(r.body);
    seqs.insert(seq);
    // One value wherever it appears.
    EXPECT_EQ(r.target, "/items/" + std::to_string(seq) + "?q=" + std::to_string(seq));
    EXPECT_EQ(r.headers.at("x-seq"), std::to_string(seq));
    std::string id = r.headers.at("x-id");
    ASSERT_EQ(id.size(), 9 + std::to_string(seq).size()) << id;
    EXPECT_EQ(id.substr(9), std::to_string(seq));
    nonces.insert(id.substr(0, 8));
    EXPECT_EQ(r.headers.at("content-length"), std::to_string(r.body.size()));
    rands.insert(json::parse(r.body)["n"].get<std::uint64_t>());
    uuids.insert(json::parse(r.body)["id"].get<std::string>());
  }
  ASSERT_EQ(seqs.size(), kRequests);  // unique
  EXPECT_EQ(*seqs.begin(), 0u);       // and gap-free: 0 .. N-1
  EXPECT_EQ(*seqs.rbegin(), kRequests - 1);
  EXPECT_EQ(nonces.size(), 1u);  // one run, one nonce
  EXPECT_EQ(*rands.begin(), 10u);
  EXPECT_EQ(*rands.rbegin(), 20u);
  EXPECT_EQ(rands.size(), 11u);
  EXPECT_EQ(uuids.size(), kRequests);
  // Keep-alive: the 6 connections carried every request.
  EXPECT_EQ(server_.connections_accepted(), 6);
}

TEST_F(RequestTemplates, OpenModelNumbersEveryRequestSent) {
  ProcessOutput out = http({server_.url("/"), "--rate", "2000", "-d", "1s", "-c", "4", "-t", "2", "-m", "POST",
                            "-b", R"({"seq": ${seq}})", "--json", "-"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto requests = server_.requests();
  // Every request due counts in `total`, one still waiting for a connection at the end too (a
  // busy machine leaves one now and then); every answered one was received.
  json counts = json::parse(out.out)["benchmarks"][0]["requests"];
  EXPECT_LE(requests.size(), counts["total"].get<std::uint64_t>());
  EXPECT_GE(requests.size(), counts["ok"].get<std::uint64_t>());
  EXPECT_GE(requests.size(), counts["total"].get<std::uint64_t>() / 2);
  std::set<std::uint64_t> seqs;
  for (const auto& r : requests) seqs.insert(json_seq(r.body));
  ASSERT_EQ(seqs.size(), requests.size());
  EXPECT_EQ(*seqs.rbegin(), requests.size() - 1);
  EXPECT_LE(server_.connections_accepted(), 4);
}

TEST_F(RequestTemplates, ContentLengthFollowsEachBody) {
  // 1 to 4 digits: a Content-Length computed once would garble the requests after the first.
  ProcessOutput out = http({server_.url("/"), "-n", "1200", "-c", "1", "-m", "POST", "-b", "${seq}"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1200u);
  EXPECT_THAT(server_.garbled(), ::testing::IsEmpty());
  for (std::size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(requests[i].body, std::to_string(i));
  EXPECT_EQ(server_.connections_accepted(), 1);
}

TEST_F(RequestTemplates, DoubleDollarIsALiteralAndAFixedBodyIsSentAsIs) {
  ProcessOutput out = http({server_.url("/a?x=$${seq}"), "-n", "3", "-c", "1", "-m", "POST", "-b", "cost: $5 $${seq}"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.target, "/a?x=${seq}");
    EXPECT_EQ(r.body, "cost: $5 ${seq}");
    EXPECT_EQ(r.headers.at("content-length"), "15");
  }
}

TEST_F(RequestTemplates, BodyFileIsATemplateToo) {
  write("body.json", R"({"seq": ${seq}})");
  ProcessOutput out = http({server_.url("/"), "-n", "5", "-c", "1", "-m", "POST", "-b", "@" + path("body.json")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[4].body, R"({"seq": 4})");
  out = http({server_.url("/"), "-n", "5", "-c", "1", "--body-file", path("body.json")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(server_.requests().size(), 10u);
}

TEST_F(RequestTemplates, BadTemplatesExit2NamingTheOptionAndPosition) {
  ProcessOutput out = http({server_.url("/"), "-n", "1", "-b", R"({"x": ${sequence}})"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("--body: unknown template variable \"${sequence}\" at byte 6"));
  out = http({server_.url("/u/${rand:9-1}"), "-n", "1"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("bad range in \"${rand:9-1}\" at byte"));
  out = http({server_.url("/"), "-n", "1", "-H", "X-A: ${nope"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("--header: unterminated \"${\" at byte 0"));
  out = http({"http://127.0.0.1:${seq}/", "-n", "1"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("not in scheme://host:port"));
  write("bad.json", "{${x}}");
  out = http({server_.url("/"), "-n", "1", "-b", "@" + path("bad.json")});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("unknown template variable \"${x}\" at byte 1"));
  out = http({server_.url("/"), "-n", "1", "-b", "@" + path("missing.json")});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("cannot read file"));
  EXPECT_TRUE(server_.requests().empty());  // nothing was sent
}

TEST_F(RequestTemplates, TargetsAreSentRoundRobin) {
  std::string base = "http://127.0.0.1:" + std::to_string(server_.port());
  write("targets.jsonl", "{\"url\": \"" + base + "/a\"}\n"
                         "\n"
                         "{\"method\": \"POST\", \"url\": \"" + base + "/b\", \"body\": \"{\\\"seq\\\": ${seq}}\"}\n"
                         "{\"method\": \"PUT\", \"url\": \"" + base + "/c?id=${request_id}\", "
                         "\"headers\": {\"X-Kind\": \"c\", \"X-Common\": \"own\"}}\n");
  ProcessOutput out = http({"--targets", path("targets.jsonl"), "-n", "300", "-c", "3", "-t", "2", "-H",
                            "X-Common: default", "--json", "-"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json b = json::parse(out.out)["benchmarks"][0];
  EXPECT_EQ(b["name"], "targets " + path("targets.jsonl"));
  EXPECT_EQ(b["config"]["targets"], 3);
  std::map<std::string, int> per_path;
  for (const auto& r : server_.requests()) {
    std::string p = r.target.substr(0, 2);
    ++per_path[r.method + " " + p];
    if (p == "/a") {
      EXPECT_EQ(r.headers.at("x-common"), "default");
    }
    if (p == "/b") {
      EXPECT_EQ(json_seq(r.body) % 3, 1u);  // request i of the run is target i mod 3
    }
    if (p == "/c") {
      EXPECT_EQ(r.headers.at("x-kind"), "c");
      EXPECT_EQ(r.headers.at("x-common"), "own");
      EXPECT_EQ(std::stoull(r.target.substr(r.target.find('-') + 1)) % 3, 2u);
    }
  }
  EXPECT_EQ(per_path, (std::map<std::string, int>{{"GET /a", 100}, {"POST /b", 100}, {"PUT /c", 100}}));
  EXPECT_EQ(server_.connections_accepted(), 3);
}

TEST_F(RequestTemplates, BadTargetLinesExit2WithFileAndLine) {
  std::string base = "http://127.0.0.1:" + std::to_string(server_.port());
  struct Case {
    std::string second_line;
    std::string message;
  };
  std::vector<Case> cases = {
      {"{\"url\": \"" + base + "/b\", \"header\": {}}", ":2: unknown key 'header' (expected method, url, headers, body)"},
      {"{\"url\": \"http://127.0.0.1:1/b\"}", ":2: 'url' is on http://127.0.0.1:1, but the first target's on " + base},
      {"{\"url\": \"" + base + "/b\", \"body\": \"${nope}\"}", ":2: the body: unknown template variable \"${nope}\" at byte 0"},
      {"{\"url\": \"" + base + "/b\", \"method\": \"GE T\"}", ":2: 'method': expected an HTTP method"},
      {"{\"method\": \"GET\"}", ":2: missing 'url'"},
      {"{\"url\": \"" + base + "/b\" \"x\"}", ":2:"},
      {"[1]", ":2: expected a JSON object"},
      {"{\"url\": \"" + base + "/b\", \"headers\": {\"X\": 1}}", ":2: 'headers.X': expected a string"},
  };
  for (const auto& c : cases) {
    write("targets.jsonl", "{\"url\": \"" + base + "/a\"}\n" + c.second_line + "\n");
    ProcessOutput out = http({"--targets", path("targets.jsonl"), "-n", "1"});
    EXPECT_EQ(out.exit_code, 2) << c.second_line;
    EXPECT_THAT(out.err, HasSubstr(path("targets.jsonl") + c.message)) << c.second_line;
  }
  write("empty.jsonl", "\n\n");
  ProcessOutput out = http({"--targets", path("empty.jsonl"), "-n", "1"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("no targets"));
  out = http({"--targets", path("absent.jsonl"), "-n", "1"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("--targets: cannot read file"));
  out = http({"--targets", path("empty.jsonl"), server_.url("/"), "-n", "1"});
  EXPECT_EQ(out.exit_code, 2);
  out = http({"-n", "1"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("no target url: give URL or --targets FILE"));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(RequestTemplates, SuiteBodyAndTargetsKeys) {
  std::string base = "http://127.0.0.1:" + std::to_string(server_.port());
  write("t.jsonl", "{\"url\": \"" + base + "/t/${seq}\"}\n");
  write("f.json", "f${seq}");
  write("suite.yaml", "name: s\nbenchmarks:\n"
                      "  - name: templated\n"
                      "    http: {url: \"" + base + "/p\", method: POST, body: '{\"seq\": ${seq}}', requests: 20, connections: 2}\n"
                      "  - name: from-targets\n"
                      "    http: {targets: t.jsonl, requests: 10, connections: 1}\n"
                      "  - name: from-body-file\n"
                      "    http: {url: \"" + base + "/f\", method: POST, body_file: f.json, requests: 5, connections: 1}\n");
  ProcessOutput out = run_perfgate({"run", path("suite.yaml"), "--store", path("history.db"), "--quiet"});
  ASSERT_EQ(out.exit_code, 0) << out.err << out.out;
  std::set<std::uint64_t> seqs;
  std::set<std::string> targets;
  std::set<std::string> file_bodies;
  for (const auto& r : server_.requests()) {
    if (r.target == "/p") seqs.insert(json_seq(r.body));
    if (r.target.starts_with("/t/")) targets.insert(r.target);
    if (r.target == "/f") file_bodies.insert(r.body);
  }
  EXPECT_EQ(file_bodies, (std::set<std::string>{"f0", "f1", "f2", "f3", "f4"}));
  EXPECT_EQ(seqs.size(), 20u);
  EXPECT_EQ(*seqs.rbegin(), 19u);
  EXPECT_EQ(targets.size(), 10u);
  EXPECT_EQ(targets.count("/t/9"), 1u);

  write("bad.yaml", "name: s\nbenchmarks:\n"
                    "  - name: b\n"
                    "    http: {url: \"" + base + "/p\", body: 'x ${rand:5}'}\n");
  out = run_perfgate({"run", path("bad.yaml"), "--store", path("history.db"), "--quiet"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("bad.yaml:4:"));
  EXPECT_THAT(out.err, HasSubstr("'body': bad range in \"${rand:5}\" at byte 2"));
}

// The seam the callback listener uses: every request is reported with its seq and scheduled
// time before it is written, on the load threads.
class RecordingObserver : public http::RequestObserver {
 public:
  void on_sent(const http::SentRequest& request) noexcept override {
    std::lock_guard lock(mutex_);
    sent.push_back(request);
  }
  std::mutex mutex_;
  std::vector<http::SentRequest> sent;
};

TEST_F(RequestTemplates, AnObserverSeesEverySeqWithItsScheduledTime) {
  std::string error;
  auto url = http::parse_url(server_.url("/r?id=${request_id}"), &error);
  ASSERT_TRUE(url) << error;
  http::LoadOptions options;
  options.url = *url;
  options.address = http::resolve(*url);
  options.request_set.push_back(http::prepare_request(*url, http::RequestSpec{}));
  options.run_nonce = 0x0badcafe;
  options.connections = 4;
  options.threads = 2;
  options.requests = 400;
  options.rate_per_s = 4000;
  RecordingObserver observer;
  options.observer = &observer;
  http::LoadRun run(options);
  run.start();
  http::LoadResult result = run.wait();
  EXPECT_EQ(result.total, 400u);
  ASSERT_EQ(observer.sent.size(), 400u);
  std::map<std::uint64_t, http::SentRequest> by_seq;
  for (const auto& s : observer.sent) {
    by_seq[s.seq] = s;
    EXPECT_TRUE(s.measured);
    EXPECT_LE(s.scheduled_ns, s.sent_ns);  // open model: the schedule, then the send
  }
  ASSERT_EQ(by_seq.size(), 400u);
  EXPECT_EQ(by_seq.rbegin()->first, 399u);
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 400u);
  std::set<std::uint64_t> ids;
  for (const auto& r : requests) {
    auto seq = parse_request_id(r.target.substr(std::string("/r?id=").size()), 0x0badcafe);
    ASSERT_TRUE(seq) << r.target;
    ids.insert(*seq);
  }
  EXPECT_EQ(ids.size(), 400u);
}

}  // namespace
}  // namespace perfgate::testing
