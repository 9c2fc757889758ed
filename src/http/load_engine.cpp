// LoadRun: plans the workers (connections, request budget and schedule per thread),
// runs them, and merges their statistics; see load_engine.hpp.
#include "http/load_engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "http/load_worker.hpp"

namespace perfgate::http {
namespace {

// The open model's honesty thresholds. A send may lag its schedule by the event loop's
// granularity; beyond this, perfgate itself was late and the latencies are not the target's.
constexpr double kMaxSelfLagP99Ms = 5.0;
constexpr double kMaxClientCpuFraction = 0.95;

double ns_to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

Nanos grace_period(const LoadOptions& options) {
  return options.grace ? *options.grace : std::min<Nanos>(options.timeout, std::chrono::seconds(10));
}

std::uint64_t raise_descriptor_limit(int connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return UINT64_MAX;
  std::uint64_t needed = static_cast<std::uint64_t>(connections) + kDescriptorsBesideConnections;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed && limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(limit.rlim_cur);
}

void judge_result(LoadResult& r) {
  if (r.ok == 0 && !r.unreachable) {
    r.valid = false;
    r.nothing_completed = true;
    r.invalid_reason = r.total == 0 ? std::string("no request completed: nothing was measured")
                                    : fmt::format("no request completed successfully ({} errors): there is no "
                                                  "latency of the target to report", r.errors);
    return;
  }
  if (r.open_model && r.total > 0) {
    double lag_p99_ms = ns_to_ms(r.send_lag.value_at_percentile(99));
    if (lag_p99_ms > kMaxSelfLagP99Ms) {
      r.valid = false;
      r.invalid_reason = fmt::format(
          "perfgate fell behind its own schedule: p99 send lag {:.1f} ms with a connection free "
          "(more threads with -t, or a lower --rate)", lag_p99_ms);
    } else if (r.client_cpu_fraction > kMaxClientCpuFraction) {
      r.valid = false;
      r.invalid_reason = fmt::format(
          "perfgate's threads were {:.0f}% busy: the load generator, not the target, may be the "
          "limit (more threads with -t, or a lower --rate)", r.client_cpu_fraction * 100);
    }
    double achieved = r.achieved_rate_of_requested();
    double waited_fraction = static_cast<double>(r.waited_for_connection) / static_cast<double>(r.total);
    // Only requests that really waited for a connection make the target's fault.
    if (r.waited_for_connection > 0 &&
        (waited_fraction > 0.01 || (achieved > 0 && achieved < 0.98 && !r.interrupted))) {
      r.notes.push_back(fmt::format(
          "the target did not keep up with {:.0f} req/s: {} of {} requests waited for a free "
          "connection (longest wait {:.1f} ms); achieved {:.1f} req/s. Their waiting is in the latency.",
          r.rate_per_s, r.waited_for_connection, r.total,
          ns_to_ms(r.max_connection_wait_ns), r.throughput_rps()));
    }
  } else if (!r.open_model && r.client_cpu_fraction > kMaxClientCpuFraction) {
    r.notes.push_back(fmt::format(
        "perfgate's threads were {:.0f}% busy: throughput may be limited by the client (try -t)",
        r.client_cpu_fraction * 100));
  }
}

double LoadResult::achieved_rate_of_requested() const {
  if (!open_model || rate_per_s <= 0 || duration_s <= 0) return 0;
  return static_cast<double>(total) / duration_s / rate_per_s;
}

LoadRun::LoadRun(LoadOptions options) : options_(std::move(options)) {}

LoadRun::~LoadRun() {
  request_stop();
  join_threads();
}

void LoadRun::start() {
  // Never more threads than connections (nor than requests with -n): an idle thread would
  // still take its share of the rate and of the request budget.
  int threads = std::max(1, std::min(options_.threads, options_.connections));
  if (options_.requests != 0) threads = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(threads), options_.requests));
  raise_descriptor_limit(options_.connections);  // a suite's benchmark too (the CLI checks it first)
  start_ns_ = monotonic_ns();
  last_snapshot_ns_ = start_ns_;
  start_line_ = std::make_unique<StartLine>(threads);
  auto connections = static_cast<std::uint64_t>(options_.connections);
  std::uint64_t budget_given = 0;
  int connections_given = 0;
  for (int i = 0; i < threads; ++i) {
    WorkerPlan plan;
    plan.index = i;
    plan.connections = options_.connections / threads + (i < options_.connections % threads ? 1 : 0);
    connections_given += plan.connections;
    if (options_.requests != 0) {
      // The budget and the rate follow the connections, so every thread has what its share needs.
      std::uint64_t until = options_.requests * static_cast<std::uint64_t>(connections_given) / connections;
      plan.request_budget = until - budget_given;
      budget_given = until;
    }
    plan.warmup_ns = options_.warmup.count();
    plan.duration_ns = options_.duration ? options_.duration->count() : 0;
    plan.grace_ns = grace_period(options_).count();
    if (options_.rate_per_s) {
      double share = static_cast<double>(plan.connections) / static_cast<double>(options_.connections);
      plan.open_model = true;
      plan.interval_ns = 1e9 / (*options_.rate_per_s * share);
      // Offset the threads' schedules so their sends interleave instead of coinciding.
      plan.first_send_offset_ns = static_cast<std::int64_t>(plan.interval_ns * i / threads);
    }
    workers_.push_back(std::make_unique<LoadWorker>(options_, plan, stop_, *start_line_, sequence_));
  }
  progress_seconds_seen_.assign(workers_.size(), 0);
  running_.store(static_cast<int>(workers_.size()));
  for (auto& worker : workers_) {
    threads_.emplace_back([this, w = worker.get()] {
      w->run();
      running_.fetch_sub(1);
    });
  }
}

