// The monitored window as JSON and metrics; see monitor_result.hpp.
#include "monitor/monitor_result.hpp"

#include <cmath>

namespace perfgate::monitor {
namespace {

nlohmann::json finite_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json leak_verdict_json(const LeakVerdict& v, const char* slope_key, const char* threshold_key) {
  return {{slope_key, v.trend.slope_per_h},
          {"ci95", {finite_or_null(v.trend.ci95_low), finite_or_null(v.trend.ci95_high)}},
          {"leaking", v.leaking},
          {"judged", v.judged},
          {threshold_key, v.threshold_per_h},
          {"samples", v.trend.samples},
          {"window_s", v.window_s}};
}

LeakVerdicts leak_verdicts(std::span<const ResourceSample> samples, const LeakThresholds& thresholds,
                           double warmup_end_s) {
  std::vector<double> t;
  std::vector<double> rss;
  std::vector<double> threads;
  std::vector<double> fds;
  for (const ResourceSample& s : samples) {
    if (s.t_s < warmup_end_s) {
      continue;
    }
    t.push_back(s.t_s);
    rss.push_back(static_cast<double>(s.rss_bytes));
    threads.push_back(static_cast<double>(s.threads));
    fds.push_back(static_cast<double>(s.fds));
  }
  return LeakVerdicts{leak_check(t, rss, thresholds.rss_bytes_per_h, 0, kLeakMinGrowthBytes),
                      leak_check(t, threads, thresholds.threads_per_h, 0, kLeakMinGrowthCount),
                      leak_check(t, fds, thresholds.fds_per_h, 0, kLeakMinGrowthCount)};
}

nlohmann::json resources_json(const ResourceSummary& summary) {
  return {{"cpu_pct", {{"mean", summary.cpu_pct_mean}, {"max", summary.cpu_pct_max}}},
          {"rss_bytes", {{"max", summary.rss_max}}},
          {"threads", {{"max", summary.threads_max}}},
          {"fds", {{"max", summary.fds_max}}}};
}

nlohmann::json resource_timeline_json(std::span<const ResourceSample> samples) {
  nlohmann::json timeline = nlohmann::json::array();
  for (const ResourceSample& s : samples) {
    timeline.push_back(
        {{"t", s.t_s}, {"cpu_pct", s.cpu_pct}, {"rss_bytes", s.rss_bytes}, {"threads", s.threads}, {"fds", s.fds}});
  }
  return timeline;
}

nlohmann::json leak_json(const LeakVerdicts& verdicts) {
  return {{"rss", leak_verdict_json(verdicts.rss, "slope_bytes_per_h", "threshold_bytes_per_h")},
          {"threads", leak_verdict_json(verdicts.threads, "slope_per_h", "threshold_per_h")},
          {"fds", leak_verdict_json(verdicts.fds, "slope_per_h", "threshold_per_h")}};
}

std::vector<Metric> resource_metrics(const ResourceSummary& summary, const LeakVerdicts& verdicts,
                                     const std::string& prefix) {
  return {
      {prefix + "cpu_pct_mean", summary.cpu_pct_mean, "percent", "lower"},
      {prefix + "cpu_pct_max", summary.cpu_pct_max, "percent", "lower"},
      {prefix + "rss_max", static_cast<double>(summary.rss_max), "bytes", "lower"},
      {prefix + "rss_slope_per_h", verdicts.rss.trend.slope_per_h, "bytes/h", "lower"},
      {prefix + "threads_max", static_cast<double>(summary.threads_max), "count", "lower"},
      {prefix + "fds_max", static_cast<double>(summary.fds_max), "count", "lower"},
  };
}

}  // namespace perfgate::monitor
