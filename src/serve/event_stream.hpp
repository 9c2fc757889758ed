// Server-Sent Events in `perfgate serve`: `GET /events` holds a stream open, `POST /publish`
// broadcasts its body as one event to every current subscriber.
//
//   GET /events[?keepalive=15s][&retry=MS][&chunked=0][&drop_after=N][&skip_every=K]
//     200, Content-Type: text/event-stream, chunked (or, with chunked=0, HTTP/1.0 style: the
//     stream ends with the close). Each event is "id: N\ndata: LINE\n…\n\n" (one data line per
//     line of the published body; ids 0, 1, 2… per server). A comment ": keep-alive" goes out
//     after `keepalive` without an event. `Last-Event-ID: N` replays the events after N that
//     the server still holds (the last kHistory). Hooks for tests: `drop_after=N` closes the
//     stream after N events; `skip_every=K` never sends this subscriber the events whose id
//     is K-1 modulo K (a subscriber that misses events).
//   POST /publish[?delay=DUR]   (a Content-Length body of at most kMaxBody bytes)
//     answers 200 "ok\n" and broadcasts when the response is due (after ?delay and --latency).
//
// An event is formatted once, chunk framing included, into a shared immutable buffer; every
// subscriber's writes point into it (writev), so 1,000 subscribers cost 1,000 sends of the
// same bytes, never 1,000 copies. Each loop keeps the events its subscribers still need; the
// hub, shared by the loops, keeps the last kHistory for replay and wakes every loop (eventfd).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_reader.hpp"
#include "serve/response.hpp"

namespace perfgate::serve::detail {

struct StreamEvent {
  std::uint64_t id = 0;
  std::string wire;           // "<hex size>\r\n" + SSE text + "\r\n"
  std::uint32_t text_offset = 0;
  std::uint32_t text_size = 0;
};
using StreamEventPtr = std::shared_ptr<const StreamEvent>;

// One connection's side of SSE: a subscriber's stream, or the body of a publish being read.
struct StreamState {
  bool requested = false;  // GET /events read: becomes a stream when its response is due
  bool active = false;     // the stream head was queued: events flow
  bool chunked = true;
  bool capturing = false;  // reading a POST /publish body
  std::uint64_t next_id = 0;      // the next event to write
  std::uint32_t offset = 0;       // bytes of that event already written
  std::uint64_t sent = 0;         // events written whole
  std::uint64_t drop_after = 0;   // 0: never
  std::uint64_t skip_every = 0;   // 0: never
  std::int64_t keepalive_ns = 15'000'000'000;
  std::int64_t last_write_ns = 0;
  std::int64_t next_keepalive_ns = 0;  // last_write_ns + keepalive_ns: when a comment is due
  std::int64_t retry_ms = -1;     // sent once at the start when >= 0
  std::int64_t resume_after = -1; // Last-Event-ID, or -1
  std::string control;             // head, retry, keep-alive: written before the next event
  std::size_t control_offset = 0;
  std::string body;                // the publish body being read
  std::deque<std::string> publishes;  // bodies of publishes whose responses are not due yet
};

class EventHub {
 public:
  static constexpr std::size_t kHistory = 4096;

  EventHub();
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // A loop's wake-up: readable after every publish. Owned by the hub.
  int add_loop();
  void publish(std::string_view body);
  // Appends the held events with id >= from to `out`, oldest first.
  void collect(std::uint64_t from, std::vector<StreamEventPtr>& out) const;
  std::uint64_t next_id() const;

 private:
  mutable std::mutex mutex_;
  std::deque<StreamEventPtr> history_;
  std::uint64_t next_id_ = 0;
  std::vector<int> wake_fds_;
};

struct ServeConnection;

// The SSE part of one serve loop.
class LoopStreams {
 public:
  static constexpr std::size_t kMaxBody = 64 * 1024;
  // A subscriber this far behind the newest event is dropped (it may reconnect and replay).
  static constexpr std::uint64_t kMaxBehind = 65536;

  explicit LoopStreams(EventHub& hub);
  int wake_fd() const noexcept { return wake_fd_; }

  // Called with each request head (`head_bytes`: its raw bytes) and the plan made for it:
  // GET /events and POST /publish are claimed (the plan says so: sse_subscribe,
  // sse_publish), bad parameters make the plan a 400.
  enum class Claim : std::uint8_t { kNone, kSubscribe, kPublish };
  Claim on_head(ServeConnection& c, const http::RequestHead& head, std::string_view head_bytes, ResponsePlan& plan);
  // Body bytes of the request being read (a publish keeps them).
  void capture(ServeConnection& c, std::string_view bytes);
  // The request ended: a publish body is queued until its response is due.
  void on_complete(ServeConnection& c);
  // The response of a claimed request is due now.
  void on_subscribe_due(ServeConnection& c, std::int64_t now);
  void on_publish_due(ServeConnection& c);

  // The wake fd fired: takes the new events and returns the live subscribers, which the
  // loop then services (each writes what it owes).
  const std::vector<ServeConnection*>& pull();

  // Writes what the stream owes. Returns -1 when the connection failed or must close,
  // 0 when the socket is full (more to write), 1 when everything owed was written.
  int write(ServeConnection& c, std::int64_t now);
  bool owes(const ServeConnection& c) const noexcept;

 private:
  struct Subscriber {
    ServeConnection* connection;
    std::uint32_t token;
  };
  bool live(const Subscriber& s) const noexcept;
  void take_new_events(bool drain_wake);
  const StreamEvent* event(std::uint64_t id) const noexcept;
  void ensure_from(std::uint64_t id);
  void trim();

  EventHub& hub_;
  int wake_fd_;
  std::deque<StreamEventPtr> events_;  // contiguous ids from base_id_
  std::uint64_t base_id_ = 0;
  std::vector<Subscriber> subscribers_;
  std::vector<StreamEventPtr> scratch_;
  std::vector<ServeConnection*> live_;
};

}  // namespace perfgate::serve::detail
