#pragma once
// The results as a scenarios x implementations grid, with each row's distinct observations numbered
// (the observation class): cells that saw the same thing share a class, the way os-test colours rows.
#include <cstddef>
#include <optional>
#include <vector>

#include "reports/results.hpp"

namespace reports {

struct MatrixRow {
  const Scenario* scenario = nullptr;
  std::vector<const Cell*> cells;           // one per implementation column; nullptr: no cell
  std::vector<int> classes;                 // per column; -1: no observation
  std::vector<const Observation*> distinct; // class index -> its observation
  int reference_class = -1;                 // class of the reference column, -1 when it has none
};

struct Matrix {
  std::vector<const Implementation*> columns;
  std::optional<std::size_t> reference_column;
  std::vector<MatrixRow> rows;
};

// `results` must outlive the matrix (it points into it).
Matrix build_matrix(const Results& results);

}  // namespace reports
