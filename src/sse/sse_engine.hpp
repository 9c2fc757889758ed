// The Server-Sent Events engine: N subscribers hold streams (as few epoll threads as asked,
// 1,000 subscribers on one thread is normal), and either perfgate publishes on a schedule
// (POST to a publish URL at a constant rate, the body a template carrying the event's id) or
// the events carry their own timestamp. Delivery latency per (event, subscriber): from the
// scheduled publish (coordinated omission corrected) or from the event's timestamp field, to
// the subscriber's receipt. Knows nothing about the terminal.
//
//   SseOptions o; o.url = …; o.subscribers = 1000; o.publish = PublishOptions{…};
//   SseRun run(o); run.start(); … run.snapshot() … ; SseResult r = run.wait();
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/histogram.hpp"
#include "core/text_template.hpp"
#include "core/units.hpp"
#include "http/load_engine.hpp"
#include "http/url.hpp"

namespace perfgate::sse {

struct PublishOptions {
  http::Url url;
  http::ResolvedAddress address;
  double rate_per_s = 10;
  TextTemplate body;      // ${seq} is the event's id (the k-th publish has seq k)
  std::string body_text;  // as written, for the document
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  int connections = 4;  // kept open to the publish URL; a publish due with none free waits
};

// Where an event's id (matching it to its publish) or its timestamp is in the event's data.
struct DataField {
  std::string name;  // `json:NAME`: the first "NAME": number in the data
  std::string written() const { return "json:" + name; }
};
// nullopt when `text` is not json:NAME.
std::optional<DataField> parse_data_field(std::string_view text);
// The number after `"NAME":` in `data` (white space allowed, the number may be quoted), or nullopt.
std::optional<std::uint64_t> find_number_field(std::string_view data, std::string_view name);

struct SseOptions {
  http::Url url;
  http::ResolvedAddress address;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with each subscription
  int subscribers = 10;
  int threads = 1;  // subscriber threads
  Nanos duration{std::chrono::seconds(10)};
  // An event not received by a subscriber within this after its (scheduled) publish is lost.
  Nanos timeout{std::chrono::seconds(10)};
  std::optional<PublishOptions> publish;
  DataField id_field{"seq"};
  std::optional<DataField> ts_field;  // without publish: ms since the epoch, same machine clock
  // Reconnecting: after this (or the stream's `retry:`), doubling while attempts fail, up to 1 s.
  Nanos reconnect_delay{std::chrono::milliseconds(100)};
};

struct SseResult {
  double duration_s = 0;       // the publishing (or listening) window
  int threads = 0;
  int subscribers = 0;
  bool interrupted = false;
  bool unreachable = false;    // no subscription ever succeeded
  bool publish_unreachable = false;  // no connection to the publish URL ever succeeded
  std::string publish_error;         // the publisher's last failure
  std::string connect_error;   // the last failure, for messages

  std::uint64_t published = 0;        // publishes answered 2xx
  std::uint64_t publish_errors = 0;   // publishes that failed (status >= 400, transport, timeout)
  std::uint64_t events_expected = 0;  // (event, subscriber) pairs that had their whole timeout
  std::uint64_t events_received = 0;  // first arrivals within the timeout
  std::uint64_t events_lost = 0;
  std::uint64_t events_late = 0;      // first arrivals after the timeout (counted lost, not timed)
  std::uint64_t events_duplicate = 0;
  std::uint64_t events_unknown = 0;   // no id field, or an id never published
  std::uint64_t events_total = 0;     // every event dispatched to any subscriber
  std::uint64_t reconnects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t comments = 0;
  std::uint64_t bytes_read = 0;

  Histogram delivery;    // first arrivals, ns
  Histogram connect;     // from connect() to the stream's response head, ns
  Histogram publish_lag; // actual send - scheduled time, ns

  double client_cpu_s = 0;        // subscriber threads while measuring
  double client_cpu_fraction = 0; // of their capacity
  double publisher_cpu_s = 0;
  bool valid = true;
  std::string invalid_reason;
  std::vector<std::string> notes;

  double lost_ratio() const {
    return events_expected != 0 ? static_cast<double>(events_lost) / static_cast<double>(events_expected) : 0;
  }
  double throughput_eps() const { return duration_s > 0 ? static_cast<double>(events_received) / duration_s : 0; }
};

struct SseProgress {
  double elapsed_s = 0;
  double planned_s = 0;
  std::uint64_t received = 0;  // events dispatched to subscribers so far
  std::uint64_t published = 0;
  int connected = 0;
};

class SubscriberLoop;
class Publisher;
struct RunState;

class SseRun {
 public:
  explicit SseRun(SseOptions options);
  ~SseRun();
  SseRun(const SseRun&) = delete;
  SseRun& operator=(const SseRun&) = delete;

  void start();
  void request_stop() noexcept;  // SIGINT: stop publishing, keep what was measured
  bool finished() const noexcept;
  SseProgress snapshot() const;
  // The seconds of the window that every subscriber thread has closed since the last call (all
  // of them once the run has finished), merged: the delivery latency of the first arrivals
  // received in each second (the result's `delivery`), for interval logs.
  std::vector<http::PublishedSecond> take_seconds();
  // The wall clock (ns since the epoch) when the window began (now, when it has not).
  std::int64_t window_start_wall_ns() const;
  SseResult wait();

 private:
  SseOptions options_;
  std::unique_ptr<RunState> state_;  // before the loops: they use it until they are destroyed
  std::vector<std::unique_ptr<SubscriberLoop>> loops_;
  std::unique_ptr<Publisher> publisher_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> running_{0};
  std::int64_t start_ns_ = 0;
  std::size_t seconds_taken_ = 0;
  Histogram merge_scratch_;
};

}  // namespace perfgate::sse
