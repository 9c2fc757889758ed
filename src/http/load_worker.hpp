// One load thread: an epoll loop over its share of the connections, the connection
// state machine, and the thread's own statistics (merged by LoadRun at the end).
// The per-request path makes no allocation, takes no lock and makes no virtual call.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.hpp"
#include "http/load_engine.hpp"
#include "http/response_parser.hpp"

namespace perfgate::http {

// Ends one second of a timeline (the exec engine's too): its latencies join the run's histogram
// and come back as the sparse counts to publish; `second_latency` is reset for the next second.
PublishedSecond close_second(Histogram& second_latency, Histogram& run_latency, std::uint64_t requests,
                             std::uint64_t errors, double end_s);

// The clock starts once every worker has made its connections (or failed to): a schedule
// that started before would count the TCP handshakes as the target's latency.
class StartLine {
 public:
  explicit StartLine(int workers) : waiting_(workers) {}
  // Called once by each worker; returns the shared start time when the last one arrived.
  std::int64_t arrive_and_wait();
  std::int64_t start_ns() const noexcept { return start_ns_.load(std::memory_order_acquire); }  // 0: not yet

 private:
  std::mutex mutex_;
  std::condition_variable started_;
  int waiting_;
  std::atomic<std::int64_t> start_ns_{0};
};

struct WorkerPlan {
  int index = 0;
  int connections = 1;
  std::uint64_t request_budget = 0;   // 0: unlimited
  std::int64_t warmup_ns = 0;
  std::int64_t duration_ns = 0;       // 0: no time limit
  std::int64_t grace_ns = 0;          // how long requests in flight at the end are awaited
  // Open model: this worker's k-th request is due at first_send_ns + k * interval_ns.
  bool open_model = false;
  std::int64_t first_send_offset_ns = 0;
  double interval_ns = 0;
  // Set when the clock starts (StartLine); until then nothing is measured.
  std::int64_t start_ns = 0;
  std::int64_t measure_start_ns = INT64_MAX;  // start + warm-up
  std::int64_t end_ns = 0;                    // 0: no time limit
  std::int64_t first_send_ns = 0;
};

class LoadWorker {
 public:
  // `sequence`: the run's ${seq} counter, shared by every worker.
  LoadWorker(const LoadOptions& options, WorkerPlan plan, const std::atomic<bool>& stop, StartLine& start_line,
             std::atomic<std::uint64_t>& sequence);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  // The thread body.
  void run() noexcept;

  // Progress, readable from other threads.
  std::uint64_t completed() const noexcept { return completed_published_.load(std::memory_order_relaxed); }
  std::uint64_t errored() const noexcept { return errors_published_.load(std::memory_order_relaxed); }
  // Copies the seconds published since second `from` (under the worker's publish lock); seconds
  // already forgotten are skipped.
  std::vector<PublishedSecond> published_since(std::size_t from);
  std::size_t published_count();
  // Frees the seconds before second `upto` (a soak keeps no timeline).
  void forget_published_before(std::size_t upto);

  // Results, valid after run() returned.
  struct Stats {
    std::uint64_t total = 0, ok = 0, errors = 0, bytes_read = 0;
    ErrorCounts error_classes;
    std::array<std::uint64_t, 1000> status{};
    Histogram latency, uncorrected, send_lag;
    std::uint64_t waited_for_connection = 0;
    std::int64_t max_connection_wait_ns = 0;
    std::uint64_t connects_ok = 0, connect_failures = 0;
    std::string last_connect_error;
    double cpu_s = 0;
    std::int64_t measured_until_ns = 0;  // the end of the window, or the last completion (-n)
  };
  const Stats& stats() const noexcept { return stats_; }
  bool unreachable() const noexcept { return unreachable_; }

