// A soak run; see soak_run.hpp.
#include "run/soak_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <memory>
#include <numeric>
#include <thread>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "core/append_file.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hdr_interval_log.hpp"
#include "core/histogram.hpp"
#include "exec/exec_engine.hpp"
#include "exec/exec_result.hpp"
#include "http/load_result.hpp"
#include "monitor/monitor_result.hpp"
#include "monitor/resource_monitor.hpp"
#include "monitor/resource_source.hpp"
#include "monitor/trend.hpp"
#include "run/checks.hpp"
#include "run/service_monitors.hpp"
#include "run/service_supervisor.hpp"
#include "sse/sse_engine.hpp"
#include "sse/sse_result.hpp"

namespace perfgate::run {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr double kDefaultCheckpoints = 10;  // without --checkpoint: a tenth of the duration
constexpr double kLeakWarmupFraction = 0.10;
// Fewer points give monitor::trend_per_hour no interval at all.
constexpr std::size_t kDriftMinCheckpoints = 5;

double seconds_of(Nanos d) { return static_cast<double>(d.count()) / 1e9; }
double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

// A checkpoint's figures of one service, in the shape of a benchmark's `resources` (DESIGN).
nlohmann::json resource_json(std::span<const monitor::ResourceSample> samples) {
  monitor::ResourceSummary s = monitor::summarize(samples);
  return {{"cpu_pct", {{"mean", s.cpu_pct_mean}, {"max", s.cpu_pct_max}}},
          {"rss_bytes", {{"max", s.rss_max}}},
          {"threads", {{"max", s.threads_max}}},
          {"fds", {{"max", s.fds_max}}},
          {"samples", s.samples}};
}

// A monitored service: its sampler and where the soak's t = 0 is on the sampler's clock.
struct MonitoredService {
  std::string name;
  std::string source;
  const monitor::ResourceMonitor* monitor = nullptr;
  double offset_s = 0;

  std::vector<monitor::ResourceSample> window(double from_s, double to_s) const {
    std::vector<monitor::ResourceSample> samples = monitor->window(offset_s + from_s, offset_s + to_s);
    for (auto& sample : samples) sample.t_s -= offset_s;
    return samples;
  }
};

// One load benchmark's engine in a soak: http, exec and sse are driven alike, started together,
// their seconds taken as they close (checkpoints and the interval log) and forgotten, joined at
// the end for the whole-soak benchmark object.
class SoakEngine {
 public:
  virtual ~SoakEngine() = default;
  // Before any clock starts (exec: the workers print `ready`): why it cannot run, or nullopt.
  virtual std::optional<std::string> prepare(const std::atomic<bool>* /*stop*/) { return std::nullopt; }
  virtual void start() = 0;
  virtual void request_stop() noexcept = 0;
  virtual bool finished() const noexcept = 0;
  virtual std::vector<http::PublishedSecond> take_seconds() = 0;
  // Joins the engine: the benchmark object, or null with *failure saying why nothing was measured.
  virtual nlohmann::json finish(const std::string& name, std::string* failure) = 0;
};

// Drives a Run (http::LoadRun, exec::ExecRun, sse::SseRun) of a prepared benchmark: what every
// engine has alike.
template <typename Run, typename Prepared>
class SoakRunEngine : public SoakEngine {
 public:
  template <typename Options>
  SoakRunEngine(const Prepared& prepared, Options options) : prepared_(prepared), run_(std::move(options)) {}
  void start() override { run_.start(); }
  void request_stop() noexcept override { run_.request_stop(); }
  bool finished() const noexcept override { return run_.finished(); }
  std::vector<http::PublishedSecond> take_seconds() override { return run_.take_seconds(); }

