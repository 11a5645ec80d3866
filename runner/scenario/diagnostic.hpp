#pragma once
// One problem found in a scenario file, located the way editors and compilers do.
#include <cstddef>
#include <string>
#include <vector>

namespace fdconform {

struct Diagnostic {
  std::string file;
  int line = 1;    // 1-based
  int column = 1;  // 1-based
  std::string message;

  // "file:line:column: message"
  std::string to_string() const;
};

// Orders diagnostics by position so a file's errors read top to bottom.
void sort_by_position(std::vector<Diagnostic>& diagnostics);

// The most diagnostics one file reports: past that a file is garbage (or made to flood the terminal)
// and more lines of the same say nothing new.
inline constexpr std::size_t max_diagnostics_per_file = 100;

// Keeps the first `max` diagnostics (in order) and adds one saying how many more there were, located
// at the first left out.
void limit_diagnostics(std::vector<Diagnostic>& diagnostics, std::size_t max = max_diagnostics_per_file);

}  // namespace fdconform
