// HdrHistogram's interval log (the "histogram log format" of HdrHistogram's HistogramLogWriter,
// version 1.3), so a run's latency over time can be read by HdrHistogram's own tools
// (HistogramLogReader, HistogramLogProcessor, HdrHistogram_c's hdr_log_read):
//
//   #[Histogram log format version 1.3]
//   #[StartTime: 1764979200.000 (seconds since epoch), Sun Dec 06 00:00:00 UTC 2026]
//   #[BaseTime: 1764979200.000 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   0.000,1.000,2.351,HISTFAAAA…
//
// Timestamps are seconds after BaseTime; the histograms hold nanoseconds and Interval_Max is
// in milliseconds (HdrHistogram's default unit ratio of 1e6 for nanosecond histograms).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.hpp"

namespace perfgate {

// The four header lines, each ending in '\n'. `base_wall_ns`: the wall clock (ns since the
// epoch) at the start of the first interval.
std::string hdr_log_header(std::int64_t base_wall_ns);

// One interval line, ending in '\n': start and length in seconds after the base time.
std::string hdr_log_interval_line(double start_s, double length_s, const Histogram& interval);

struct HdrLogInterval {
  double start_s = 0;   // after the base time
  double length_s = 0;
  double max_ms = 0;
  Histogram histogram;
};

struct HdrLog {
  double start_time_s = 0;  // seconds since the epoch, from #[StartTime: …]
  double base_time_s = 0;   // from #[BaseTime: …] (the start time when absent)
  std::vector<HdrLogInterval> intervals;
};

// Reads a log as HdrHistogram's readers do (comment lines, the legend, optional "Tag=" columns);
// nullopt with *error naming the line when a line cannot be read.
std::optional<HdrLog> read_hdr_log(std::string_view text, std::string* error = nullptr);

}  // namespace perfgate
