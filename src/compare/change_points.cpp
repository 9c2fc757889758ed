// E-divisive means; see change_points.hpp.
#include "compare/change_points.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace perfgate::compare {
namespace {

struct Split {
  std::size_t tau = 0;  // the segment is [0, tau) and [tau, n)
  double q = 0;
};

// The best split of `x` with at least `min_segment` points on each side: Q(tau) for every tau
// in O(n^2), by moving one point at a time from the right part to the left and updating the
// three sums of distances (across, within the left, within the right).
Split best_split(const std::vector<double>& x, std::size_t min_segment) {
  const std::size_t n = x.size();
  Split best;
  if (n < 2 * min_segment) return best;
  double across = 0, left = 0, right = 0;
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t k = j + 1; k < n; ++k) right += std::fabs(x[j] - x[k]);
  }
  for (std::size_t tau = 1; tau + 1 <= n; ++tau) {
    // Move x[tau - 1] from the right part to the left.
    const std::size_t p = tau - 1;
    double to_left = 0, to_right = 0;
    for (std::size_t i = 0; i < p; ++i) to_left += std::fabs(x[i] - x[p]);
    for (std::size_t j = p + 1; j < n; ++j) to_right += std::fabs(x[p] - x[j]);
    across += to_right - to_left;
    left += to_left;
    right -= to_right;
    const std::size_t m = tau, k = n - tau;
    if (m < min_segment || k < min_segment) continue;
    const double dm = static_cast<double>(m), dk = static_cast<double>(k);
    const double within_left = m > 1 ? left / (dm * (dm - 1) / 2) : 0;
    const double within_right = k > 1 ? right / (dk * (dk - 1) / 2) : 0;
    const double energy = 2 * across / (dm * dk) - within_left - within_right;
    const double q = dm * dk / (dm + dk) * energy;
    if (q > best.q) best = {tau, q};
  }
  return best;
}

double mean_of(std::span<const double> x) {
  return x.empty() ? 0 : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

void search(std::span<const double> series, std::size_t begin, std::size_t end, const ChangePointOptions& options,
            std::mt19937_64& random, std::vector<std::pair<std::size_t, double>>& found) {
  std::vector<double> segment(series.begin() + static_cast<std::ptrdiff_t>(begin),
                              series.begin() + static_cast<std::ptrdiff_t>(end));
  Split split = best_split(segment, options.min_segment);
  if (split.tau == 0 || split.q <= 0) return;
  std::size_t as_large = 0;
  std::vector<double> shuffled = segment;
  auto p_value = [&] { return static_cast<double>(as_large + 1) / static_cast<double>(options.permutations + 1); };
  for (std::size_t i = 0; i < options.permutations; ++i) {
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    if (best_split(shuffled, options.min_segment).q >= split.q) ++as_large;
    if (p_value() > options.max_p) return;  // already not significant: the rest cannot change that
  }
  double p = p_value();
  found.emplace_back(begin + split.tau, p);
  search(series, begin, begin + split.tau, options, random, found);
  search(series, begin + split.tau, end, options, random, found);
}

}  // namespace

std::vector<ChangePoint> find_change_points(std::span<const double> series, const ChangePointOptions& options) {
  std::vector<std::pair<std::size_t, double>> found;
  std::mt19937_64 random(options.seed);
  search(series, 0, series.size(), options, random, found);
  std::sort(found.begin(), found.end());
  std::vector<ChangePoint> points;
  for (std::size_t i = 0; i < found.size(); ++i) {
    std::size_t from = i == 0 ? 0 : found[i - 1].first;
    std::size_t at = found[i].first;
    std::size_t to = i + 1 < found.size() ? found[i + 1].first : series.size();
    ChangePoint c;
    c.index = at;
    c.p_value = found[i].second;
    c.mean_before = mean_of(series.subspan(from, at - from));
    c.mean_after = mean_of(series.subspan(at, to - at));
    c.relative_change = c.mean_before != 0 ? (c.mean_after - c.mean_before) / std::fabs(c.mean_before) : 0;
    points.push_back(c);
  }
  return points;
}

}  // namespace perfgate::compare
