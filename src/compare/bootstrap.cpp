// The bootstrap interval of a ratio of medians; see bootstrap.hpp.
#include "compare/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/statistics.hpp"

namespace perfgate::compare {
namespace {

// mt19937_64's output is fixed by the standard, but std::uniform_int_distribution is not, so
// the index is drawn by hand to give the same interval with every standard library. The modulo
// bias is below 2^-40 for any sample count we see.
std::size_t draw_index(std::mt19937_64& engine, std::size_t count) { return engine() % count; }

double draw_uniform(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }

// Above this many samples, resampling all of them 2000 times costs seconds (a day of per-second
// timeline points is 86,400), so the median of a resample is drawn directly instead.
constexpr std::size_t kDirectDrawAbove = 1000;

// Draws the median of one bootstrap resample of `samples`.
// Small samples are resampled literally. For large ones the resample's median is its k-th
// smallest value, k = ceil(n / 2), and that is at most the j-th smallest sample exactly when at
// least k of the n draws fall at or below it: P = P(Binomial(n, j / n) >= k) = I_{j/n}(k, n-k+1).
// One uniform and a binary search over that distribution replace n draws. (For even n this is
// the lower median rather than the midpoint of the middle two; with n > 1000 they are neighbours.)
class ResampledMedian {
 public:
  explicit ResampledMedian(std::span<const double> samples) : samples_(samples) {
    if (samples.size() <= kDirectDrawAbove) return;
    sorted_.assign(samples.begin(), samples.end());
    std::sort(sorted_.begin(), sorted_.end());
    std::size_t n = sorted_.size();
    double k = static_cast<double>((n + 1) / 2);
    double count = static_cast<double>(n);
    // Outside ten binomial standard deviations (sqrt(n) / 2 each) of the middle the
    // probabilities are 0 or 1 to double precision; computing them all would be wasted work.
    auto reach = static_cast<std::size_t>(5 * std::sqrt(count)) + 1;
    std::size_t middle = (n + 1) / 2 - 1;
    std::size_t first = middle > reach ? middle - reach : 0;
    std::size_t last = std::min(n - 1, middle + reach);
    cumulative_.assign(n, 0.0);
    for (std::size_t j = first; j < n; ++j) {
      cumulative_[j] =
          j > last ? 1.0 : stats::regularized_incomplete_beta(k, count - k + 1, static_cast<double>(j + 1) / count);
    }
  }

  double draw(std::mt19937_64& engine, std::vector<double>& scratch) const {
    if (!cumulative_.empty()) {
      auto at = std::upper_bound(cumulative_.begin(), cumulative_.end(), draw_uniform(engine));
      return sorted_[std::min(static_cast<std::size_t>(at - cumulative_.begin()), sorted_.size() - 1)];
    }
    scratch.resize(samples_.size());
    for (auto& value : scratch) value = samples_[draw_index(engine, samples_.size())];
    auto middle = scratch.begin() + static_cast<std::ptrdiff_t>(scratch.size() / 2);
    std::nth_element(scratch.begin(), middle, scratch.end());
    if (scratch.size() % 2 == 1) return *middle;
    double upper = *middle;
    double lower = *std::max_element(scratch.begin(), middle);
    return std::midpoint(lower, upper);
  }

 private:
  std::span<const double> samples_;
  std::vector<double> sorted_;
  std::vector<double> cumulative_;  // P(resample median <= sorted_[j]); empty for small samples
};

}  // namespace

std::optional<RatioInterval> bootstrap_ratio_of_medians(std::span<const double> baseline,
                                                        std::span<const double> current, std::size_t resamples,
                                                        double confidence, std::uint64_t seed) {
  if (baseline.empty() || current.empty() || resamples == 0) return std::nullopt;
  std::mt19937_64 engine(seed);
  std::vector<double> scratch;
  ResampledMedian baseline_median_draw(baseline);
  ResampledMedian current_median_draw(current);
  std::vector<double> ratios;
  ratios.reserve(resamples);
  for (std::size_t i = 0; i < resamples; ++i) {
    double baseline_median = baseline_median_draw.draw(engine, scratch);
    double current_median = current_median_draw.draw(engine, scratch);
    if (baseline_median == 0) return std::nullopt;
    double ratio = current_median / baseline_median;
    if (!std::isfinite(ratio)) return std::nullopt;
    ratios.push_back(ratio);
  }
  std::sort(ratios.begin(), ratios.end());
  double tail = (1 - std::clamp(confidence, 0.0, 1.0)) / 2;
  double last = static_cast<double>(resamples - 1);
  auto low_index = static_cast<std::size_t>(std::floor(tail * last));
  auto high_index = static_cast<std::size_t>(std::ceil((1 - tail) * last));
  return RatioInterval{ratios[low_index], ratios[std::min(high_index, resamples - 1)]};
}

}  // namespace perfgate::compare
