// The ledger of expected callbacks and the callback listener, in-process: callbacks sent over raw
// sockets (keep-alive and one-shot, the id in the JSON body, a header or the query) are filed as
// first arrivals, duplicates, unknown, late or of the warm-up, exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "callback/callback_listener.hpp"
#include "callback/callback_session.hpp"
#include "callback/id_source.hpp"
#include "core/clock.hpp"
#include "core/text_template.hpp"
#include "http/callback_ledger.hpp"
#include "support/raw_http.hpp"

namespace perfgate::testing {
namespace {

constexpr std::uint32_t kNonce = 0x8f3a2c1d;
constexpr std::int64_t kSecond = 1'000'000'000;

std::string json_id(std::uint64_t seq) { return "{\"id\": \"" + format_request_id(kNonce, seq) + "\"}"; }

// Waits until the listener has seen `count` callbacks (it files them on its own thread).
void await_callbacks(const callback::CallbackListener& listener, std::uint64_t count) {
  for (int i = 0; i < 500 && listener.callbacks() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(listener.callbacks(), count);
}

TEST(CallbackLedger, CountsFirstArrivalsDuplicatesUnknownLateAndLost) {
  http::CallbackLedger ledger(kSecond);
  Histogram latency;
  for (std::uint64_t seq = 0; seq < 5; ++seq) ledger.sent(seq, 1000 * kSecond, true);
  ledger.sent(5, 1000 * kSecond, false);  // a warm-up request
  for (std::uint64_t seq = 0; seq < 4; ++seq) ledger.responded_ok(seq);  // seq 4: its response failed
  EXPECT_EQ(ledger.arrived(0, 1000 * kSecond + 50'000'000, latency), http::CallbackArrival::kFirst);
  EXPECT_EQ(ledger.arrived(0, 1000 * kSecond + 60'000'000, latency), http::CallbackArrival::kDuplicate);
  EXPECT_EQ(ledger.arrived(1, 1002 * kSecond, latency), http::CallbackArrival::kLate);  // after the 1 s timeout
  EXPECT_EQ(ledger.arrived(1, 1002 * kSecond, latency), http::CallbackArrival::kDuplicate);
  EXPECT_EQ(ledger.arrived(4, 1000 * kSecond + 10'000'000, latency), http::CallbackArrival::kFirst);
  EXPECT_EQ(ledger.arrived(5, 1000 * kSecond, latency), http::CallbackArrival::kWarmup);
  EXPECT_EQ(ledger.arrived(6, 1000 * kSecond, latency), http::CallbackArrival::kUnknown);  // never sent
  EXPECT_EQ(ledger.arrived(std::uint64_t{1} << 40, 1000 * kSecond, latency), http::CallbackArrival::kUnknown);
  EXPECT_FALSE(ledger.all_arrived());  // 1 came late, 2 and 3 never
  http::CallbackTotals totals;
  ledger.count_into(totals);
  EXPECT_EQ(totals.expected, 4u);
  EXPECT_EQ(totals.received, 2u);  // 0 and 4 (whose response failed, but it did call back)
  EXPECT_EQ(totals.lost, 3u);      // 1 (late), 2, 3
  EXPECT_EQ(totals.late, 1u);
  EXPECT_EQ(latency.total_count(), 2);
  EXPECT_NEAR(static_cast<double>(latency.max()) / 1e6, 50, 0.1);
}

TEST(CallbackLedger, ACallbackBeforeItsResponseStillMatches) {
  http::CallbackLedger ledger(kSecond);
  Histogram latency;
  ledger.sent(70'000, 5 * kSecond, true);  // in the second chunk
  EXPECT_EQ(ledger.arrived(70'000, 5 * kSecond + 1'000'000, latency), http::CallbackArrival::kFirst);
  ledger.responded_ok(70'000);
  EXPECT_TRUE(ledger.all_arrived());
  http::CallbackTotals totals;
  ledger.count_into(totals);
  EXPECT_EQ(totals.lost, 0u);
  EXPECT_EQ(totals.received, 1u);
}

TEST(CallbackIdSource, ParsesTheThreeFormsAndRefusesOthers) {
  std::string error;
  auto json = callback::parse_id_source("json:id", &error);
  ASSERT_TRUE(json);
  EXPECT_EQ(json->kind, callback::IdSource::Kind::kJson);
  EXPECT_EQ(json->name, "id");
  auto header = callback::parse_id_source("header:X-Request-Id", &error);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->kind, callback::IdSource::Kind::kHeader);
  EXPECT_EQ(header->text(), "header:X-Request-Id");
  EXPECT_TRUE(callback::parse_id_source("query:rid", &error));
  EXPECT_FALSE(callback::parse_id_source("nope:x", &error));
  EXPECT_NE(error.find("json:FIELD"), std::string::npos);
  EXPECT_FALSE(callback::parse_id_source("json:", &error));
  EXPECT_FALSE(callback::parse_id_source("json", &error));
}

struct ListenerFixture {
  explicit ListenerFixture(const char* id_from) : ledger(10 * kSecond) {
    std::string error;
    callback::ListenerOptions options;
    options.id = *callback::parse_id_source(id_from, &error);
    listener = std::make_unique<callback::CallbackListener>(options, ledger, kNonce);
    listener->start();
  }
  http::CallbackLedger ledger;
  std::unique_ptr<callback::CallbackListener> listener;
};

TEST(CallbackListener, KeepAliveCallbacksAreAnswered200AndFiled) {
  ListenerFixture f("json:id");
  EXPECT_EQ(f.listener->url(), "http://127.0.0.1:" + std::to_string(f.listener->port()) + "/callback");
  std::int64_t now = monotonic_ns();
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    f.ledger.sent(seq, now, true);
    f.ledger.responded_ok(seq);
  }
  RawConnection caller(f.listener->port());
  ASSERT_TRUE(caller.connected());
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    std::string response = caller.exchange(callback_request(json_id(seq)));
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  }
  EXPECT_EQ(caller.exchange(callback_request(json_id(1))).rfind("HTTP/1.1 200", 0), 0u);  // a duplicate
  EXPECT_EQ(caller.exchange(callback_request(json_id(99))).rfind("HTTP/1.1 200", 0), 0u);  // never sent
  EXPECT_EQ(caller.exchange(callback_request("{\"id\": \"00000000-1\"}")).rfind("HTTP/1.1 200", 0), 0u);  // another run's
  EXPECT_EQ(caller.exchange(callback_request("not json")).rfind("HTTP/1.1 200", 0), 0u);
  await_callbacks(*f.listener, 7);
  f.listener->stop();
  EXPECT_TRUE(f.ledger.all_arrived());
  EXPECT_EQ(f.listener->duplicates(), 1u);
  EXPECT_EQ(f.listener->unknown(), 3u);
  EXPECT_EQ(f.listener->latency().total_count(), 3);
}

TEST(CallbackListener, OneShotCallbacksCloseAfterTheAnswer) {
  ListenerFixture f("json:id");
  f.ledger.sent(7, monotonic_ns(), true);
  RawConnection caller(f.listener->port());
  std::string response = caller.exchange(callback_request(json_id(7), "Connection: close\r\n"));
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(caller.closed_by_peer());
  await_callbacks(*f.listener, 1);
  EXPECT_EQ(f.listener->unknown(), 0u);
}

TEST(CallbackListener, ReadsTheIdFromAHeaderOrTheQuery) {
  {
    ListenerFixture f("header:X-Request-Id");
    f.ledger.sent(3, monotonic_ns(), true);
    RawConnection caller(f.listener->port());
    std::string header = "X-Request-Id: " + format_request_id(kNonce, 3) + "\r\n";
    EXPECT_EQ(caller.exchange(callback_request("{}", header)).rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_EQ(caller.exchange(callback_request("{}")).rfind("HTTP/1.1 200", 0), 0u);  // no header: unknown
    await_callbacks(*f.listener, 2);
    EXPECT_EQ(f.listener->unknown(), 1u);
    f.listener->stop();
    EXPECT_EQ(f.listener->latency().total_count(), 1);
  }
  {
    ListenerFixture f("query:rid");
    f.ledger.sent(4, monotonic_ns(), true);
    RawConnection caller(f.listener->port());
    std::string target = "/done?x=1&rid=" + format_request_id(kNonce, 4);
    EXPECT_EQ(caller.exchange(callback_request("", "", target)).rfind("HTTP/1.1 200", 0), 0u);
    await_callbacks(*f.listener, 1);
    EXPECT_EQ(f.listener->unknown(), 0u);
  }
}

TEST(CallbackListener, AChunkedBodyIsRead) {
  ListenerFixture f("json:id");
  f.ledger.sent(2, monotonic_ns(), true);
  std::string body = json_id(2);
  std::string half = body.substr(0, 5);
  std::string rest = body.substr(5);
  char sizes[64];
  std::snprintf(sizes, sizeof sizes, "%zx", half.size());
  std::string request = "POST /callback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(sizes) +
                        "\r\n" + half + "\r\n";
  std::snprintf(sizes, sizeof sizes, "%zx", rest.size());
  request += std::string(sizes) + "\r\n" + rest + "\r\n0\r\n\r\n";
  RawConnection caller(f.listener->port());
  EXPECT_EQ(caller.exchange(request).rfind("HTTP/1.1 200", 0), 0u);
  await_callbacks(*f.listener, 1);
  EXPECT_EQ(f.listener->unknown(), 0u);
}

TEST(CallbackListener, APortInUseIsARunError) {
  ListenerFixture f("json:id");
  callback::ListenerOptions options;
  options.port = f.listener->port();
  EXPECT_THROW(callback::CallbackListener(options, f.ledger, kNonce), RunError);
}

TEST(CallbackSession, FinishWaitsForStragglersThenCountsTheRestLost) {
  callback::ListenerOptions options;
  callback::CallbackSession session(options, std::chrono::milliseconds(400), kNonce);
  session.start();
  std::int64_t now = monotonic_ns();
  for (std::uint64_t seq = 0; seq < 2; ++seq) {
    session.ledger().sent(seq, now, true);
    session.ledger().responded_ok(seq);
  }
  // seq 0 calls back after 150 ms (a straggler the end waits for); seq 1 never does.
  std::thread straggler([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    RawConnection caller(static_cast<int>(std::stoi(session.url().substr(session.url().rfind(':') + 1))));
    caller.exchange(callback_request(json_id(0)));
  });
  auto started = std::chrono::steady_clock::now();
  http::CallbackTotals totals = session.finish(nullptr);
  auto waited = std::chrono::steady_clock::now() - started;
  straggler.join();
  EXPECT_GE(waited, std::chrono::milliseconds(390));  // the whole timeout: seq 1 might still come
  EXPECT_EQ(totals.received, 1u);
  EXPECT_EQ(totals.lost, 1u);
  EXPECT_EQ(totals.expected, 2u);
  EXPECT_GE(static_cast<double>(totals.latency.max()) / 1e6, 150);
}

}  // namespace
}  // namespace perfgate::testing
