#pragma once
// A skip must not hide a bug: with `run --baseline RESULTS.json`, a cell that the earlier run saw pass
// (match or expected-differ) and this run skips, or finds no-api, becomes an error naming both runs.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "run/column.hpp"
#include "run/judged_cell.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct Baseline {
  std::string file;
  std::map<std::pair<std::string, std::string>, std::string> verdicts;  // (scenario, implementation) -> verdict
};

// Reads a results document (docs/RESULTS.md). nullopt and `why` set when it is not one.
std::optional<Baseline> read_baseline(const std::string& file, std::string& why);

// Turns every skip and no-api cell that `baseline` saw pass into an error; returns how many.
std::size_t mark_newly_skipped(std::vector<JudgedCell>& cells, const std::vector<Scenario>& scenarios,
                               const std::vector<Column>& columns, const Baseline& baseline);

}  // namespace fdconform
