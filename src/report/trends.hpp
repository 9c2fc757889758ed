// `perfgate report trends` over the store: every metric's series across complete runs, with the
// change points E-divisive means finds in it (compare/change_points.hpp), each naming the run,
// its commit and time, and the size of the shift with its direction.
//
//   report::TrendQuery query;  query.suite = "api";  query.since = "2026-11-01T00:00:00.000Z";
//   auto series = report::collect_trends(store, query);
//   std::string md = report::trends_markdown(series, query);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace perfgate::report {

struct TrendQuery {
  std::optional<std::string> suite;      // all suites when absent
  std::optional<std::string> benchmark;  // exact names
  std::optional<std::string> metric;
  std::optional<std::string> since;      // ISO-8601 UTC; runs started before are left out
  std::size_t max_runs = 500;            // the newest runs read per suite
};

struct TrendPoint {
  std::string run_id;
  std::string started_at;
  std::optional<std::string> git_commit;
  double value = 0;
};

struct TrendChange {
  std::size_t index = 0;  // into points: the first run of the new level
  double before = 0;      // the mean of the level before and after
  double after = 0;
  double relative_change = 0;
  double p_value = 0;
  std::string direction;  // "better" or "worse" (by the metric's own direction)
};

struct TrendSeries {
  std::string suite, benchmark, metric, unit, better;
  std::vector<TrendPoint> points;  // oldest first
  std::vector<TrendChange> changes;
};

// Sorted by suite, benchmark, metric. Series of fewer than two runs are left out.
std::vector<TrendSeries> collect_trends(Store& store, const TrendQuery& query);

nlohmann::json trends_json(const std::vector<TrendSeries>& series);
// For a terminal: one line per change point, then how many series have none.
std::string trends_text(const std::vector<TrendSeries>& series);
std::string trends_markdown(const std::vector<TrendSeries>& series);
// One self-contained page (html_page.hpp): the change points first in plain words (worse ones
// first), a chart per series that shifted (the shifts marked), and the steady series folded away.
// Inline SVG, no scripts, every stored string escaped.
std::string trends_html(const std::vector<TrendSeries>& series);

}  // namespace perfgate::report
