// SVG charts for the HTML pages; see svg_chart.hpp.
#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/text_escape.hpp"

namespace perfgate::report {
namespace {

constexpr double kWidth = 480;
constexpr double kHeight = 250;
constexpr double kLeft = 66;    // y tick labels
constexpr double kRight = 24;   // room for half of the last x tick label
constexpr double kTop = 46;     // title and legend
constexpr double kBottom = 34;  // x tick labels and the axis name
constexpr double kMostNines = 7;  // 99.99999%: 10^7 requests resolve it

// Enough decimals to tell neighbouring ticks `step` apart, no more; thousands as k and millions
// as M, so that a tick fits left of the plot ("250k rps").
std::string tick_text(double value, double step, const std::string& unit) {
  std::string suffix;
  for (const auto& [scale, letter] : {std::pair{1e6, "M"}, {1e3, "k"}}) {
    if (unit == "MiB" || std::abs(step) < scale) continue;
    value /= scale;
    step /= scale;
    suffix = letter;
    break;
  }
  int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::string number = fmt::format("{:.{}f}", value, std::clamp(decimals, 0, 6));
  if (number.find('.') != std::string::npos) {  // 1.0 -> 1, 0.50 -> 0.5
    number.erase(number.find_last_not_of('0') + 1);
    if (number.back() == '.') number.pop_back();
  }
  number += suffix;
  if (unit.empty()) return number;
  return unit == "%" ? number + "%" : number + " " + unit;
}

std::string nines_label(int nines) {
  if (nines <= 1) return nines == 1 ? "90%" : "0%";
  std::string out = "99";
  if (nines >= 3) out += "." + std::string(static_cast<std::size_t>(nines - 2), '9');
  return out + "%";
}

struct Tick {
  double at;
  std::string text;
};

std::vector<Tick> x_ticks(const Chart& chart, double low, double high) {
  std::vector<Tick> ticks;
  if (chart.x_axis == XAxis::nines) {
    ticks.push_back({nines_position(0.5), "50%"});
    for (int n = 1; n <= static_cast<int>(std::floor(high + 1e-9)); ++n) ticks.push_back({static_cast<double>(n), nines_label(n)});
  } else if (chart.x_axis == XAxis::runs) {
    const auto count = static_cast<std::size_t>(std::max(high - 0.5, 0.0)) + 1;
    const std::size_t every = std::max<std::size_t>(1, (count + 4) / 5);
    for (std::size_t i = 0; i < count && i < chart.run_labels.size(); i += every) {
      ticks.push_back({static_cast<double>(i), chart.run_labels[i]});
    }
  } else {
    std::vector<double> values = nice_ticks(low, high, 6);
    double step = values.size() > 1 ? values[1] - values[0] : 1;
    for (double v : values) ticks.push_back({v, tick_text(v, step, "s")});
  }
  return ticks;
}

std::string legend(const Chart& chart) {
  std::string out;
  double x = kLeft;
  for (const auto& line : chart.lines) {
    if (line.label.empty()) continue;
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"34\" x2=\"{1:.1f}\" y2=\"34\" stroke=\"{2}\" stroke-width=\"2.5\"{3}/>"
                       "<text x=\"{4:.1f}\" y=\"38\" class=\"legend\">{5}</text>",
                       x, x + 16, html_text(line.color), line.dashed ? " stroke-dasharray=\"5 3\"" : "", x + 20,
                       html_text(line.label));
    x += 32 + 6.5 * static_cast<double>(line.label.size());
  }
  return out;
}

}  // namespace

double nines_position(double quantile) {
  return std::log10(1.0 / (1.0 - std::clamp(quantile, 0.0, 1.0 - 1e-9)));
}

