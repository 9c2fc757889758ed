// A monitored window as the result document carries it: the `resources` figures, the
// `resource_timeline`, the `leak` verdicts and the metrics (`perfgate monitor`, suites, soak).
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result_document.hpp"
#include "monitor/resource_monitor.hpp"
#include "monitor/trend.hpp"

namespace perfgate::monitor {

// Allowed growth per hour before a slope counts as a leak: DESIGN's defaults.
struct LeakThresholds {
  double rss_bytes_per_h = 1024.0 * 1024.0;  // 1MB/h
  double threads_per_h = 0;
  double fds_per_h = 0;
};

struct LeakVerdicts {
  LeakVerdict rss, threads, fds;
  bool any() const { return rss.leaking || threads.leaking || fds.leaking; }
};

// The leak check of each series over `samples`, after dropping those before `warmup_end_s`
// (in the samples' t_s clock).
LeakVerdicts leak_verdicts(std::span<const ResourceSample> samples, const LeakThresholds& thresholds,
                           double warmup_end_s);

// {"cpu_pct": {"mean", "max"}, "rss_bytes": {"max"}, "threads": {"max"}, "fds": {"max"}}: one
// service's entry of a benchmark's `resources` object.
nlohmann::json resources_json(const ResourceSummary& summary);
// [{"t", "cpu_pct", "rss_bytes", "threads", "fds"}, ...]
nlohmann::json resource_timeline_json(std::span<const ResourceSample> samples);
// {"rss": {"slope_bytes_per_h", "ci95": [lo, hi], "leaking", ...}, "threads": {"slope_per_h", ...},
// "fds": {...}}; an interval that cannot be known (too few samples) is [null, null].
nlohmann::json leak_json(const LeakVerdicts& verdicts);
// One series' verdict: {SLOPE_KEY, "ci95", "leaking", "judged", THRESHOLD_KEY, "samples", "window_s"}
// ("judged": false when the window was too short to say; see trend.hpp).
nlohmann::json leak_verdict_json(const LeakVerdict& v, const char* slope_key, const char* threshold_key);
// cpu_pct_mean, cpu_pct_max, rss_max, rss_slope_per_h, threads_max, fds_max, with `prefix`
// before each name ("api." in a suite, "" for `perfgate monitor`).
std::vector<Metric> resource_metrics(const ResourceSummary& summary, const LeakVerdicts& verdicts,
                                     const std::string& prefix = "");

}  // namespace perfgate::monitor
