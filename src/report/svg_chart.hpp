// Charts for the HTML pages (`--html` of run, compare and report trends): inline SVG, no script,
// with axes, readable ticks, a legend and units, in a light palette. One module so the three
// pages draw alike.
//
//   Chart chart;
//   chart.title = "Latency spectrum";  chart.y_unit = "ms";  chart.x_axis = XAxis::nines;
//   chart.lines.push_back({"corrected", xs, ys, kBlue});
//   std::string svg = svg_chart(chart);  // "" when there is nothing to draw
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace perfgate::report {

// The palette: dark enough on white for text and thin lines (contrast >= 4.5:1).
inline constexpr const char* kBlue = "#0969da";
inline constexpr const char* kOrange = "#bc4c00";
inline constexpr const char* kGrey = "#6e7781";
inline constexpr const char* kRed = "#cf222e";
inline constexpr const char* kGreen = "#1a7f37";
inline constexpr const char* kPurple = "#8250df";
inline constexpr const char* kTeal = "#0a7b83";

struct ChartLine {
  ChartLine() = default;
  ChartLine(std::string legend, std::vector<double> xs, std::vector<double> ys, std::string stroke = kBlue,
            bool dashed_line = false)
      : label(std::move(legend)), x(std::move(xs)), y(std::move(ys)), color(std::move(stroke)), dashed(dashed_line) {}

  std::string label;  // in the legend
  std::vector<double> x, y;
  std::string color = kBlue;
  bool dashed = false;
  bool dots = false;                      // a dot per point, each with its `point_titles` tooltip
  std::vector<std::string> point_titles;  // optional, one per point
};

// A vertical line across the plot at `x`, labelled at its top (a change point, the baseline).
struct ChartMarker {
  double x = 0;
  std::string label;
  std::string color = kGrey;
  std::string title;  // tooltip; the label when empty
};

enum class XAxis {
  seconds,  // linear, ticks in seconds
  nines,    // a quantile q drawn at log10(1/(1-q)): ticks 50%, 90%, 99%, 99.9%, 99.99%…
  runs,     // x is a run's index; ticks from run_labels
};

struct Chart {
  Chart() = default;
  Chart(std::string heading, std::string unit, XAxis axis = XAxis::seconds)
      : title(std::move(heading)), y_unit(std::move(unit)), x_axis(axis) {}

  std::string title;   // above the plot, and the SVG's accessible name
  std::string y_unit;  // "ms", "%", "MiB", "req/s": on the ticks
  XAxis x_axis = XAxis::seconds;
  std::vector<std::string> run_labels;  // XAxis::runs: one per index
  std::vector<ChartLine> lines;
  std::vector<ChartMarker> markers;
  bool y_from_zero = true;  // false: the range of the data (a series across runs)
};

// Where the nines axis draws quantile q (0 <= q < 1): log10(1 / (1 - q)).
double nines_position(double quantile);

// The chart as one <svg> element; "" when no line has a point.
std::string svg_chart(const Chart& chart);

// Round tick values covering [low, high], about `wanted` of them (steps of 1, 2 or 5 × 10^k).
std::vector<double> nice_ticks(double low, double high, int wanted = 5);

}  // namespace perfgate::report