std::vector<double> nice_ticks(double low, double high, int wanted) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {};
  if (high <= low) high = low + (low == 0 ? 1 : std::abs(low) * 0.1);
  const double rough = (high - low) / std::max(wanted, 1);
  const double magnitude = std::pow(10, std::floor(std::log10(rough)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (step >= rough) break;
  }
  std::vector<double> ticks;
  const double top = std::ceil(high / step - 1e-9) * step;  // the last tick covers `high`
  for (double v = std::ceil(low / step - 1e-9) * step; v <= top + step * 1e-9; v += step) {
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return ticks;
}

std::string svg_chart(const Chart& chart) {
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low;
  double y_low = x_low, y_high = -x_low;
  for (const auto& line : chart.lines) {
    for (std::size_t i = 0; i < line.x.size() && i < line.y.size(); ++i) {
      if (!std::isfinite(line.x[i]) || !std::isfinite(line.y[i])) continue;
      if (chart.x_axis == XAxis::nines && line.x[i] > kMostNines) continue;
      x_low = std::min(x_low, line.x[i]);
      x_high = std::max(x_high, line.x[i]);
      y_low = std::min(y_low, line.y[i]);
      y_high = std::max(y_high, line.y[i]);
    }
  }
  if (!std::isfinite(x_low)) return "";
  if (chart.x_axis == XAxis::nines) {
    x_low = 0;
    x_high = std::clamp(std::ceil(x_high - 1e-9), 4.0, kMostNines);  // 99.99% always shows
  } else if (chart.x_axis == XAxis::runs) {
    x_low = -0.5;  // half a run of room each side: the first and last points and labels stay inside
    x_high += 0.5;
  } else {
    x_low = std::min(x_low, 0.0);
  }
  if (x_high <= x_low) x_high = x_low + 1;
  if (chart.y_from_zero) {
    y_low = std::min(y_low, 0.0);
    if (y_high <= y_low) y_high = y_low + 1;
  } else {
    // At least 10% of the level: run-to-run noise of 0.1% must not fill the plot like a shift.
    const double mid = (y_low + y_high) / 2;
    double span = std::max(y_high - y_low, std::abs(mid) * 0.1);
    if (span <= 0) span = 1;
    y_low = std::min(y_low, mid - span / 2);
    y_high = std::max(y_high, mid + span / 2);
  }
  std::vector<double> y_values = nice_ticks(y_low, y_high, 5);
  const double y_step = y_values.size() > 1 ? y_values[1] - y_values[0] : 1;
  if (!y_values.empty()) {
    y_low = std::min(y_low, y_values.front());
    y_high = std::max(y_high, y_values.back());
  }

  const double plot_w = kWidth - kLeft - kRight;
  const double plot_h = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + plot_w * (v - x_low) / (x_high - x_low); };
  auto py = [&](double v) { return kTop + plot_h * (1 - (v - y_low) / (y_high - y_low)); };

  std::string out = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{0}\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title>{0}</title>"
      "<text x=\"{3}\" y=\"18\" class=\"title\">{0}</text>",
      html_text(chart.title), kWidth, kHeight, kLeft);
  out += legend(chart);
  for (double v : y_values) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" class=\"grid\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" class=\"tick\" text-anchor=\"end\">{5}</text>",
                       kLeft, py(v), kWidth - kRight, kLeft - 6, py(v) + 4, html_text(tick_text(v, y_step, chart.y_unit)));
  }
  for (const auto& tick : x_ticks(chart, x_low, x_high)) {
    if (tick.at < x_low - 1e-9 || tick.at > x_high + 1e-9) continue;
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" class=\"grid\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4}</text>",
                       px(tick.at), kTop, kTop + plot_h, kTop + plot_h + 15, html_text(tick.text));
  }
  const char* x_name = chart.x_axis == XAxis::nines ? "percentile" : chart.x_axis == XAxis::runs ? "run" : "time";
  out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{}</text>", kWidth - kRight,
                     kHeight - 4, x_name);
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"frame\"/>", kLeft, kTop, plot_w, plot_h);

  for (const auto& marker : chart.markers) {
    if (marker.x < x_low || marker.x > x_high) continue;
    out += fmt::format("<g><title>{0}</title><line x1=\"{1:.1f}\" y1=\"{2}\" x2=\"{1:.1f}\" y2=\"{3}\" stroke=\"{4}\" "
                       "stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/><text x=\"{5:.1f}\" y=\"{6}\" class=\"marker\" "
                       "fill=\"{4}\">{7}</text></g>",
                       html_text(marker.title.empty() ? marker.label : marker.title), px(marker.x), kTop,
                       kTop + plot_h, html_text(marker.color), px(marker.x) + 3, kTop + 11, html_text(marker.label));
  }
  for (const auto& line : chart.lines) {
    std::string points;
    std::string dots;
    for (std::size_t i = 0; i < line.x.size() && i < line.y.size(); ++i) {
      // Beyond the axis: a spectrum past its last nine (more than 10^7 requests) is not drawn.
      if (!std::isfinite(line.x[i]) || !std::isfinite(line.y[i]) || line.x[i] > x_high) continue;
      points += fmt::format("{:.1f},{:.1f} ", px(line.x[i]), py(line.y[i]));
      if (line.dots || line.x.size() == 1) {
        std::string tip = i < line.point_titles.size() ? line.point_titles[i] : line.label;
        // A line of one point (the baseline's run, this run) stands out over the dots of a series.
        dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>{}</title></circle>",
                            px(line.x[i]), py(line.y[i]), line.dots ? 3 : 5, html_text(line.color), html_text(tip));
      }
    }
    if (!points.empty() && line.x.size() > 1) {
      points.pop_back();
      out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\"{} "
                         "points=\"{}\"><title>{}</title></polyline>",
                         html_text(line.color), line.dashed ? " stroke-dasharray=\"5 3\"" : "", points,
                         html_text(line.label));
    }
    out += dots;
  }
  return out + "</svg>";
}

}  // namespace perfgate::report