 protected:
  const Prepared& prepared_;
  Run run_;
};

class HttpSoakEngine final : public SoakRunEngine<http::LoadRun, PreparedHttp> {
 public:
  using SoakRunEngine::SoakRunEngine;
  nlohmann::json finish(const std::string& name, std::string* failure) override {
    http::LoadResult r = run_.wait();
    if (r.unreachable) {
      *failure = fmt::format("cannot connect to {}: {}", prepared_.config.value("url", ""), r.connect_error);
      return nullptr;
    }
    return http::http_benchmark_json(name, prepared_.config, r);
  }
};

class ExecSoakEngine final : public SoakRunEngine<exec::ExecRun, PreparedExec> {
 public:
  ExecSoakEngine(const PreparedExec& prepared, exec::ExecOptions options)
      : SoakRunEngine(prepared, options), stderr_directory_(options.stderr_directory) {}
  std::optional<std::string> prepare(const std::atomic<bool>* stop) override {
    std::error_code error;
    std::filesystem::create_directories(stderr_directory_, error);
    if (error) return fmt::format("cannot create '{}' for the workers' stderr: {}", stderr_directory_, error.message());
    try {
      run_.start_workers(stop);
    } catch (const RunError& e) {
      return std::string(e.what());
    }
    return std::nullopt;
  }
  nlohmann::json finish(const std::string& name, std::string* failure) override {
    exec::ExecResult r = run_.wait();
    if (r.failure) {
      *failure = *r.failure;
      return nullptr;
    }
    return exec::exec_benchmark_json(name, prepared_.config, r);
  }

 private:
  std::string stderr_directory_;
};

class SseSoakEngine final : public SoakRunEngine<sse::SseRun, PreparedSse> {
 public:
  using SoakRunEngine::SoakRunEngine;
  nlohmann::json finish(const std::string& name, std::string* failure) override {
    sse::SseResult r = run_.wait();
    if (r.unreachable && !r.interrupted) {
      *failure = fmt::format("cannot subscribe to {}: {}", prepared_.config.value("url", ""), r.connect_error);
      return nullptr;
    }
    if (r.publish_unreachable && !r.interrupted) {
      *failure = fmt::format("cannot connect to the publish URL {}: {}", prepared_.config["publish"].value("url", ""),
                             r.publish_error);
      return nullptr;
    }
    return sse::sse_benchmark_json(name, prepared_.config, r);
  }
};

// The engine of a benchmark soak_skip_reason lets in, for the soak's whole duration.
std::unique_ptr<SoakEngine> make_soak_engine(const PreparedBenchmark& p, Nanos duration, const std::string& run_directory) {
  if (p.exec) {
    exec::ExecOptions options = p.exec->options;
    options.duration = duration;
    options.warmup = Nanos(0);
    options.operations = 0;
    options.keep_seconds = false;
    options.stderr_directory = run_directory + "/exec-" + p.spec->name;
    return std::make_unique<ExecSoakEngine>(*p.exec, std::move(options));
  }
  if (p.sse) {
    sse::SseOptions options = p.sse->options;
    options.duration = duration;
    return std::make_unique<SseSoakEngine>(*p.sse, std::move(options));
  }
  http::LoadOptions options = p.http->load;
  options.duration = duration;
  options.warmup = Nanos(0);
  options.requests = 0;
  options.keep_seconds = false;
  return std::make_unique<HttpSoakEngine>(*p.http, std::move(options));
}

// One load benchmark of the soak: its engine, its interval log, and the checkpoint it is filling.
struct SoakLoad {
  const PreparedBenchmark* prepared = nullptr;
  std::unique_ptr<SoakEngine> engine;
  std::unique_ptr<AppendFile> hlog;
  Histogram second;    // one second, for its interval-log line
  Histogram interval;  // the current checkpoint
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::size_t checkpoint = 0;  // 0-based index of the interval being filled
  bool filled = false;         // it has at least one second
  double last_end_s = 0;
  std::deque<std::pair<std::size_t, nlohmann::json>> closed;  // waiting for the other benchmarks
  std::vector<double> p95_t_s, p95_ms;                        // one per checkpoint: the drift series

  const std::string& name() const { return prepared->spec->name; }

  void close_interval(double checkpoint_s, double end_s) {
    if (!filled) return;
    double start_s = static_cast<double>(checkpoint) * checkpoint_s;
    double length_s = std::max(end_s - start_s, 1e-9);
    double p95 = ms(interval.value_at_percentile(95));
    nlohmann::json line = {{"t_s", end_s},
                           {"benchmark", name()},
                           {"requests", requests},
                           {"errors", errors},
                           {"throughput_rps", static_cast<double>(requests) / length_s},
                           {"latency_ms",
                            {{"p50", ms(interval.value_at_percentile(50))},
                             {"p95", p95},
                             {"p99", ms(interval.value_at_percentile(99))},
                             {"max", ms(interval.max())}}}};
    closed.emplace_back(checkpoint, std::move(line));
    if (requests > 0) {
      p95_t_s.push_back(end_s);
      p95_ms.push_back(p95);
    }
    interval.reset();
    requests = 0;
    errors = 0;
    filled = false;
  }

