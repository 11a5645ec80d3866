#include "run/judged_cell.hpp"

#include <fmt/format.h>

namespace fdconform {

void judge_row(std::vector<JudgedCell*>& row, std::size_t reference_column, const std::string& reference_id,
               const nlohmann::json& expect, const std::vector<KnownDifferences>& known) {
  const CellObservation* reference = nullptr;
  std::string unavailable = fmt::format("the reference {} did not run in this run", reference_id);
  bool reference_skipped = false;
  for (auto* cell : row) {
    if (cell->column != reference_column) continue;
    if (cell->observation.status == CellObservation::Status::ran) reference = &cell->observation;
    else if (cell->observation.status == CellObservation::Status::no_api)
      // The reference's runtime cannot express the scenario: there is nothing to compare the row against.
      unavailable = fmt::format("the reference {} cannot express this scenario ({})", reference_id,
                                no_api_reason(cell->observation.capability));
    else unavailable = fmt::format("the reference {} has no observation ({})", reference_id, cell->observation.reason);
    reference_skipped = cell->observation.status == CellObservation::Status::skip;
  }
  std::vector<const Observation*> classes;
  // The reference's observation is class 0 when it ran, so classes read "like the reference" first.
  if (reference) classes.push_back(&reference->observation);
  for (auto* cell : row) {
    bool is_reference = cell->column == reference_column;
    const KnownDifferences none;
    const KnownDifferences& entry = cell->column < known.size() && !is_reference ? known[cell->column] : none;
    cell->judgement = judge_cell(cell->observation, is_reference ? nullptr : reference, is_reference, unavailable,
                                 expect, entry, reference_skipped);
    if (cell->observation.status != CellObservation::Status::ran) continue;
    std::size_t k = 0;
    while (k < classes.size() && *classes[k] != cell->observation.observation) ++k;
    if (k == classes.size()) classes.push_back(&cell->observation.observation);
    cell->observation_class = static_cast<int>(k);
  }
}

}  // namespace fdconform
