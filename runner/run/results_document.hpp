#pragma once
// The results document of docs/RESULTS.md, built from a run; every report is rendered from it.
#include <nlohmann/json.hpp>
#include <vector>

#include "run/column.hpp"
#include "run/judged_cell.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct RunRecord {
  const std::vector<Scenario>* scenarios = nullptr;
  const std::vector<Column>* columns = nullptr;
  std::size_t reference_column = 0;
  std::vector<JudgedCell> cells;
  bool complete = true;
  nlohmann::json environment = nlohmann::json::object();
  nlohmann::json fdconform = nlohmann::json::object();
};

nlohmann::json results_document(const RunRecord& run);

// Counts per verdict name, all six present.
nlohmann::json verdict_summary(const std::vector<JudgedCell>& cells);

}  // namespace fdconform
