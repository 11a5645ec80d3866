#pragma once
// Loading a scenario file: raw-text checks, YAML parsing, strict validation, conversion to driver JSON.
// Never throws; every problem of the file comes back as a located Diagnostic.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/diagnostic.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct LoadResult {
  std::optional<Scenario> scenario;     // set only when there were no diagnostics
  std::vector<Diagnostic> diagnostics;  // all of them, in file order
};

LoadResult load_scenario_file(const std::string& path);

// `file` names the text in diagnostics; the id must equal `expected_id` (the file's stem) unless it is empty.
LoadResult load_scenario_text(const std::string& file, std::string_view text, std::string_view expected_id);

// The stem a scenario's id must equal: "scenarios/x/foo.yaml" -> "foo".
std::string scenario_stem(const std::string& path);

}  // namespace fdconform