  void add(const http::PublishedSecond& s, std::size_t seconds_per_checkpoint, double checkpoint_s) {
    std::size_t k = s.index / seconds_per_checkpoint;
    while (checkpoint < k) {
      close_interval(checkpoint_s, static_cast<double>(checkpoint + 1) * checkpoint_s);
      ++checkpoint;
    }
    for (auto [index, count] : s.counts) interval.add_at_index(index, count);
    hlog->append(http::hdr_log_line(s, second));
    requests += s.requests;
    errors += s.errors;
    last_end_s = std::max(last_end_s, s.end_s);
    filled = true;
  }
};

nlohmann::json leak_json(const std::vector<monitor::ResourceSample>& samples, double rss_threshold_per_h) {
  std::vector<double> t, rss, threads, fds;
  for (const auto& s : samples) {
    t.push_back(s.t_s);
    rss.push_back(static_cast<double>(s.rss_bytes));
    threads.push_back(static_cast<double>(s.threads));
    fds.push_back(static_cast<double>(s.fds));
  }
  auto verdict = [&](const std::vector<double>& series, double threshold_per_h, double min_growth,
                     const char* slope_key) {
    return monitor::leak_verdict_json(
        monitor::leak_check(t, series, threshold_per_h, kLeakWarmupFraction, min_growth), slope_key, "threshold_per_h");
  };
  return {{"rss", verdict(rss, rss_threshold_per_h, monitor::kLeakMinGrowthBytes, "slope_bytes_per_h")},
          {"threads", verdict(threads, 0, monitor::kLeakMinGrowthCount, "slope_per_h")},
          {"fds", verdict(fds, 0, monitor::kLeakMinGrowthCount, "slope_per_h")}};
}

bool any_leaking(const nlohmann::json& leak) {
  for (const char* series : {"rss", "threads", "fds"}) {
    if (leak[series].value("leaking", false)) return true;
  }
  return false;
}

}  // namespace

std::optional<SoakSettings> soak_settings(const suite::Suite& suite, const std::optional<Nanos>& duration_flag,
                                          const std::optional<Nanos>& checkpoint_flag) {
  const std::optional<suite::SoakPolicy>& policy = suite.soak;
  std::optional<Nanos> duration = duration_flag ? duration_flag : policy ? policy->duration : std::nullopt;
  if (!duration) {
    if (checkpoint_flag) throw UsageError("--checkpoint: needs a soak (--soak DUR, or `soak: {duration: …}` in the suite)");
    return std::nullopt;
  }
  SoakSettings settings;
  settings.duration = *duration;
  std::string checkpoint_source = checkpoint_flag ? "--checkpoint" : "soak.checkpoint";
  if (checkpoint_flag) {
    settings.checkpoint = *checkpoint_flag;
  } else if (policy && policy->checkpoint) {
    settings.checkpoint = *policy->checkpoint;
    checkpoint_source = policy->position.to_string() + ": soak.checkpoint";
  } else {
    auto tenth = std::chrono::duration_cast<std::chrono::seconds>(settings.duration / kDefaultCheckpoints);
    settings.checkpoint = std::max<Nanos>(tenth, std::chrono::seconds(1));
  }
  if (settings.duration < std::chrono::seconds(1)) {
    throw UsageError(fmt::format("{}: a soak lasts at least 1s, got {}", duration_flag ? "--soak" : "soak.duration",
                                 format_duration(settings.duration)));
  }
  // Checkpoints are made of the engine's whole seconds (the interval log's too).
  if (settings.checkpoint < std::chrono::seconds(1) || settings.checkpoint.count() % 1'000'000'000 != 0) {
    throw UsageError(fmt::format("{}: expected whole seconds, at least 1s (like 30s or 30m), got {}", checkpoint_source,
                                 format_duration(settings.checkpoint)));
  }
  if (settings.checkpoint > settings.duration) {
    throw UsageError(fmt::format("{}: {} is longer than the soak ({})", checkpoint_source,
                                 format_duration(settings.checkpoint), format_duration(settings.duration)));
  }
  if (policy) {
    if (policy->leak_threshold_bytes_per_h) settings.leak_threshold_bytes_per_h = *policy->leak_threshold_bytes_per_h;
    settings.warn_on_leak = policy->warn_on_leak;
    settings.warn_on_drift = policy->warn_on_drift;
  }
  return settings;
}

