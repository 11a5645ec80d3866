#pragma once
// One problem found in a scenario file, located the way editors and compilers do.
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

}  // namespace fdconform
