#include "reports/matrix.hpp"

#include <map>
#include <string>
#include <unordered_map>

namespace reports {

Matrix build_matrix(const Results& results) {
  Matrix matrix;
  std::unordered_map<std::string, std::size_t> column_of;
  for (const auto& impl : results.implementations) {
    column_of.emplace(impl.id, matrix.columns.size());
    if (impl.id == results.reference) matrix.reference_column = matrix.columns.size();
    matrix.columns.push_back(&impl);
  }
  std::unordered_map<std::string, std::size_t> row_of;
  for (const auto& scenario : results.scenarios) {
    row_of.emplace(scenario.id, matrix.rows.size());
    MatrixRow row;
    row.scenario = &scenario;
    row.cells.assign(matrix.columns.size(), nullptr);
    row.classes.assign(matrix.columns.size(), -1);
    matrix.rows.push_back(std::move(row));
  }
  for (const auto& cell : results.cells) {
    auto row = row_of.find(cell.scenario);
    auto column = column_of.find(cell.implementation);
    if (row == row_of.end() || column == column_of.end()) continue;  // parse_results rejects these
    matrix.rows[row->second].cells[column->second] = &cell;
  }
  for (auto& row : matrix.rows) {
    // Classes are numbered in column order, so the first column's observation is always class 0.
    std::map<Observation, int> class_of;
    for (std::size_t column = 0; column < row.cells.size(); ++column) {
      const Cell* cell = row.cells[column];
      if (!cell || !cell->observation) continue;
      auto [found, inserted] = class_of.emplace(*cell->observation, static_cast<int>(row.distinct.size()));
      if (inserted) row.distinct.push_back(&cell->observation.value());
      row.classes[column] = found->second;
    }
    if (matrix.reference_column) row.reference_class = row.classes[*matrix.reference_column];
  }
  return matrix;
}

}  // namespace reports
