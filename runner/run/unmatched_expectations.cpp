#include "run/unmatched_expectations.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace fdconform {

UnmatchedCheck unmatched_expectations(const ExpectationSet& expectations, const std::vector<Scenario>& scenarios,
                                      const std::vector<Column>& columns, std::size_t reference_column,
                                      const std::vector<JudgedCell>& cells) {
  UnmatchedCheck check;
  const std::string& reference_id = columns[reference_column].descriptor.id;
  std::map<std::string, std::size_t> scenario_index;
  for (std::size_t i = 0; i < scenarios.size(); ++i) scenario_index[scenarios[i].id] = i;
  // (scenario, column) of every cell that ran: the ones an entry can have judged.
  std::set<std::pair<std::size_t, std::size_t>> ran;
  for (const auto& cell : cells)
    if (cell.observation.status == CellObservation::Status::ran) ran.emplace(cell.scenario, cell.column);

  bool any_named = false;
  for (const auto& file : expectations.files)
    for (const auto& entry : file.entries) any_named = any_named || scenario_index.contains(entry.scenario);
  if (!any_named) {
    check.other_corpus = true;
    return check;
  }

  for (const auto& file : expectations.files) {
    std::vector<std::size_t> targets;  // the columns this file applies to; the reference is never judged by one
    for (std::size_t c = 0; c < columns.size(); ++c)
      if (c != reference_column && columns[c].available &&
          applies(file.applies_to, columns[c].descriptor.id, columns[c].hello.version, reference_id))
        targets.push_back(c);
    if (targets.empty()) continue;
    for (const auto& entry : file.entries) {
      auto found = scenario_index.find(entry.scenario);
      if (found == scenario_index.end()) {
        check.entries.push_back({file.path, entry.line, entry.scenario,
                                 fmt::format("scenario '{}' is not in this run's corpus", entry.scenario)});
        continue;
      }
      bool used = false;
      std::vector<std::string> ids;
      for (auto c : targets) {
        used = used || ran.contains({found->second, c});
        ids.push_back(columns[c].descriptor.id);
      }
      if (!used)
        check.entries.push_back(
            {file.path, entry.line, entry.scenario,
             fmt::format("scenario '{}' ran on none of the columns the file applies to ({}): every such cell was "
                         "skipped, no API or an error",
                         entry.scenario, fmt::join(ids, ", "))});
    }
  }
  return check;
}

}  // namespace fdconform
