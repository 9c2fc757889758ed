// One subscriber thread: an epoll loop over its share of the subscriptions. Each holds a
// stream (GET with Accept: text/event-stream), reads it through the HTTP response parser
// (head, chunked framing) into the event parser, and matches every event to its publish.
// A dropped stream is reconnected with Last-Event-ID.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.hpp"
#include "http/load_engine.hpp"
#include "http/response_parser.hpp"
#include "sse/event_parser.hpp"
#include "sse/run_state.hpp"
#include "sse/sse_engine.hpp"

namespace perfgate::sse {

class SubscriberLoop {
 public:
  SubscriberLoop(const SseOptions& options, RunState& state, int subscriptions);
  ~SubscriberLoop();
  SubscriberLoop(const SubscriberLoop&) = delete;
  SubscriberLoop& operator=(const SubscriberLoop&) = delete;

  void run() noexcept;

  struct Stats {
    std::uint64_t events_total = 0, duplicates = 0, unknown = 0, reconnects = 0;
    std::uint64_t connect_failures = 0, comments = 0, bytes_read = 0;
    std::uint64_t ts_received = 0;  // timed events without a publisher (--ts-field)
    Histogram delivery, connect;
    std::string last_connect_error;
    bool ever_connected = false;
    double cpu_s = 0;
    std::int64_t ended_ns = 0;
    // Per subscription: the events seen (bit k: seq k, relative to id_base in ts mode).
    std::vector<std::vector<std::uint64_t>> seen;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> late;  // (subscription, seq) past the timeout
    // ts mode: per seq (relative), the event's own timestamp in ns since the epoch.
    std::vector<std::int64_t> ts_of_seq;
  };
  const Stats& stats() const noexcept { return stats_; }
  // The seconds of the measured window this thread has closed (each the delivery latencies of
  // the first arrivals received in it), for SseRun::take_seconds (as http's LoadWorker).
  std::vector<http::PublishedSecond> published_since(std::size_t from) { return published_.since(from); }
  std::size_t published_count() { return published_.count(); }
  void forget_published_before(std::size_t upto) { published_.forget_before(upto); }
  // Ids this far apart from the first are not tracked (lost/duplicate) in ts mode.
  static constexpr std::uint64_t kMaxTrackedIds = std::uint64_t{1} << 20;

 private:
  enum class State : std::uint8_t { kIdle, kBackoff, kConnecting, kAwaitingHead, kStreaming };
  struct Subscription {
    SubscriberLoop* loop = nullptr;
    std::uint32_t index = 0;
    int fd = -1;
    State state = State::kIdle;
    bool ever_streamed = false;
    std::uint32_t failures = 0;
    std::int64_t connect_started_ns = 0;
    std::int64_t deadline_ns = 0;  // head timeout, or the retry time
    std::string unsent;            // the request bytes not written yet
    http::ResponseParser parser;
    EventParser events;
  };

  static void on_body(void* context, const char* data, std::size_t len);
  void on_event(Subscription& s, const Event& e);
  void open(Subscription& s, std::int64_t now);
  void on_writable(Subscription& s, std::int64_t now);
  void on_readable(Subscription& s, std::int64_t now);
  void drop(Subscription& s, std::int64_t now, const std::string& why, bool failed_attempt);
  void close_fd(Subscription& s);
  void scan(std::int64_t now);
  bool done(std::int64_t now) const;
  std::string request_for(const Subscription& s) const;
  void mark_seen(Subscription& s, std::uint64_t seq, bool& duplicate);
  void record_delivery(std::int64_t latency);
  void file_at(std::int64_t now);
  void roll_second(std::int64_t end);

  const SseOptions& options_;
  RunState& state_;
  int epoll_fd_ = -1;
  std::vector<Subscription> subs_;
  std::vector<char> buffer_;
  Stats stats_;
  bool started_ = false;
  bool ending_ = false;
  // The receipt time of the bytes being parsed: one clock reading per read().
  std::int64_t read_mono_ns_ = 0;
  std::int64_t read_wall_ns_ = 0;
  std::uint64_t batch_first_arrivals_ = 0;
  std::uint64_t batch_events_ = 0;

  // The measured window a second at a time, by receipt time; arrivals after its end (an event
  // published near the end) are filed in its last second, as http files late responses.
  std::int64_t start_ns_ = 0;
  std::int64_t window_end_ns_ = 0;
  std::int64_t second_end_ns_ = 0;
  std::uint64_t second_arrivals_ = 0;
  Histogram second_delivery_;  // merged into stats_.delivery when the second closes
  http::PublishedSeconds published_;
};

}  // namespace perfgate::sse