void LoadRun::request_stop() noexcept { stop_.store(true); }

bool LoadRun::finished() const noexcept { return running_.load() == 0; }

ProgressSnapshot LoadRun::snapshot() {
  ProgressSnapshot s;
  std::int64_t now = monotonic_ns();
  std::int64_t start = start_line_ && start_line_->start_ns() != 0 ? start_line_->start_ns() : now;
  s.elapsed_s = static_cast<double>(now - start) / 1e9;
  s.warming_up = now < start + options_.warmup.count();
  if (options_.duration) s.planned_s = static_cast<double>((options_.warmup + *options_.duration).count()) / 1e9;
  s.planned_requests = options_.requests;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    s.completed += workers_[i]->completed();
    s.errors += workers_[i]->errored();
    auto seconds = workers_[i]->published_since(progress_seconds_seen_[i]);
    progress_seconds_seen_[i] += seconds.size();
    for (const auto& second : seconds) {
      for (auto [index, count] : second.counts) progress_latency_.add_at_index(index, count);
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

void PublishedSeconds::publish(PublishedSecond second) {
  std::lock_guard lock(mutex_);
  second.index = forgotten_ + seconds_.size();
  seconds_.push_back(std::move(second));
}

std::vector<PublishedSecond> PublishedSeconds::since(std::size_t from) {
  std::lock_guard lock(mutex_);
  from = std::max(from, forgotten_) - forgotten_;
  if (from >= seconds_.size()) return {};
  return {seconds_.begin() + static_cast<std::ptrdiff_t>(from), seconds_.end()};
}

std::size_t PublishedSeconds::count() {
  std::lock_guard lock(mutex_);
  return forgotten_ + seconds_.size();
}

void PublishedSeconds::forget_before(std::size_t upto) {
  std::lock_guard lock(mutex_);
  if (upto <= forgotten_) return;
  std::size_t n = std::min(upto - forgotten_, seconds_.size());
  seconds_.erase(seconds_.begin(), seconds_.begin() + static_cast<std::ptrdiff_t>(n));
  forgotten_ += n;
}

std::vector<PublishedSecond> merge_seconds(std::vector<std::vector<PublishedSecond>>& by_thread, std::size_t first,
                                           std::size_t count, Histogram& scratch) {
  std::vector<PublishedSecond> taken(count);
  for (std::size_t i = 0; i < taken.size(); ++i) {
    PublishedSecond& merged = taken[i];
    merged.index = first + i;
    std::size_t contributors = 0;
    for (auto& seconds : by_thread) {
      if (i >= seconds.size()) continue;
      PublishedSecond& second = seconds[i];
      merged.requests += second.requests;
      merged.errors += second.errors;
      merged.end_s = std::max(merged.end_s, second.end_s);
      if (++contributors == 1) {
        merged.counts = std::move(second.counts);
        continue;
      }
      if (contributors == 2) {
        for (auto [index, n] : merged.counts) scratch.add_at_index(index, n);
      }
      for (auto [index, n] : second.counts) scratch.add_at_index(index, n);
    }
    if (contributors > 1) {
      merged.counts.clear();
      for (std::int32_t index = 0; index < scratch.counts_len(); ++index) {
        if (std::int64_t n = scratch.count_at_index(index); n != 0) merged.counts.emplace_back(index, n);
      }
      scratch.reset();
    }
  }
  return taken;
}

std::vector<PublishedSecond> LoadRun::take_seconds() {
  return take_merged_seconds(workers_, finished(), !options_.keep_seconds, seconds_taken_, merge_scratch_);
}

void LoadRun::join_threads() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

LoadResult LoadRun::wait() {
  join_threads();
  LoadResult result;
  result.open_model = options_.rate_per_s.has_value();
  result.rate_per_s = options_.rate_per_s.value_or(0);
  result.interrupted = stop_.load();
  result.threads = static_cast<int>(workers_.size());
  std::int64_t start = start_line_ && start_line_->start_ns() != 0 ? start_line_->start_ns() : start_ns_;
  std::int64_t measure_start = start + options_.warmup.count();
  std::int64_t measured_until = measure_start;
  bool all_unreachable = !workers_.empty();
  double cpu_s = 0;
  // The timeline: merge every worker's n-th second into one point.
  std::vector<TimelinePoint> timeline;
  std::vector<Histogram> timeline_latency;
  for (auto& worker : workers_) {
    const auto& st = worker->stats();
    result.total += st.total;
    result.ok += st.ok;
    result.errors += st.errors;
    result.bytes_read += st.bytes_read;
    result.error_classes.timeout += st.error_classes.timeout;
    result.error_classes.connect += st.error_classes.connect;
    result.error_classes.reset += st.error_classes.reset;
    result.error_classes.protocol += st.error_classes.protocol;
    for (std::size_t code = 0; code < st.status.size(); ++code) {
      if (st.status[code] != 0) result.status[static_cast<int>(code)] += st.status[code];
    }
    result.latency.merge(st.latency);
    result.latency_uncorrected.merge(st.uncorrected);
    result.send_lag.merge(st.send_lag);
    result.waited_for_connection += st.waited_for_connection;
    result.max_connection_wait_ns = std::max(result.max_connection_wait_ns, st.max_connection_wait_ns);
    measured_until = std::max(measured_until, st.measured_until_ns);
    cpu_s += st.cpu_s;
    if (!worker->unreachable() || st.connects_ok != 0) all_unreachable = false;
    if (!st.last_connect_error.empty()) result.connect_error = st.last_connect_error;
    auto seconds = options_.keep_seconds ? worker->published_since(0) : std::vector<PublishedSecond>{};
    for (std::size_t i = 0; i < seconds.size(); ++i) {
      if (timeline.size() <= i) {
        timeline.emplace_back();
        timeline_latency.emplace_back();
      }
      timeline[i].t_s = std::max(timeline[i].t_s, seconds[i].end_s);
      timeline[i].requests += seconds[i].requests;
      timeline[i].errors += seconds[i].errors;
      for (auto [index, count] : seconds[i].counts) timeline_latency[i].add_at_index(index, count);
    }
  }
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    timeline[i].p50_ms = ns_to_ms(timeline_latency[i].value_at_percentile(50));
    timeline[i].p99_ms = ns_to_ms(timeline_latency[i].value_at_percentile(99));
  }
  result.timeline = std::move(timeline);
  result.unreachable = all_unreachable && result.ok == 0;
  result.duration_s = static_cast<double>(measured_until - measure_start) / 1e9;
  if (result.open_model && options_.requests != 0 && !result.interrupted) {
    // N requests at rate r span N / r seconds of schedule, however soon the last one completed.
    double schedule_span_s = static_cast<double>(options_.requests) / result.rate_per_s;
    if (options_.duration) schedule_span_s = std::min(schedule_span_s, static_cast<double>(options_.duration->count()) / 1e9);
    result.duration_s = std::max(result.duration_s, schedule_span_s);
  }
  result.client_cpu_s = cpu_s;
  if (result.duration_s > 0 && !workers_.empty()) {
    result.client_cpu_fraction = cpu_s / (result.duration_s * static_cast<double>(workers_.size()));
  }

  judge_result(result);
  return result;
}

}  // namespace perfgate::http
