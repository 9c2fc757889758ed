// serve's callbacks (`--callback-delay DUR`, `?callback_delay=`): a request that names a
// `callback_url` is answered 202 at once, and after the delay (± --jitter) serve POSTs
// `{"id": "<id>"}` to that URL — a target whose asynchronous answer has a known latency, for
// `perfgate http --callback-listen`.
//
// Where a request names them: the query (`?callback_url=URL&id=ID`, raw or percent-encoded)
// or else the top-level fields `callback_url` and `id` of its JSON body. The URL must be
// http:// on this machine (127.0.0.1, [::1] or localhost): anything else is answered 400, so
// serve never becomes a way to send requests elsewhere. With --callback-delay a request that
// names no callback_url is answered as usual; with ?callback_delay= it is a 400.
//
// The posts leave from one sender thread (started with the first callback), each over a
// keep-alive connection to its URL's address, reused while it lasts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "http/request_reader.hpp"
#include "serve/response.hpp"
#include "serve/server.hpp"

namespace perfgate::serve::detail {

// What one request asked of the callbacks, between its head and its end.
struct CallbackRequest {
  bool wanted = false;            // a callback_url may come (the head decided)
  bool url_required = false;      // ?callback_delay= was given: no callback_url is a 400
  std::int64_t delay_ns = 0;
  std::string url;                // from the query; else read from the body at the end
  std::string id;
  std::vector<char> body;         // where the reader keeps a JSON body
};

class CallbackSender {
 public:
  CallbackSender() = default;
  ~CallbackSender();
  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  // POSTs {"id": id} to `url` (already checked to be local) at `due_ns` (monotonic).
  void post_at(std::int64_t due_ns, std::string url, std::string id);

 private:
  struct Due {
    std::int64_t due_ns;
    std::uint64_t order;  // FIFO among equal times
    std::string url;
    std::string id;
    bool operator>(const Due& other) const noexcept {
      return due_ns != other.due_ns ? due_ns > other.due_ns : order > other.order;
    }
  };
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> queue_;
  std::uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// At a request's head: whether it asks for a callback (--callback-delay or ?callback_delay=),
// and if so the plan becomes 202 (or 400 for a bad parameter) and the body is kept when the
// URL is not in the query. `state` holds what the end needs.
void callback_on_head(const http::RequestHead& head, const ServeOptions& options, FastRandom& random,
                      http::RequestReader& reader, std::unique_ptr<CallbackRequest>& state, ResponsePlan& plan);

// At the request's end: reads the body's fields if needed and schedules the post (or makes the
// plan a 400 saying what is missing).
void callback_on_complete(std::unique_ptr<CallbackRequest>& state, http::RequestReader& reader, std::int64_t now_ns,
                          CallbackSender& sender, ResponsePlan& plan);

// Whether a callback URL points at this machine (the only place serve calls back to).
bool is_local_callback_url(std::string_view url);

}  // namespace perfgate::serve::detail
