#pragma once
// --update-expectations: rewrites the expectation files from a finished run so
// they say exactly what the run saw. Entries that no longer hold go; cells that
// differ unexpectedly get an entry, marked unreviewed until someone explains it.
#include <string>
#include <vector>

#include "expectations/expectation_files.hpp"
#include "run/column.hpp"
#include "run/judged_cell.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct ExpectationUpdate {
  std::vector<std::string> written;  // files rewritten or created
  int removed = 0, added = 0, replaced = 0;
  std::vector<std::string> errors;   // files that could not be written, and why
};

// Replaces the file at `path` with `text` by writing a new file and renaming it over the old one (a
// symbolic link there is replaced, not followed). Throws std::runtime_error saying what failed.
void write_expectation_file(const std::string& path, const std::string& text);

ExpectationUpdate update_expectations(ExpectationSet set, const std::string& directory,
                                      const std::vector<Scenario>& scenarios, const std::vector<Column>& columns,
                                      std::size_t reference_column, const std::vector<JudgedCell>& cells,
                                      const std::string& date);

}  // namespace fdconform
