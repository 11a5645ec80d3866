#pragma once
// What a run found, as the results document of docs/RESULTS.md: the runner fills reports::Results and
// reports/ writes it (reports::write_results), beside the parser that reads it back.
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "reports/results.hpp"
#include "run/column.hpp"
#include "run/judged_cell.hpp"
#include "run/unmatched_expectations.hpp"
#include "scenario/diagnostic.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct RunRecord {
  const std::vector<Scenario>* scenarios = nullptr;
  const std::vector<Column>* columns = nullptr;
  std::size_t reference_column = 0;
  std::vector<JudgedCell> cells;
  bool complete = true;
  // Set when the run checked for unused expectation entries (complete, unrestricted): "unmatched_expectations".
  std::optional<std::vector<UnmatchedEntry>> unmatched_expectations;
  // Scenario files that did not load: every diagnostic, and paths that named nothing loadable
  // ("path: why"). The run fails for them, so the results count them too ("invalid_scenarios").
  std::vector<Diagnostic> invalid_scenarios;
  std::vector<std::string> unusable_paths;
  nlohmann::json environment = nlohmann::json::object();
  nlohmann::json fdconform = nlohmann::json::object();
};

// The run in the document's shape.
reports::Results results_of(const RunRecord& run);

// The document itself. Every string in it is valid UTF-8: bytes that are not (a directory name, TMPDIR, a
// driver's stderr) are mapped as docs/RESULTS.md says, so neither dumping it nor rendering a report from it
// can fail.
nlohmann::json results_document(const RunRecord& run);

}  // namespace fdconform