int SoakResult::exit_code() const {
  if (failure) return failure_exit_code;
  if (interrupted) return exit_code::kInterrupted;
  if (leak_failed || drift_failed || checks_failed) return exit_code::kGateFailed;
  return exit_code::kOk;
}

nlohmann::json drift_verdict(const std::vector<double>& t_s, const std::vector<double>& p95_ms, double span_s,
                             double max_change) {
  nlohmann::json verdict = {{"checkpoints", p95_ms.size()}, {"max_change", max_change}, {"drifting", false}};
  if (p95_ms.size() < kDriftMinCheckpoints) {
    verdict["judged"] = false;
    verdict["reason"] = fmt::format("{} checkpoint{} with requests; a trend needs {}", p95_ms.size(),
                                    p95_ms.size() == 1 ? "" : "s", kDriftMinCheckpoints);
    return verdict;
  }
  monitor::TrendEstimate trend = monitor::trend_per_hour(t_s, p95_ms);
  double mean = std::accumulate(p95_ms.begin(), p95_ms.end(), 0.0) / static_cast<double>(p95_ms.size());
  double change = mean > 0 ? trend.slope_per_h * span_s / 3600.0 / mean : 0;
  verdict["judged"] = true;
  verdict["slope_ms_per_h"] = trend.slope_per_h;
  verdict["ci95"] = {trend.ci95_low, trend.ci95_high};
  verdict["mean_p95_ms"] = mean;
  verdict["change"] = change;
  // Only a p95 that grows is drift; one that falls over the soak (caches warming) is not a fault.
  verdict["drifting"] = trend.ci95_low > 0 && change > max_change;
  return verdict;
}

namespace {

// Why a selected benchmark does not join the soak, or nullopt when it does. A soak drives the
// load engines itself (interval figures a second at a time), so kinds without one, and callbacks
// (whose listener run/http_load starts), would be measured wrongly: they are left out.
std::optional<std::string> soak_skip_reason(const PreparedBenchmark& p) {
  if (p.http && p.http->callback) return "its callbacks are not measured in a soak";
  if (p.http || p.exec || p.sse) return std::nullopt;
  return "a soak runs load benchmarks only (http:, exec:, sse:; cmd: and ingest: are not soaked)";
}

}  // namespace

SoakRun::SoakRun(const suite::Suite& suite, SuiteRunOptions options, SoakSettings settings, Store& store)
    : suite_(suite), options_(options), settings_(settings), store_(store), selection_(suite, std::move(options), store) {
  bool any_load = std::any_of(selection_.benchmarks().begin(), selection_.benchmarks().end(),
                              [](const PreparedBenchmark& p) { return !soak_skip_reason(p); });
  if (!any_load) {
    throw UsageError(fmt::format("--soak: the selected benchmarks of '{}' have no load benchmark (http:, exec:, sse:) to soak",
                                 suite.path));
  }
}

