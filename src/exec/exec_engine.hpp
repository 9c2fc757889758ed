// The `perfgate exec` engine: loads any operation through worker processes that speak a line
// protocol on their stdin and stdout. Knows nothing about the command line or the terminal.
//
//   worker -> perfgate   ready                       once, when it can take work
//   perfgate -> worker   ID  or  ID<TAB>PAYLOAD      one operation
//   worker -> perfgate   ID<TAB>ok  or  ID<TAB>error<TAB>MESSAGE   (any order with in_flight > 1)
//
// One thread runs one epoll loop over all the workers' pipes. Closed model: `concurrency`
// operations in flight, spread over the workers, each sending its next operation when one is
// answered. Open model: operations due at a constant aggregate rate, each given to a worker with
// a free place (at most `in_flight` each), latency from the scheduled time (the latency from the
// actual write beside it). The result is an http::LoadResult, so summaries, metrics,
// thresholds and validity read it as they read an HTTP run's.
//
//   ExecRun run(options);
//   run.start_workers(&stop_flag);   // before the clock: each prints `ready`; throws RunError
//   run.start();
//   while (!run.finished()) { ... run.snapshot() ... }
//   ExecResult result = run.wait();  // result.failure: a worker died or broke the protocol
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/units.hpp"
#include "http/load_engine.hpp"

namespace perfgate::exec {

struct ExecOptions {
  std::vector<std::string> argv;           // the worker: program and arguments
  int workers = 1;
  int in_flight = 1;                       // at most this many operations per worker
  int concurrency = 1;                     // closed model: operations in flight over all workers
  std::optional<Nanos> duration;           // nullopt: until `operations` are done
  std::uint64_t operations = 0;            // 0: no count limit
  std::optional<double> rate_per_s;        // set: open model
  Nanos warmup{0};
  Nanos timeout{std::chrono::seconds(10)};  // an operation not answered by then is a timeout
  std::optional<Nanos> grace;              // nullopt: the smaller of timeout and 10 s
  Nanos ready_timeout{std::chrono::seconds(30)};
  std::optional<std::string> payload;      // a template (core/text_template.hpp); nullopt: the ID alone
  std::string stderr_directory;            // worker-N.stderr go here
  // false: take_seconds() frees the seconds it returns, and the result has no timeline (a soak
  // of any length holds only the seconds not yet taken), as http::LoadOptions::keep_seconds.
  bool keep_seconds = true;
};

struct ExecResult {
  http::LoadResult load;
  // The benchmark ended because a worker exited or broke the protocol (exit 3): which worker,
  // what it did, and the end of its stderr.
  std::optional<std::string> failure;
  std::uint64_t error_answers = 0;                       // ID<TAB>error<TAB>…
  std::map<std::string, std::uint64_t> error_messages;   // the first distinct messages, counted
  std::uint64_t late_answers = 0;                        // for operations already counted as timeouts
  std::vector<std::string> stderr_paths;
};

class ExecRun {
 public:
  explicit ExecRun(ExecOptions options);  // throws TemplateError for a payload that does not compile
  ~ExecRun();
  ExecRun(const ExecRun&) = delete;
  ExecRun& operator=(const ExecRun&) = delete;

  // Starts the workers and waits until each printed `ready` (up to ready_timeout, or `stop`).
  // Throws RunError naming the worker, with the end of its stderr, when one cannot start, exits
  // or prints something else first. The workers are stopped on every path (destructor too).
  void start_workers(const std::atomic<bool>* stop = nullptr);
  pid_t process_group() const noexcept;

  void start();                    // the clock starts; the loop runs on its own thread
  void request_stop() noexcept;    // SIGINT: stop sending, keep what was measured
  bool finished() const noexcept;
  http::ProgressSnapshot snapshot();
  // The seconds of the measured window closed since the last call (the last, short one once
  // the run has finished), in order: interval logs. As http::LoadRun::take_seconds.
  std::vector<http::PublishedSecond> take_seconds();
  ExecResult wait();               // joins the loop and stops the workers

  class Loop;

 private:
  ExecOptions options_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
};

}  // namespace perfgate::exec
