// The HTTP load engine: drives `connections` keep-alive connections over `threads`
// epoll loops, in the closed model (each connection sends its next request when the
// previous response completes) or the open model (requests scheduled at a constant
// aggregate rate, latency measured from the scheduled time: coordinated omission
// corrected). Knows nothing about the terminal: the CLI polls snapshot() for progress.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/histogram.hpp"
#include "core/units.hpp"
#include "http/callback_ledger.hpp"
#include "http/request_template.hpp"
#include "http/url.hpp"

namespace perfgate::http {

// One request about to be written: where a callback listener records (seq -> scheduled time).
struct SentRequest {
  std::uint64_t seq = 0;            // ${seq}: unique and gap-free across the run's threads
  std::int64_t scheduled_ns = 0;    // monotonic: the scheduled send (open model) or the send (closed)
  std::int64_t sent_ns = 0;         // monotonic: now, just before the write
  bool measured = false;            // false during the warm-up
  int worker = 0;                   // the thread's index
};

// Told of every request just before it is written, on the load threads (at once from several:
// implementations are thread-safe and quick; the callback listener is one).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_sent(const SentRequest& request) noexcept = 0;
  // A request observed by on_sent got its whole direct response (`ok`: status < 400). Measured
  // requests only; not for transport errors or timeouts.
  virtual void on_response(std::uint64_t /*seq*/, bool /*ok*/) noexcept {}
};

struct LoadOptions {
  Url url;
  ResolvedAddress address;
  std::string request;           // the serialized request (see request_template.hpp)
  bool head_request = false;     // responses to HEAD have no body
  // When not empty, sent instead of `request`, round-robin across the run (request i of the
  // run, counted by ${seq}'s counter, is request_set[i % size]): templated requests, --targets.
  // All share url's host and port, since connections are reused.
  std::vector<PreparedRequest> request_set;
  std::uint32_t run_nonce = 0;   // ${request_id}'s prefix (random per run)
  std::string callback_url;      // ${callback_url}: the callback listener's URL, empty without one
  RequestObserver* observer = nullptr;  // not owned; set: a seq is taken for every request
  int connections = 10;
  int threads = 1;
  std::optional<Nanos> duration;         // nullopt: until `requests` are done
  std::uint64_t requests = 0;            // 0: no count limit
  std::optional<double> rate_per_s;      // set: open model
  Nanos warmup{0};
  Nanos timeout{std::chrono::seconds(10)};
  // How long requests in flight when the duration ends are awaited (then they are timeouts);
  // nullopt: the smaller of `timeout` and 10 s.
  std::optional<Nanos> grace;
  // false: take_seconds() frees the seconds it returns, and the result has no timeline (a soak
  // of any length holds only the seconds not yet taken).
  bool keep_seconds = true;
};

// The grace period a run uses (see LoadOptions::grace).
Nanos grace_period(const LoadOptions& options);

// File descriptors a run needs besides one per connection (epoll, stdio, outputs).
constexpr std::uint64_t kDescriptorsBesideConnections = 32;
// Raises the soft RLIMIT_NOFILE towards the hard limit when `connections` need more, and
// returns the descriptors now available (the soft limit).
std::uint64_t raise_descriptor_limit(int connections);

struct ErrorCounts {
  std::uint64_t timeout = 0;
  std::uint64_t connect = 0;
  std::uint64_t reset = 0;
  std::uint64_t protocol = 0;
  std::uint64_t transport_total() const { return timeout + connect + reset + protocol; }
};

struct TimelinePoint {
  double t_s = 0;              // end of the interval, seconds since measuring began
  std::uint64_t requests = 0;  // completed in the interval
  std::uint64_t errors = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

struct LoadResult {
  bool open_model = false;
  double rate_per_s = 0;        // requested (open model)
  double duration_s = 0;        // measured span (open model with -n: at least the schedule's)
  int threads = 0;              // threads actually started
  bool interrupted = false;
  bool unreachable = false;     // no connection could ever be made
  std::string connect_error;    // the last connect failure, for messages

  std::uint64_t total = 0;
  std::uint64_t ok = 0;
  std::uint64_t errors = 0;     // transport errors + responses with status >= 400
  ErrorCounts error_classes;
  std::map<int, std::uint64_t> status;
  std::uint64_t bytes_read = 0;

  Histogram latency;              // open model: from the scheduled send (corrected)
  Histogram latency_uncorrected;  // open model: from the actual send
  Histogram send_lag;             // open model: actual send - when it could have gone
  std::vector<TimelinePoint> timeline;

  // Honesty about the load generator itself and about the target.
  std::uint64_t waited_for_connection = 0;  // open model: scheduled sends that found no free connection
  std::int64_t max_connection_wait_ns = 0;
  double client_cpu_s = 0;                  // user + sys of the engine's threads while measuring
  double client_cpu_fraction = 0;           // of the threads' capacity (threads × duration)
  bool valid = true;
  std::string invalid_reason;
  bool nothing_completed = false;           // no ok response: invalid, and `perfgate http` exits 3
  std::vector<std::string> notes;           // things the summary must say (target kept up? etc.)
  std::optional<CallbackTotals> callbacks;  // the run listened for callbacks

