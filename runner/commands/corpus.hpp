#pragma once
// Loading every scenario named by PATHS, with corpus-wide checks (ids unique across files).
#include <iosfwd>
#include <string>
#include <vector>

#include "scenario/diagnostic.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct Corpus {
  std::vector<Scenario> scenarios;         // the valid ones, in file order
  std::vector<Diagnostic> diagnostics;     // every problem of every file
  std::vector<std::string> path_errors;    // PATHS that do not exist
  std::size_t files = 0;
  std::size_t files_with_errors = 0;
};

Corpus load_corpus(const std::vector<std::string>& paths);

// Prints diagnostics and path errors, one per line.
void print_problems(const Corpus& corpus, std::ostream& err);

}  // namespace fdconform
