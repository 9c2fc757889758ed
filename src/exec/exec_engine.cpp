// The exec engine's loop; see exec_engine.hpp. Per operation: the ID (and payload) appended to
// the worker's output buffer, flushed once per batch of events with one write per worker; the
// answers read many lines per read(), each matched to its operation through a small open-
// addressing table, its latency recorded into the current second's histogram.
#include "exec/exec_engine.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/event_wait.hpp"
#include "core/histogram.hpp"
#include "core/text_template.hpp"
#include "exec/worker_process.hpp"
#include "http/load_worker.hpp"

namespace perfgate::exec {
namespace {

constexpr int kMaxEvents = 64;
constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kMaxSleepNs = 50'000'000;  // wake at least this often to see a stop
constexpr std::size_t kMaxDistinctMessages = 20;
constexpr std::size_t kQuotedLineBytes = 120;

double ns_to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string quoted(std::string_view line) {
  std::string shown(line.substr(0, kQuotedLineBytes));
  std::string out;
  for (char c : shown) {
    if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return "'" + out + (line.size() > kQuotedLineBytes ? "...'" : "'");
}

// judge_result speaks of connections and threads; an exec run has worker places and one thread.
void reword_for_workers(std::string& text) {
  auto replace = [&](std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace("with a connection free", "with a worker place free");
  replace("a free connection", "a free worker place");
  replace("more threads with -t, or a lower --rate", "a lower --rate, or a faster worker");
  replace(" (try -t)", "");
  replace("requests", "operations");
  replace("req/s", "ops/s");
}

}  // namespace

class ExecRun::Loop {
 public:
  Loop(const ExecOptions& options, const std::atomic<bool>& stop) : options_(options), stop_(stop) {
    std::size_t places = static_cast<std::size_t>(options.workers) * static_cast<std::size_t>(options.in_flight);
    std::size_t capacity = 16;
    while (capacity < 2 * places) capacity *= 2;
    ops_.resize(capacity);
    mask_ = capacity - 1;
    state_.resize(static_cast<std::size_t>(options.workers));
    for (std::size_t w = 0; w < state_.size(); ++w) {
      int share = options.concurrency / options.workers + (static_cast<int>(w) < options.concurrency % options.workers ? 1 : 0);
      state_[w].share = share;
      state_[w].out.reserve(4096);
    }
    free_places_ = static_cast<std::int64_t>(places);
    scan_interval_ns_ = std::clamp<std::int64_t>(options.timeout.count() / 20, 1'000'000, 100'000'000);
    if (options.payload) payload_template_ = TextTemplate::compile(*options.payload);
    payload_literal_ = payload_template_.is_literal();
    rng_state_ = random_seed();
    template_values_.run_nonce = random_run_nonce();
    template_values_.rng_state = &rng_state_;
    if (options.rate_per_s) interval_ns_ = 1e9 / *options.rate_per_s;
  }

  ~Loop() {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
  }

  WorkerGroup& group() { return group_; }

  void start_workers(const std::atomic<bool>* stop) {
    group_.start(options_.argv, options_.workers, options_.stderr_directory);
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t w = 0; w < group_.size(); ++w) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = w * 2;
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, group_[w].from_worker.get(), &ev);
      ev.events = 0;
      ev.data.u64 = w * 2 + 1;
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, group_[w].to_worker.get(), &ev);
    }
    std::size_t ready = 0;
    std::int64_t deadline = monotonic_ns() + options_.ready_timeout.count();
    epoll_event events[kMaxEvents];
    while (ready < state_.size()) {
      if (stop != nullptr && stop->load()) throw RunError("interrupted while the workers were starting");
      std::int64_t now = monotonic_ns();
      if (now >= deadline) {
        for (std::size_t w = 0; w < state_.size(); ++w) {
          if (!state_[w].ready) {
            throw RunError(worker_failure(w, fmt::format("did not print 'ready' within {}",
                                                         format_duration(options_.ready_timeout)), false));
          }
        }
      }
      int n = wait_for_events(epoll_fd_, events, std::min(deadline - now, kMaxSleepNs));
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 % 2 != 0) continue;
        std::size_t w = static_cast<std::size_t>(events[i].data.u64 / 2);
        WorkerState& s = state_[w];
        if (s.ready) continue;
        ReadOutcome got = read_available(w);
        s.reader.for_each_line([&](std::string_view line) {
          if (line != "ready") {
            throw RunError(worker_failure(w, fmt::format("printed {} before 'ready'", quoted(line)), false));
          }
          s.ready = true;
          ++ready;
          return false;  // anything after `ready` is read in the run
        });
        if (got == ReadOutcome::kLineTooLong) {
          throw RunError(worker_failure(w, "printed a line longer than 64 KiB before 'ready'", false));
        }
        if (got == ReadOutcome::kEnd && !s.ready) throw RunError(worker_failure(w, "before it printed 'ready'", true));
      }
    }
  }

  // The thread body.
  void run() noexcept {
    // The open model wakes for due times: the default 50 us timer slack would make every
    // operation that much late, in the corrected latency.
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    // A write to a worker that has exited must be EPIPE here, not SIGPIPE for the process (the
    // CLI ignores SIGPIPE; a library user may not).
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    start_clock(monotonic_ns());
    cpu_at_measure_start_ = thread_cpu_seconds();
    bool measuring = monotonic_ns() >= measure_start_ns_;
    bool draining = false;
    std::int64_t drain_until = 0;
    epoll_event events[kMaxEvents];
    if (!open_model()) {
      for (std::size_t w = 0; w < state_.size(); ++w) {
        for (int k = 0; k < state_[w].share && may_send_more(); ++k) send_op(w, -1);
      }
    }
    flush_all();
    while (!failed_) {
      std::int64_t now = monotonic_ns();
      if (!measuring && now >= measure_start_ns_) {
        measuring = true;
        cpu_at_measure_start_ = thread_cpu_seconds();
      }
      if (stop_.load(std::memory_order_relaxed)) {
        interrupted_ = true;  // what is in flight is dropped, not awaited
        break;
      }
      if (!draining && done(now)) {
        abandon_unsent_at_end();
        stopping_ = true;
        draining = true;
        drain_until = std::max(now, end_ns_) + grace_ns();
      }
      if (draining && (measured_done_ >= measured_sent_ || now >= drain_until)) break;
      if (measuring) file_at(now);
      if (now >= next_scan_ns_) scan_deadlines(now);
      if (open_model()) dispatch_due(now);
      flush_all();
      std::int64_t sleep_ns = next_wakeup(now);
      if (draining) sleep_ns = std::min(sleep_ns, std::max<std::int64_t>(drain_until - now, 0));
      int n = wait_for_events(epoll_fd_, events, sleep_ns);
      for (int i = 0; i < n && !failed_; ++i) {
        auto w = static_cast<std::size_t>(events[i].data.u64 / 2);
        if (events[i].data.u64 % 2 != 0) {
          // Its stdin: writable again, or closed by the worker (an error epoll reports always).
          if ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0) {
            fail(w, "closed its stdin", true);
          } else {
            flush(w);
          }
        } else {
          on_readable(w);
        }
      }
      if (open_model() && !failed_) dispatch_due(monotonic_ns());
      flush_all();
    }
    stopping_ = true;
    std::int64_t now = monotonic_ns();
    if (!interrupted_ && !failed_) abandon_in_flight(now);
    if (interrupted_ || failed_) {
      measured_until_ns_ = end_ns_ != 0 ? std::min(now, end_ns_) : now;
    } else if (end_ns_ != 0 && (options_.operations == 0 || measured_done_ < options_.operations)) {
      measured_until_ns_ = end_ns_;
    }
    measured_until_ns_ = std::max(measured_until_ns_, measure_start_ns_);
    if (second_requests_ != 0 || second_end_ns_ - kSecondNs < measured_until_ns_) {
      roll_second(std::min(measured_until_ns_, second_end_ns_));
    }
    cpu_s_ = thread_cpu_seconds() - cpu_at_measure_start_;
  }

  // After run() returned: stops the workers and gathers the result.
  ExecResult result(bool interrupted) {
    ExecResult out;
    if (failed_) {
      // A worker that died is asked how; one that broke the protocol is stopped first, so its
      // stderr is complete when its end is quoted.
      std::string what = failed_by_exit_ ? group_.exit_of(failed_worker_, std::chrono::seconds(1)).value_or(failure_what_)
                                         : failure_what_;
      group_.stop();
      out.failure = worker_failure(failed_worker_, what, false);
    }
    group_.stop();
    http::LoadResult& r = out.load;
    r.open_model = open_model();
    r.rate_per_s = options_.rate_per_s.value_or(0);
    r.interrupted = interrupted || interrupted_;
    r.threads = 1;
    r.total = total_;
    r.ok = ok_;
    r.errors = errors_;
    r.error_classes.timeout = timeouts_;
    r.latency = std::move(latency_);
    r.latency_uncorrected = std::move(uncorrected_);
    r.send_lag = std::move(send_lag_);
    r.waited_for_connection = waited_for_place_;
    r.max_connection_wait_ns = max_place_wait_ns_;
    r.duration_s = static_cast<double>(measured_until_ns_ - measure_start_ns_) / 1e9;
    if (r.open_model && options_.operations != 0 && !r.interrupted) {
      double schedule_span_s = static_cast<double>(options_.operations) / r.rate_per_s;
      if (options_.duration) schedule_span_s = std::min(schedule_span_s, static_cast<double>(options_.duration->count()) / 1e9);
      r.duration_s = std::max(r.duration_s, schedule_span_s);
    }
    r.client_cpu_s = cpu_s_;
    if (r.duration_s > 0) r.client_cpu_fraction = cpu_s_ / r.duration_s;
    // Without keep_seconds, published_ holds only the seconds not taken yet: no timeline.
    for (const auto& second : published_) {
      if (!options_.keep_seconds) break;
      http::TimelinePoint p;
      p.t_s = second.end_s;
      p.requests = second.requests;
      p.errors = second.errors;
      Histogram h;
      for (auto [index, count] : second.counts) h.add_at_index(index, count);
      p.p50_ms = ns_to_ms(h.value_at_percentile(50));
      p.p99_ms = ns_to_ms(h.value_at_percentile(99));
      r.timeline.push_back(p);
    }
    http::judge_result(r);
    reword_for_workers(r.invalid_reason);
    for (auto& note : r.notes) reword_for_workers(note);
    if (r.nothing_completed && timeouts_ == total_ && total_ != 0) {
      r.invalid_reason += fmt::format(" (the workers were silent: {} timeouts after {})", timeouts_,
                                      format_duration(options_.timeout));
    }
    out.error_answers = error_answers_;
    out.error_messages = std::move(error_messages_);
    out.late_answers = late_answers_;
    for (std::size_t w = 0; w < group_.size(); ++w) out.stderr_paths.push_back(group_[w].stderr_path);
    return out;
  }

  std::vector<http::PublishedSecond> take_seconds() {
    std::lock_guard lock(publish_mutex_);
    std::vector<http::PublishedSecond> taken(
        published_.begin() + static_cast<std::ptrdiff_t>(seconds_taken_ - published_forgotten_), published_.end());
    seconds_taken_ = published_forgotten_ + published_.size();
    if (!options_.keep_seconds) {
      published_forgotten_ = seconds_taken_;
      published_.clear();
    }
    return taken;
  }

  http::ProgressSnapshot snapshot() {
    http::ProgressSnapshot s;
    std::int64_t now = monotonic_ns();
    std::int64_t start = start_ns_.load(std::memory_order_acquire);
    if (start == 0) start = now;
    s.elapsed_s = static_cast<double>(now - start) / 1e9;
    s.warming_up = now < start + options_.warmup.count();
    if (options_.duration) s.planned_s = static_cast<double>((options_.warmup + *options_.duration).count()) / 1e9;
    s.planned_requests = options_.operations;
    s.completed = completed_published_.load(std::memory_order_relaxed);
    s.errors = errors_published_.load(std::memory_order_relaxed);
    {
      std::lock_guard lock(publish_mutex_);
      progress_seconds_seen_ = std::max(progress_seconds_seen_, published_forgotten_);
      for (; progress_seconds_seen_ < published_forgotten_ + published_.size(); ++progress_seconds_seen_) {
        for (auto [index, count] : published_[progress_seconds_seen_ - published_forgotten_].counts) {
          progress_latency_.add_at_index(index, count);
        }
      }
    }
    double interval_s = static_cast<double>(now - last_snapshot_ns_) / 1e9;
    if (interval_s >= 0.2) {
      last_rate_ = static_cast<double>(s.completed - last_snapshot_completed_) / interval_s;
      last_snapshot_ns_ = now;
      last_snapshot_completed_ = s.completed;
    }
    s.requests_per_s = last_rate_;
    s.p50_ms = ns_to_ms(progress_latency_.value_at_percentile(50));
    s.p99_ms = ns_to_ms(progress_latency_.value_at_percentile(99));
    return s;
  }

 private:
  struct Op {
    std::uint64_t id = 0;
    std::int32_t worker = -1;  // -1: an empty place in the table
    bool measured = false;
    std::int64_t latency_start_ns = 0;  // scheduled (open) or written (closed)
    std::int64_t sent_ns = 0;
    std::int64_t deadline_ns = 0;
  };
  struct WorkerState {
    LineReader reader;
    std::string out;            // lines not yet written to its stdin
    std::size_t out_written = 0;
    bool waiting_writable = false;
    bool ready = false;
    int share = 0;              // closed model: operations it keeps in flight
    int in_flight = 0;
    std::vector<std::uint64_t> expired;  // ids counted as timeouts, whose answer may still come
  };
  enum class ReadOutcome { kAgain, kEnd, kLineTooLong };

  bool open_model() const noexcept { return options_.rate_per_s.has_value(); }
  std::int64_t grace_ns() const noexcept {
    return options_.grace ? options_.grace->count()
                          : std::min<std::int64_t>(options_.timeout.count(), 10 * kSecondNs);
  }
  std::int64_t scheduled_ns(std::uint64_t k) const noexcept {
    return start_ns_value_ + static_cast<std::int64_t>(static_cast<double>(k) * interval_ns_);
  }
  bool may_send_more() const noexcept {
    if (stopping_) return false;
    return options_.operations == 0 || measured_sent_ < options_.operations;
  }
  bool done(std::int64_t now) const noexcept {
    if (end_ns_ != 0 && now >= end_ns_) return true;
    return options_.operations != 0 && measured_done_ >= options_.operations;
  }

  void start_clock(std::int64_t start) {
    start_ns_value_ = start;
    measure_start_ns_ = start + options_.warmup.count();
    end_ns_ = options_.duration ? measure_start_ns_ + options_.duration->count() : 0;
    second_end_ns_ = measure_start_ns_ + kSecondNs;
    next_scan_ns_ = start + scan_interval_ns_;
    place_free_since_ns_ = start;
    last_snapshot_ns_ = start;
    start_ns_.store(start, std::memory_order_release);
  }

  // "worker 2 of 4 (pid 1234) WHAT; the end of its stderr (PATH):\n    …"
  std::string worker_failure(std::size_t w, const std::string& what, bool wait_for_exit) {
    std::string ended =
        wait_for_exit ? group_.exit_of(w, std::chrono::seconds(1)).value_or("closed its stdout") + " " : "";
    std::string tail = group_.stderr_tail(w);
    std::string out = fmt::format("{} {}{}", group_.describe(w), ended, what);
    if (tail.empty()) return out + fmt::format(" (its stderr, {}, is empty)", group_[w].stderr_path);
    return out + fmt::format("; the end of its stderr ({}):\n{}", group_[w].stderr_path, tail);
  }

  void fail(std::size_t w, std::string what, bool by_exit) {
    if (failed_) return;
    failed_ = true;
    failed_worker_ = w;
    failed_by_exit_ = by_exit;
    failure_what_ = std::move(what);
  }

  // --- the table of operations in flight, by id (linear probing, backward-shift deletion) ---
  Op* find(std::uint64_t id) noexcept {
    for (std::size_t i = id & mask_;; i = (i + 1) & mask_) {
      if (ops_[i].worker < 0) return nullptr;
      if (ops_[i].id == id) return &ops_[i];
    }
  }
  Op& insert(std::uint64_t id) noexcept {
    std::size_t i = id & mask_;
    while (ops_[i].worker >= 0) i = (i + 1) & mask_;
    ops_[i].id = id;
    return ops_[i];
  }
  void erase(Op* op) noexcept {
    auto hole = static_cast<std::size_t>(op - ops_.data());
    ops_[hole].worker = -1;
    for (std::size_t j = (hole + 1) & mask_; ops_[j].worker >= 0; j = (j + 1) & mask_) {
      std::size_t home = ops_[j].id & mask_;
      // Entry j may fill the hole unless its home lies cyclically in (hole, j].
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      ops_[hole] = ops_[j];
      ops_[j].worker = -1;
      hole = j;
    }
  }

  // --- sending ---
  void send_op(std::size_t w, std::int64_t due) {
    std::int64_t now = monotonic_ns();
    if (due < 0 && end_ns_ != 0 && now >= end_ns_) return;
    std::uint64_t id = next_id_++;
    Op& op = insert(id);
    op.worker = static_cast<std::int32_t>(w);
    op.sent_ns = now;
    op.latency_start_ns = due >= 0 ? due : now;
    op.deadline_ns = now + options_.timeout.count();
    op.measured = op.latency_start_ns >= measure_start_ns_;
    if (op.measured) ++measured_sent_;
    WorkerState& s = state_[w];
    ++s.in_flight;
    --free_places_;
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, id);
    s.out.append(digits, end);
    if (options_.payload) {
      s.out.push_back('\t');
      if (payload_literal_) {
        s.out.append(payload_template_.literal());
      } else {
        // ${seq} is the operation's ID: one value per operation wherever it appears.
        template_values_.seq = id;
        if (payload_template_.uses_now_ms()) template_values_.now_ms = static_cast<std::uint64_t>(wall_ns() / 1'000'000);
        std::size_t at = s.out.size();
        s.out.resize(at + payload_template_.max_size());
        char* written = payload_template_.expand(s.out.data() + at, template_values_);
        s.out.resize(static_cast<std::size_t>(written - s.out.data()));
      }
    }
    s.out.push_back('\n');
  }

  void flush_all() {
    for (std::size_t w = 0; w < state_.size() && !failed_; ++w) {
      if (!state_[w].waiting_writable && state_[w].out.size() > state_[w].out_written) flush(w);
    }
  }

  void flush(std::size_t w) {
    WorkerState& s = state_[w];
    while (s.out_written < s.out.size()) {
      ssize_t n = ::write(group_[w].to_worker.get(), s.out.data() + s.out_written, s.out.size() - s.out_written);
      if (n > 0) {
        s.out_written += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!s.waiting_writable) set_writable_interest(w, true);
        return;
      }
      fail(w, "closed its stdin", true);  // EPIPE: it is gone, or closed it
      return;
    }
    s.out.clear();
    s.out_written = 0;
    if (s.waiting_writable) set_writable_interest(w, false);
  }

  void set_writable_interest(std::size_t w, bool on) {
    state_[w].waiting_writable = on;
    epoll_event ev{};
    ev.events = on ? static_cast<std::uint32_t>(EPOLLOUT) : 0u;
    ev.data.u64 = w * 2 + 1;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, group_[w].to_worker.get(), &ev);
  }

  void dispatch_due(std::int64_t now) {
    std::size_t workers = state_.size();
    while (may_send_more() && free_places_ > 0) {
      std::int64_t due = scheduled_ns(next_scheduled_);
      if (due > now || (end_ns_ != 0 && due >= end_ns_)) break;
      // The next worker, round robin, with a free place.
      std::size_t w = next_worker_;
      while (state_[w].in_flight >= options_.in_flight) w = (w + 1) % workers;
      next_worker_ = (w + 1) % workers;
      std::int64_t ready = std::max(due, place_free_since_ns_);
      ++next_scheduled_;
      send_op(w, due);
      if (due >= measure_start_ns_) {
        if (ready > due) {
          ++waited_for_place_;
          max_place_wait_ns_ = std::max(max_place_wait_ns_, ready - due);
        }
        send_lag_.record(std::max<std::int64_t>(monotonic_ns() - ready, 1));
      }
    }
  }

  // --- receiving ---
  ReadOutcome read_available(std::size_t w) {
    WorkerState& s = state_[w];
    while (true) {
      if (s.reader.full()) return ReadOutcome::kLineTooLong;
      ssize_t n = ::read(group_[w].from_worker.get(), s.reader.space(), s.reader.space_left());
      if (n > 0) {
        s.reader.added(static_cast<std::size_t>(n));
        if (s.reader.space_left() > 0) return ReadOutcome::kAgain;
        continue;  // a full buffer: more is probably waiting (the caller takes the lines first)
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ReadOutcome::kAgain;
      return ReadOutcome::kEnd;
    }
  }

  void on_readable(std::size_t w) {
    WorkerState& s = state_[w];
    while (!failed_) {
      ReadOutcome got = ReadOutcome::kAgain;
      ssize_t n = ::read(group_[w].from_worker.get(), s.reader.space(), s.reader.space_left());
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) got = ReadOutcome::kEnd;
      if (n > 0) s.reader.added(static_cast<std::size_t>(n));
      std::int64_t now = monotonic_ns();
      s.reader.for_each_line([&](std::string_view line) { return on_line(w, line, now); });
      if (failed_) return;
      if (got == ReadOutcome::kEnd) {
        fail(w, "closed its stdout", true);
        return;
      }
      if (s.reader.full()) {
        fail(w, "wrote a line longer than 64 KiB", false);
        return;
      }
      if (n <= 0 || s.reader.space_left() > 0) return;  // drained; level-triggered epoll says if more comes
    }
  }

  bool on_line(std::size_t w, std::string_view line, std::int64_t now) {
    constexpr const char* kExpected = "expected ID<TAB>ok or ID<TAB>error<TAB>MESSAGE";
    auto tab = line.find('\t');
    if (tab == std::string_view::npos) {
      fail(w, fmt::format("wrote {}, which is not the protocol ({})", quoted(line), kExpected), false);
      return false;
    }
    std::string_view rest = line.substr(tab + 1);
    bool ok = rest == "ok";
    bool error = rest == "error" || rest.starts_with("error\t");
    if (!ok && !error) {
      fail(w, fmt::format("wrote {}, which is not the protocol ({})", quoted(line), kExpected), false);
      return false;
    }
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + tab, id);
    Op* op = ec == std::errc() && end == line.data() + tab ? find(id) : nullptr;
    if (op == nullptr || op->worker != static_cast<std::int32_t>(w)) {
      WorkerState& s = state_[w];
      auto late = ec == std::errc() ? std::find(s.expired.begin(), s.expired.end(), id) : s.expired.end();
      if (late != s.expired.end()) {
        s.expired.erase(late);
        ++late_answers_;
        return true;
      }
      fail(w, fmt::format("answered the id {}, which perfgate did not give it (the line {})",
                          quoted(line.substr(0, tab)), quoted(line)), false);
      return false;
    }
    if (op->measured) {
      file_at(now);
      second_latency_.record(now - op->latency_start_ns);
      if (open_model()) uncorrected_.record(now - op->sent_ns);
      if (error) {
        ++error_answers_;
        std::string_view message = rest.size() > 6 ? rest.substr(6) : std::string_view();
        if (auto it = error_messages_.find(std::string(message)); it != error_messages_.end()) {
          ++it->second;
        } else if (error_messages_.size() < kMaxDistinctMessages) {
          error_messages_.emplace(message, 1);
        }
      }
    }
    count(op->measured, ok, now);
    erase(op);
    operation_left(w, now);
    return true;
  }

  // A place of worker w came free (answer or timeout): the closed model sends the next one.
  void operation_left(std::size_t w, std::int64_t now) {
    --state_[w].in_flight;
    if (free_places_++ == 0) place_free_since_ns_ = now;
    if (!open_model() && state_[w].in_flight < state_[w].share && may_send_more()) send_op(w, -1);
  }

  void count(bool measured, bool ok, std::int64_t now) {
    if (!measured) return;
    file_at(now);
    ++measured_done_;
    ++total_;
    ++second_requests_;
    if (ok) {
      ++ok_;
    } else {
      ++errors_;
      ++second_errors_;
    }
    measured_until_ns_ = now;
    completed_published_.store(total_, std::memory_order_relaxed);
    errors_published_.store(errors_, std::memory_order_relaxed);
  }

  // --- timeouts and the end ---
  void time_out(Op* op, std::int64_t now) {
    auto w = static_cast<std::size_t>(op->worker);
    if (op->measured) {
      file_at(now);
      second_latency_.record(now - op->latency_start_ns);
      if (open_model()) uncorrected_.record(now - op->sent_ns);
      ++timeouts_;
    }
    state_[w].expired.push_back(op->id);
    count(op->measured, false, now);
    erase(op);
    operation_left(w, now);
  }

  void scan_deadlines(std::int64_t now) {
    expired_now_.clear();
    for (const Op& op : ops_) {
      if (op.worker >= 0 && now >= op.deadline_ns) expired_now_.push_back(op.id);
    }
    for (std::uint64_t id : expired_now_) {
      if (Op* op = find(id)) time_out(op, now);
    }
    // Open model: an operation that found no free place within its timeout fails, once.
    if (open_model()) {
      while (may_send_more()) {
        std::int64_t due = scheduled_ns(next_scheduled_);
        if (due + options_.timeout.count() > now) break;
        abandon_due(due, now);
      }
    }
    next_scan_ns_ = now + scan_interval_ns_;
  }

  void abandon_due(std::int64_t due, std::int64_t now) {
    ++next_scheduled_;
    if (due < measure_start_ns_) return;
    ++measured_sent_;
    ++waited_for_place_;
    max_place_wait_ns_ = std::max(max_place_wait_ns_, now - due);
    file_at(now);
    second_latency_.record(std::max<std::int64_t>(now - due, 1));
    ++timeouts_;
    count(true, false, now);
  }

  void abandon_unsent_at_end() {
    if (!open_model() || end_ns_ == 0) return;
    while (options_.operations == 0 || measured_sent_ < options_.operations) {
      std::int64_t due = scheduled_ns(next_scheduled_);
      if (due >= end_ns_) break;
      abandon_due(due, end_ns_);
    }
  }

  void abandon_in_flight(std::int64_t now) {
    expired_now_.clear();
    for (const Op& op : ops_) {
      if (op.worker >= 0 && op.measured) expired_now_.push_back(op.id);
    }
    for (std::uint64_t id : expired_now_) {
      if (Op* op = find(id)) time_out(op, now);
    }
  }

  std::int64_t next_wakeup(std::int64_t now) const noexcept {
    std::int64_t wake = std::min(now + kMaxSleepNs, next_scan_ns_);
    if (second_end_ns_ > now) wake = std::min(wake, second_end_ns_);
    if (end_ns_ > now) wake = std::min(wake, end_ns_);
    if (open_model() && free_places_ > 0 && may_send_more()) wake = std::min(wake, scheduled_ns(next_scheduled_));
    return std::max<std::int64_t>(wake - now, 0);
  }

  // --- the timeline: one histogram per second, published for progress ---
  void file_at(std::int64_t now) {
    std::int64_t at = end_ns_ != 0 ? std::min(now, end_ns_ - 1) : now;
    while (at >= second_end_ns_) roll_second(second_end_ns_);
  }

  void roll_second(std::int64_t end) {
    http::PublishedSecond second = http::close_second(second_latency_, latency_, second_requests_, second_errors_,
                                                      static_cast<double>(end - measure_start_ns_) / 1e9);
    second_requests_ = 0;
    second_errors_ = 0;
    second_end_ns_ += kSecondNs;
    std::lock_guard lock(publish_mutex_);
    second.index = published_forgotten_ + published_.size();
    published_.push_back(std::move(second));
  }

  const ExecOptions& options_;
  const std::atomic<bool>& stop_;
  WorkerGroup group_;
  int epoll_fd_ = -1;
  std::vector<WorkerState> state_;
  std::vector<Op> ops_;
  std::size_t mask_ = 0;
  std::vector<std::uint64_t> expired_now_;
  TextTemplate payload_template_;
  bool payload_literal_ = true;
  std::uint64_t rng_state_ = 0;
  TemplateValues template_values_;
  std::uint64_t next_id_ = 0;
  std::int64_t free_places_ = 0;
  std::int64_t place_free_since_ns_ = 0;
  std::size_t next_worker_ = 0;

  bool stopping_ = false;
  bool interrupted_ = false;
  bool failed_ = false;
  bool failed_by_exit_ = false;
  std::size_t failed_worker_ = 0;
  std::string failure_what_;

  double interval_ns_ = 0;
  std::int64_t start_ns_value_ = 0;
  std::atomic<std::int64_t> start_ns_{0};
  std::int64_t measure_start_ns_ = INT64_MAX;
  std::int64_t end_ns_ = 0;
  std::int64_t next_scan_ns_ = 0;
  std::int64_t scan_interval_ns_ = 0;
  std::int64_t measured_until_ns_ = 0;
  std::uint64_t next_scheduled_ = 0;
  std::uint64_t measured_sent_ = 0;
  std::uint64_t measured_done_ = 0;

  std::uint64_t total_ = 0, ok_ = 0, errors_ = 0, timeouts_ = 0, error_answers_ = 0, late_answers_ = 0;
  std::map<std::string, std::uint64_t> error_messages_;
  Histogram latency_, uncorrected_, send_lag_;
  std::uint64_t waited_for_place_ = 0;
  std::int64_t max_place_wait_ns_ = 0;
  double cpu_at_measure_start_ = 0;
  double cpu_s_ = 0;

  std::int64_t second_end_ns_ = 0;
  std::uint64_t second_requests_ = 0;
  std::uint64_t second_errors_ = 0;
  Histogram second_latency_;
  std::mutex publish_mutex_;
  std::vector<http::PublishedSecond> published_;
  std::size_t seconds_taken_ = 0;        // by take_seconds()
  std::size_t published_forgotten_ = 0;  // taken and freed (keep_seconds false)
  std::atomic<std::uint64_t> completed_published_{0};
  std::atomic<std::uint64_t> errors_published_{0};

  // Progress (the caller's thread).
  std::size_t progress_seconds_seen_ = 0;
  Histogram progress_latency_;
  std::int64_t last_snapshot_ns_ = 0;
  std::uint64_t last_snapshot_completed_ = 0;
  double last_rate_ = 0;
};

ExecRun::ExecRun(ExecOptions options) : options_(std::move(options)), loop_(std::make_unique<Loop>(options_, stop_)) {}

ExecRun::~ExecRun() {
  request_stop();
  if (thread_.joinable()) thread_.join();
  loop_->group().stop();
}

void ExecRun::start_workers(const std::atomic<bool>* stop) {
  try {
    loop_->start_workers(stop);
  } catch (...) {
    loop_->group().stop();
    throw;
  }
}

pid_t ExecRun::process_group() const noexcept { return loop_->group().process_group(); }

void ExecRun::start() {
  running_.store(true);
  thread_ = std::thread([this] {
    loop_->run();
    running_.store(false);
  });
}

void ExecRun::request_stop() noexcept { stop_.store(true); }

bool ExecRun::finished() const noexcept { return !running_.load(); }

http::ProgressSnapshot ExecRun::snapshot() { return loop_->snapshot(); }

std::vector<http::PublishedSecond> ExecRun::take_seconds() { return loop_->take_seconds(); }

ExecResult ExecRun::wait() {
  if (thread_.joinable()) thread_.join();
  return loop_->result(stop_.load());
}

}  // namespace perfgate::exec
