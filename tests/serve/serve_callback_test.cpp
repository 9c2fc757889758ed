// serve's callbacks: a request naming a callback_url is answered 202 at once and called back with
// {"id": …} after the delay; the URL must be on this machine. The callbacks land in the real
// callback listener, so both sides of the flow are checked together.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "callback/callback_listener.hpp"
#include "core/clock.hpp"
#include "core/text_template.hpp"
#include "http/callback_ledger.hpp"
#include "serve/callbacks.hpp"
#include "serve/server.hpp"
#include "support/raw_http.hpp"

namespace perfgate::testing {
namespace {

constexpr std::uint32_t kNonce = 0x0badcafe;

class ServeCallbacks : public ::testing::Test {
 protected:
  void start_server(std::optional<std::chrono::nanoseconds> callback_delay) {
    serve::ServeOptions options;
    options.port = 0;
    options.callback_delay = callback_delay;
    server_ = std::make_unique<serve::TargetServer>(options);
    thread_ = std::thread([this] { server_->run(stop_); });
  }
  void SetUp() override {
    callback::ListenerOptions options;
    listener_ = std::make_unique<callback::CallbackListener>(options, ledger_, kNonce);
    listener_->start();
  }
  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void await_callbacks(std::uint64_t count, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (listener_->callbacks() < count && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  std::string id(std::uint64_t seq) const { return format_request_id(kNonce, seq); }

  http::CallbackLedger ledger_{10'000'000'000};
  std::unique_ptr<callback::CallbackListener> listener_;
  std::unique_ptr<serve::TargetServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(ServeCallbacks, AnswersAcceptedAtOnceAndCallsBackAfterTheQueryDelay) {
  start_server(std::nullopt);
  ledger_.sent(0, monotonic_ns(), true);
  ledger_.responded_ok(0);
  RawConnection client(server_->port());
  std::string response = client.exchange("GET /job?callback_delay=300ms&callback_url=" + listener_->url() + "&id=" + id(0) +
                                         " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << response;
  EXPECT_EQ(listener_->callbacks(), 0u);  // the 202 came first, not after the delay
  await_callbacks(1);
  listener_->stop();
  ASSERT_EQ(listener_->callbacks(), 1u);
  EXPECT_EQ(listener_->unknown(), 0u);
  EXPECT_GE(static_cast<double>(listener_->latency().max()) / 1e6, 300);
}

TEST_F(ServeCallbacks, TakesTheUrlAndIdFromAJsonBodyWithTheServerDelay) {
  start_server(std::chrono::milliseconds(30));
  RawConnection client(server_->port());
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    ledger_.sent(seq, monotonic_ns(), true);
    ledger_.responded_ok(seq);
    std::string body = "{\"callback_url\": \"" + listener_->url() + "\", \"id\": \"" + id(seq) + "\", \"n\": 1}";
    std::string response = client.exchange(callback_request(body, "", "/webhook"));
    EXPECT_EQ(response.rfind("HTTP/1.1 202", 0), 0u) << response;
  }
  // Without a callback_url the server's --callback-delay leaves a request alone.
  EXPECT_EQ(client.exchange("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  await_callbacks(3);
  listener_->stop();
  EXPECT_EQ(listener_->callbacks(), 3u);
  EXPECT_TRUE(ledger_.all_arrived());
  EXPECT_GE(static_cast<double>(listener_->latency().min()) / 1e6, 30);
}

TEST_F(ServeCallbacks, RefusesCallbackUrlsOffThisMachine) {
  start_server(std::nullopt);
  RawConnection client(server_->port());
  for (const char* url : {"http://10.0.0.1:80/x", "http://example.com/x", "https://127.0.0.1/x", "file:///etc/passwd"}) {
    std::string response =
        client.exchange(std::string("GET /?callback_delay=1ms&id=1&callback_url=") + url + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << url << ": " << response;
  }
  EXPECT_TRUE(serve::detail::is_local_callback_url("http://[::1]:9/cb"));
  EXPECT_TRUE(serve::detail::is_local_callback_url("http://localhost:9/cb"));
  EXPECT_FALSE(serve::detail::is_local_callback_url("http://127.0.0.2:9/cb"));
  // ?callback_delay= needs a callback_url and an id.
  EXPECT_EQ(client.exchange("GET /?callback_delay=1ms HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(client.exchange("GET /?callback_delay=1ms&callback_url=" + listener_->url() + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .rfind("HTTP/1.1 400", 0),
            0u);
  EXPECT_EQ(client.exchange("GET /?callback_delay=soon HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(listener_->callbacks(), 0u);
}

}  // namespace
}  // namespace perfgate::testing
