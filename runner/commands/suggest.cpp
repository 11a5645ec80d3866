#include "commands/suggest.hpp"

#include <algorithm>
#include <vector>

namespace fdconform {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions, and a swap of two neighbours
// ("rnu" for "run") counted as one slip rather than two.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> closest_name(const std::string& typed, const std::vector<std::string>& candidates) {
  if (typed.empty() || typed.size() > 64) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    std::size_t distance = edit_distance(typed, candidate);
    if (!best || distance < best_distance) best = candidate, best_distance = distance;
  }
  std::size_t allowed = std::max<std::size_t>(1, typed.size() / 3);
  if (best && best_distance <= allowed) return best;
  for (const auto& candidate : candidates)
    if (typed.size() >= 2 && candidate.starts_with(typed)) return candidate;
  return std::nullopt;
}

}  // namespace fdconform
