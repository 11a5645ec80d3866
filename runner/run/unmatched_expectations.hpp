#pragma once
// Expectation entries that no cell of a run used. An entry is meant for the cells of its scenario in the
// columns its file applies to; one that judged none of them is dead weight (a renamed scenario, a file
// whose conditions no longer hold, a cell now always skipped) and would never fail the run by itself.
#include <string>
#include <vector>

#include "expectations/expectation_files.hpp"
#include "run/column.hpp"
#include "run/judged_cell.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct UnmatchedEntry {
  std::string file;
  int line = 1;
  std::string scenario;
  std::string why;  // one line
};

struct UnmatchedCheck {
  std::vector<UnmatchedEntry> entries;
  // True when the files name none of the run's scenarios: a different corpus (a self-test directory),
  // where listing every entry would say nothing.
  bool other_corpus = false;
};

// Only meaningful for a complete run over a whole corpus: the caller decides when to ask. Entries whose
// file applies to no column of the run (another interpreter, another reference, not root) are not
// reported: nothing they describe ran.
UnmatchedCheck unmatched_expectations(const ExpectationSet& expectations, const std::vector<Scenario>& scenarios,
                                      const std::vector<Column>& columns, std::size_t reference_column,
                                      const std::vector<JudgedCell>& cells);

}  // namespace fdconform