 private:
  enum class ConnState : std::uint8_t { kClosed, kBackoff, kConnecting, kIdle, kWriting, kReading };
  struct Connection {
    int fd = -1;
    ConnState state = ConnState::kClosed;
    bool measured = false;            // the request in flight was sent while measuring
    std::uint32_t consecutive_connect_failures = 0;
    std::size_t written = 0;
    const char* request = nullptr;      // the request being written: shared bytes, or send_buffer
    std::size_t request_size = 0;
    std::unique_ptr<char[]> send_buffer;  // templated requests are written here (largest size)
    std::uint64_t seq = 0;              // the request in flight's ${seq} (when the run takes seqs)
    std::int64_t latency_start_ns = 0;  // scheduled (open) or actual send (closed)
    std::int64_t sent_ns = 0;
    std::int64_t deadline_ns = 0;       // request timeout, connect timeout or retry time
    std::int64_t idle_since_ns = 0;
    ResponseParser parser;
  };

  void open_connection(Connection& c, std::int64_t now);
  void close_connection(Connection& c);
  void on_connected(Connection& c, std::int64_t now);
  void on_connect_failed(Connection& c, std::int64_t now, int error);
  void on_event(Connection& c, std::uint32_t events);
  void on_readable(Connection& c);
  void on_writable(Connection& c, std::int64_t now);
  void on_response_complete(Connection& c, std::int64_t now);
  void on_transport_error(Connection& c, std::int64_t now, std::uint64_t ErrorCounts::*error_class);
  void on_timeout(Connection& c, std::int64_t now);
  void became_idle(Connection& c, std::int64_t now);
  // Stamps and writes the request; `due` is its scheduled time (open model) or -1 (closed).
  void send_request(Connection& c, std::int64_t due);
  // Picks (and, templated, writes) the next request of the run into c.request.
  void next_request(Connection& c);
  void send_ready();
  void dispatch_due(std::int64_t now);
  // Open model: a request that could not be sent at all (no connection within the timeout,
  // or still unsent when the duration ended).
  void abandon_due(std::int64_t due, std::int64_t now, bool timed);
  void abandon_unsent_at_end();
  void abandon_in_flight(std::int64_t now);
  void connect_all();
  void start_clock(std::int64_t start);
  void scan_deadlines(std::int64_t now);
  void count_request(bool measured, bool ok, std::int64_t now);
  // Files what completes at `now` in the second it completed in (rolling over as needed).
  void file_at(std::int64_t now);
  void roll_second(std::int64_t end);
  bool may_send_more() const noexcept;
  std::int64_t scheduled_ns(std::uint64_t k) const noexcept;
  std::int64_t next_wakeup(std::int64_t now) const noexcept;
  bool done(std::int64_t now) const noexcept;
  void set_interest(Connection& c, std::uint32_t events);

  const LoadOptions& options_;
  WorkerPlan plan_;
  std::atomic<std::uint64_t>& sequence_;
  bool takes_seq_ = false;            // a template uses ${seq}/${request_id}, several requests, or an observer
  std::uint64_t rng_state_ = 0;       // ${uuid}, ${rand:…}
  TemplateValues template_values_;
  const std::atomic<bool>& stop_;
  StartLine& start_line_;
  int epoll_fd_ = -1;
  std::vector<Connection> connections_;
  std::vector<Connection*> idle_;           // open model: connections free to send
  std::vector<Connection*> ready_to_send_;  // closed model: to send after this batch of events
  std::vector<char> read_buffer_;
  Stats stats_;
  bool unreachable_ = false;
  bool started_ = false;   // the clock runs: sends may go
  bool stopping_ = false;  // nothing new is sent

  std::uint64_t measured_sent_ = 0;       // measured requests attempted (or, closed model, failed to connect)
  std::uint64_t measured_done_ = 0;       // of those, finished (ok or error)
  std::uint64_t next_scheduled_ = 0;      // open model: index of the next request to send
  std::int64_t next_scan_ns_ = 0;
  std::int64_t scan_interval_ns_ = 0;

  // The current second of the timeline.
  std::int64_t second_end_ns_ = 0;
  std::uint64_t second_requests_ = 0;
  std::uint64_t second_errors_ = 0;
  Histogram second_latency_;
  PublishedSeconds published_;
  std::atomic<std::uint64_t> completed_published_{0};
  std::atomic<std::uint64_t> errors_published_{0};
};

}  // namespace perfgate::http
