#pragma once
// Turning command-line PATHS into scenario files: files as given, directories searched recursively for *.yaml.
#include <string>
#include <vector>

namespace fdconform {

struct ScenarioFiles {
  std::vector<std::string> files;   // sorted within each directory, in argument order otherwise
  // Paths that do not exist or cannot be read, *.yaml entries that are not regular files (a FIFO would
  // block the loader), *.yml files (scenarios are named <id>.yaml), and directories with no scenario.
  std::vector<std::string> errors;
};

// Symbolic links to regular files are followed (reading one is harmless); symbolic links to
// directories are not walked into, so a link cannot make the walk loop.
ScenarioFiles find_scenario_files(const std::vector<std::string>& paths);

}  // namespace fdconform