SoakResult SoakRun::run(const SuiteRunHooks& hooks, const SoakHooks& soak_hooks) {
  SoakResult result;
  const RunInfo& info = selection_.info();
  result.run_directory = run_directory(options_.store_url, info.id);
  std::error_code dir_error;
  std::filesystem::create_directories(result.run_directory, dir_error);
  if (dir_error) {
    throw RunError(fmt::format("cannot create the run folder '{}': {}", result.run_directory, dir_error.message()));
  }
  auto stopped = [&] { return options_.stop != nullptr && options_.stop->load(); };
  const double checkpoint_s = seconds_of(settings_.checkpoint);
  const double total_s = seconds_of(settings_.duration);
  const auto seconds_per_checkpoint = static_cast<std::size_t>(std::llround(checkpoint_s));

  std::vector<SoakLoad> loads;
  for (const auto& p : selection_.benchmarks()) {
    if (auto reason = soak_skip_reason(p)) {
      if (soak_hooks.benchmark_skipped) soak_hooks.benchmark_skipped(p.spec->name, *reason);
      continue;
    }
    loads.emplace_back().prepared = &p;
  }

  ServiceSupervisor services(result.run_directory);
  ServiceMonitors monitors;
  if (auto failed = start_services(services, monitors, selection_.services(), hooks, options_.stop)) {
    result.services_failed = true;
    std::tie(result.failure, result.failure_exit_code) = *failed;
    return result;
  }
  std::vector<MonitoredService> monitored;
  for (const auto& sampled : monitors.sampled()) monitored.push_back({sampled.name, sampled.source, sampled.monitor});

  result.run_id = store_.begin_run(run_record(info, stored_suite_name()));
  AppendFile checkpoints_file(result.run_directory + "/checkpoints.jsonl");
  // Every engine is ready before any clock starts (exec's workers); one that is not ends the soak.
  std::optional<std::string> not_ready;
  for (auto& load : loads) {
    load.engine = make_soak_engine(*load.prepared, settings_.duration, result.run_directory);
    if (auto why = load.engine->prepare(options_.stop)) {
      not_ready = fmt::format("benchmark '{}': {}", load.name(), *why);
      break;
    }
  }
  std::int64_t start_wall_ns = wall_ns();
  for (auto& load : loads) {
    load.hlog = std::make_unique<AppendFile>(result.run_directory + "/" + load.name() + ".hlog");
    load.hlog->append(hdr_log_header(start_wall_ns));
  }
  if (not_ready) {
    result.failure = *not_ready;
    result.failure_exit_code = stopped() ? exit_code::kInterrupted : exit_code::kRunFailed;
  } else if (soak_hooks.started) {
    soak_hooks.started(loads.size(), total_s, result.run_directory);
  }
  // Before the engines start: each one's clock starts after it, so none ends before `total_s`.
  auto start = std::chrono::steady_clock::now();
  for (auto& m : monitored) m.offset_s = m.monitor->now_s();
  if (!not_ready) {
    for (auto& load : loads) load.engine->start();
  }
  auto elapsed_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  std::size_t checkpoints_written = 0;
  double last_checkpoint_end_s = 0;
  // Writes checkpoint `number` (0-based) of every benchmark that has it, with the services' figures.
  auto write_checkpoint = [&](std::size_t number) {
    SoakCheckpoint checkpoint;
    checkpoint.number = number + 1;
    checkpoint.total_s = total_s;
    for (auto& load : loads) {
      if (load.closed.empty() || load.closed.front().first != number) continue;
      checkpoint.lines.push_back(std::move(load.closed.front().second));
      load.closed.pop_front();
      checkpoint.t_s = std::max(checkpoint.t_s, checkpoint.lines.back().value("t_s", 0.0));
    }
    if (checkpoint.lines.empty()) return;
    nlohmann::json resources = nlohmann::json::object();
    double from_s = static_cast<double>(number) * checkpoint_s;
    for (const auto& m : monitored) resources[m.name] = resource_json(m.window(from_s, checkpoint.t_s));
    for (auto& line : checkpoint.lines) {
      line["resources"] = resources;
      checkpoints_file.append(line.dump() + "\n");
      store_.add_checkpoint(result.run_id, line);
    }
    ++checkpoints_written;
    last_checkpoint_end_s = checkpoint.t_s;
    if (soak_hooks.checkpoint) soak_hooks.checkpoint(checkpoint);
  };
  // The checkpoints every benchmark has closed (all of them when `everything`), in order.
  auto write_closed = [&](bool everything) {
    while (true) {
      std::optional<std::size_t> next;
      bool all_have = true;
      for (const auto& load : loads) {
        if (load.closed.empty()) {
          all_have = false;
          continue;
        }
        next = next ? std::min(*next, load.closed.front().first) : load.closed.front().first;
      }
      if (!next || (!all_have && !everything)) return;
      write_checkpoint(*next);
    }
  };

  bool stop_requested = false;
  std::optional<std::string> died;
  double died_at_s = 0;
  auto stop_loads = [&] {
    if (stop_requested) return;
    stop_requested = true;
    for (auto& load : loads) load.engine->request_stop();
  };
  while (!not_ready) {
    std::this_thread::sleep_for(kPoll);
    if (stopped()) stop_loads();
    if (!died) {
      if ((died = services.exited_service())) {
        died_at_s = elapsed_s();
        stop_loads();
      }
    }
    bool all_finished = std::all_of(loads.begin(), loads.end(), [](const SoakLoad& l) { return l.engine->finished(); });
    for (auto& load : loads) {
      for (const auto& second : load.engine->take_seconds()) load.add(second, seconds_per_checkpoint, checkpoint_s);
    }
    if (all_finished) break;
    // A load that ended before its time (its target never answered, a worker died) stops the
    // soak; after the duration the others are only awaiting their last answers.
    if (elapsed_s() < total_s &&
        std::any_of(loads.begin(), loads.end(), [](const SoakLoad& l) { return l.engine->finished(); })) {
      stop_loads();
    }
    write_closed(false);
  }
  // The interval in progress becomes the last checkpoint (the soak's end, a signal, a death).
  for (auto& load : loads) load.close_interval(checkpoint_s, load.last_end_s);
  write_closed(true);
  double soak_elapsed_s = std::min(elapsed_s(), std::max(total_s, last_checkpoint_end_s));

  // The whole soak, per benchmark.
  std::vector<nlohmann::json> benchmarks;
  for (auto& load : loads) {
    if (not_ready) break;  // nothing started
    std::string failure;
    nlohmann::json b = load.engine->finish(load.name(), &failure);
    if (b.is_null()) {
      if (!result.failure) {
        result.failure = fmt::format("benchmark '{}': {}", load.name(), failure);
        result.failure_exit_code = exit_code::kRunFailed;
      }
      continue;
    }
    b["soak"] = {{"hlog", load.name() + ".hlog"}};
    // The whole soak's figures of each service, as a suite benchmark has them (SERVICE.* metrics
    // for `resources:` thresholds); the timeline over time is the checkpoints'.
    for (const auto& m : monitored) {
      add_service_resources(b, m.name, m.source, m.window(0, soak_elapsed_s), 0);
    }
    b.erase("resource_timeline");
    nlohmann::json checks = check_thresholds(*load.prepared->spec, {b});
    for (const auto& c : checks) result.checks.push_back(c);
    benchmarks.push_back(std::move(b));
  }
  result.checks_failed = failed_check_count(result.checks) > 0;

  nlohmann::json leak = nlohmann::json::object();
  for (auto& m : monitored) {
    nlohmann::json verdict = leak_json(m.window(0, soak_elapsed_s), settings_.leak_threshold_bytes_per_h);
    if (any_leaking(verdict)) result.leak_failed = !settings_.warn_on_leak;
    leak[m.name] = std::move(verdict);
  }
  nlohmann::json drift = nlohmann::json::object();
  double max_change = suite_.regression.max_change_for("latency_p95");
  for (const auto& load : loads) {
    nlohmann::json verdict = drift_verdict(load.p95_t_s, load.p95_ms, soak_elapsed_s, max_change);
    if (verdict.value("drifting", false)) result.drift_failed = !settings_.warn_on_drift;
    drift[load.name()] = std::move(verdict);
  }

  stop_services(services, monitors, suite_, hooks);

  result.interrupted = stopped();
  if (died && !result.failure) {
    result.failure = fmt::format("{} {:.1f} s into the soak (its log is in {})", *died, died_at_s, result.run_directory);
    result.failure_exit_code = exit_code::kRunFailed;
  }
  std::string ended = result.failure ? "failed" : result.interrupted ? "interrupted" : "complete";
  result.soak = {{"duration_s", total_s},
                 {"elapsed_s", soak_elapsed_s},
                 {"checkpoint_s", checkpoint_s},
                 {"checkpoints", checkpoints_written},
                 {"ended", ended},
                 {"on_leak", settings_.warn_on_leak ? "warn" : "fail"},
                 {"on_drift", settings_.warn_on_drift ? "warn" : "fail"},
                 {"leak_threshold_bytes_per_h", settings_.leak_threshold_bytes_per_h},
                 {"leak", leak},
                 {"drift", drift},
                 {"benchmarks", loads.size()}};
  if (died) {
    result.soak["service_exit"] = {{"t_s", died_at_s}, {"what", *died}};
  }
  if (result.failure) result.soak["failure"] = *result.failure;

  bool complete = !result.failure && !result.interrupted;
  for (const auto& b : benchmarks) store_.add_benchmark(result.run_id, b);
  store_.set_soak_summary(result.run_id, result.soak);
  if (complete) store_.complete_run(result.run_id, result.checks);
  result.document = result_document(info, benchmarks, result.checks);
  result.document["suite"] = suite_.name;
  result.document["run"]["status"] = complete ? "complete" : "incomplete";
  result.document["soak"] = result.soak;
  write_file_atomically(result.run_directory + "/result.json", result.document.dump(2) + "\n");
  return result;
}

}  // namespace perfgate::run