  // Latency samples that are timeouts (recorded at the latency they had when abandoned).
  std::uint64_t timeout_samples() const { return error_classes.timeout; }
  double throughput_rps() const { return duration_s > 0 ? static_cast<double>(total) / duration_s : 0; }
  double achieved_rate_of_requested() const;
};

// Marks the result invalid when perfgate itself fell behind (open model: p99 send lag above
// 5 ms with a connection free, or its threads over 95% busy) and adds the notes the summary
// must show (the target did not keep up with the rate; the client was CPU-bound).
void judge_result(LoadResult& result);

struct ProgressSnapshot {
  double elapsed_s = 0;            // since the start (warm-up included)
  double planned_s = 0;            // warm-up + duration; 0 when bounded by count only
  bool warming_up = false;
  std::uint64_t completed = 0;     // measured requests done
  std::uint64_t planned_requests = 0;
  std::uint64_t errors = 0;
  double requests_per_s = 0;       // over the last snapshot interval
  double p50_ms = 0;               // measured so far (whole seconds published so far)
  double p99_ms = 0;
};

// One second of the measured window: what a worker publishes once a second, and what
// LoadRun::take_seconds() returns merged over the workers.
struct PublishedSecond {
  std::size_t index = 0;  // the n-th second of the measured window
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double end_s = 0;  // seconds since measuring began (the last second may be short)
  // The latency histogram of the second, sparse: (index, count) in a default-shaped Histogram.
  std::vector<std::pair<std::int32_t, std::int64_t>> counts;
};

// The seconds one thread has closed, for another thread to take (take_merged_seconds below):
// numbered as they are published, freed once taken when the run keeps none.
class PublishedSeconds {
 public:
  void publish(PublishedSecond second);  // sets second.index
  std::vector<PublishedSecond> since(std::size_t from);
  std::size_t count();
  void forget_before(std::size_t upto);

 private:
  std::mutex mutex_;
  std::vector<PublishedSecond> seconds_;
  std::size_t forgotten_ = 0;  // seconds before seconds_[0]
};

// Merges the seconds [first, first + count) of several threads (by_thread[t][i] is second
// first + i of thread t, when it has it): requests and errors added, histograms merged.
std::vector<PublishedSecond> merge_seconds(std::vector<std::vector<PublishedSecond>>& by_thread, std::size_t first,
                                           std::size_t count, Histogram& scratch);

// take_seconds() of a run whose threads each publish their seconds (published_count(),
// published_since(n), forget_published_before(n)): the seconds every thread has closed since
// `taken` (all of them once the run has `finished`), merged over the threads, in order.
template <typename Threads>
std::vector<PublishedSecond> take_merged_seconds(Threads& threads, bool finished, bool forget, std::size_t& taken,
                                                 Histogram& scratch) {
  std::size_t upto = finished ? 0 : SIZE_MAX;
  for (auto& thread : threads) {
    std::size_t count = thread->published_count();
    upto = finished ? std::max(upto, count) : std::min(upto, count);
  }
  if (threads.empty() || upto <= taken) return {};
  std::vector<std::vector<PublishedSecond>> by_thread;
  for (auto& thread : threads) {
    by_thread.push_back(thread->published_since(taken));
    if (forget) thread->forget_published_before(upto);
  }
  std::vector<PublishedSecond> merged = merge_seconds(by_thread, taken, upto - taken, scratch);
  taken = upto;
  return merged;
}

class LoadWorker;
class StartLine;

// One load run. start() launches the threads and returns; wait() joins them.
class LoadRun {
 public:
  explicit LoadRun(LoadOptions options);
  ~LoadRun();
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  void start();
  // Asks every thread to stop sending (SIGINT); what was measured is kept.
  void request_stop() noexcept;
  bool finished() const noexcept;
  ProgressSnapshot snapshot();
  // The seconds that every thread has finished since the last call (all of them once the run
  // has finished), merged over the threads, in order: interval logs and soak checkpoints.
  // Reads what the threads publish once a second anyway, so the request path is not touched.
  std::vector<PublishedSecond> take_seconds();
  // Joins the threads and merges their results.
  LoadResult wait();

 private:
  void join_threads();

  LoadOptions options_;
  std::vector<std::unique_ptr<LoadWorker>> workers_;
  std::vector<std::thread> threads_;
  std::unique_ptr<StartLine> start_line_;
  std::atomic<bool> stop_{false};
  std::atomic<int> running_{0};
  std::atomic<std::uint64_t> sequence_{0};  // ${seq}: the next request's number
  std::int64_t start_ns_ = 0;
  Histogram progress_latency_;
  std::vector<std::size_t> progress_seconds_seen_;
  std::int64_t last_snapshot_ns_ = 0;
  std::uint64_t last_snapshot_completed_ = 0;
  double last_rate_ = 0;
  std::size_t seconds_taken_ = 0;
  Histogram merge_scratch_;
};

}  // namespace perfgate::http
