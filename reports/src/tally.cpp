#include "reports/tally.hpp"

#include <fmt/format.h>

#include "reports/results.hpp"

namespace reports {

std::size_t Tally::passed() const { return count(Verdict::match) + count(Verdict::expected_differ); }

std::size_t Tally::failed() const {
  return count(Verdict::differ) + count(Verdict::unexpected_pass) + count(Verdict::error) + invalid_files;
}

std::size_t Tally::total() const {
  std::size_t sum = 0;
  for (auto n : by_verdict) sum += n;
  return sum;
}

Tally tally(const Results& results) {
  Tally counts;
  for (const auto& cell : results.cells) counts.add(cell.verdict);
  counts.invalid_files = invalid_scenario_files(results).size();
  return counts;
}

std::string summary_line(const Tally& counts) {
  std::string line = fmt::format("fdconform: {} passed, {} failed, {} skipped", counts.passed(), counts.failed(),
                                 counts.skipped());
  if (counts.without_api() > 0) line += fmt::format(", {} no API", counts.without_api());
  if (counts.invalid_files > 0)
    line += fmt::format(" ({} invalid scenario file{})", counts.invalid_files, counts.invalid_files == 1 ? "" : "s");
  if (counts.failed() == 0 && counts.accepted() > 0)
    line += fmt::format(", {} expected difference{} accepted", counts.accepted(), counts.accepted() == 1 ? "" : "s");
  return line;
}

std::string summary_line(const Results& results) { return summary_line(tally(results)); }

std::string summary_line(const nlohmann::json& document) { return summary_line(parse_results(document)); }

}  // namespace reports
