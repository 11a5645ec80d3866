#pragma once
// Turning command-line PATHS into scenario files: files as given, directories searched recursively for *.yaml.
#include <string>
#include <vector>

namespace fdconform {

struct ScenarioFiles {
  std::vector<std::string> files;   // sorted within each directory, in argument order otherwise
  std::vector<std::string> errors;  // paths that do not exist or cannot be read
};

ScenarioFiles find_scenario_files(const std::vector<std::string>& paths);

}  // namespace fdconform
