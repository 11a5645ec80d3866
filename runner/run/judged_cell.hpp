#pragma once
// A cell of the matrix once run and judged: what the results document records.
#include <optional>
#include <string>

#include "diff/verdict.hpp"

namespace fdconform {

struct JudgedCell {
  std::size_t scenario = 0;  // index into the run's scenarios
  std::size_t column = 0;    // index into the run's columns
  CellObservation observation;
  Judgement judgement;
  double duration_ms = 0;
  std::optional<int> observation_class;  // cells of a row with equal observations share a class
};

// Judges one row (all cells of one scenario) against the reference column, and assigns classes.
// `known` gives, per column index, what an expectation file says that cell shows (or nullopt).
void judge_row(std::vector<JudgedCell*>& row, std::size_t reference_column, const std::string& reference_id,
               const nlohmann::json& expect, const std::vector<KnownDifferences>& known = {});

}  // namespace fdconform
