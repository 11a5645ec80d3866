#include "expectations/update_expectations.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "report/outputs.hpp"

namespace fdconform {
namespace {

DifferenceSignature signature_of(const Judgement& judgement) {
  DifferenceSignature signature;
  for (const auto& d : judgement.diff) signature[d.field] = d.actual;
  return signature;
}

// Whether an entry with this cell's difference signature would explain its failed expect block too:
// the runner lets an entry cover a failure in a field it names (the block states the reference's
// behaviour). A failure in a field where the cell agrees with the reference stays the scenario's
// bug, never an entry.
bool expect_failures_within_the_difference(const Judgement& judgement) {
  return std::all_of(judgement.expectation_failures.begin(), judgement.expectation_failures.end(),
                     [&](const FieldDifference& failure) {
                       return std::any_of(judgement.diff.begin(), judgement.diff.end(),
                                          [&](const FieldDifference& d) { return d.field == failure.field; });
                     });
}

// The applicable entry for a cell, preferring the file with the narrowest conditions (the most set).
ExpectationEntry* applicable_entry(ExpectationSet& set, const std::string& scenario, const Column& column,
                                   const std::string& reference_id, std::size_t* file_index) {
  ExpectationEntry* best = nullptr;
  int best_narrowness = -1;
  for (std::size_t f = 0; f < set.files.size(); ++f) {
    auto& file = set.files[f];
    if (!applies(file.applies_to, column.descriptor.id, column.hello.version, reference_id)) continue;
    const auto& a = file.applies_to;
    int narrowness = (a.implementation.find_first_of("*?[") == std::string::npos) + (a.version ? 1 : 0) +
                     (a.reference != "*") + (a.kernel ? 1 : 0) + (a.root ? 1 : 0);
    for (auto& entry : file.entries)
      if (entry.scenario == scenario && narrowness > best_narrowness) {
        best = &entry;
        best_narrowness = narrowness;
        *file_index = f;
      }
  }
  return best;
}

// A column id as a file name: anything but letters, digits, '.', '_' and '-' becomes '_', so an id
// with '/' or ".." (a driver descriptor is anyone's file) cannot place the file outside the directory.
std::string file_name_for(const std::string& column_id) {
  std::string name;
  for (char c : column_id)
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (name.empty() || name[0] == '.') name = "_" + name;
  return name + ".yaml";
}

}  // namespace

void write_expectation_file(const std::string& path, const std::string& text) {
  // Renamed over `path`, never written through it: a symbolic link there (which a pull request can add as
  // easily as a file) is replaced, not followed to overwrite what it points at.
  if (std::string error = write_file_atomically(path, text); !error.empty()) throw std::runtime_error(error);
}

ExpectationUpdate update_expectations(ExpectationSet set, const std::string& directory,
                                      const std::vector<Scenario>& scenarios, const std::vector<Column>& columns,
                                      std::size_t reference_column, const std::vector<JudgedCell>& cells,
                                      const std::string& date) {
  ExpectationUpdate update;
  const std::string& reference_id = columns[reference_column].descriptor.id;
  std::set<std::size_t> touched;
  for (const auto& cell : cells) {
    const Scenario& scenario = scenarios[cell.scenario];
    const Column& column = columns[cell.column];
    const Judgement& j = cell.judgement;
    std::size_t file_index = 0;
    ExpectationEntry* entry = applicable_entry(set, scenario.id, column, reference_id, &file_index);
    if (j.verdict == Verdict::unexpected_pass && entry) {
      auto& entries = set.files[file_index].entries;
      entries.erase(std::remove_if(entries.begin(), entries.end(),
                                   [&](const ExpectationEntry& e) { return &e == entry; }),
                    entries.end());
      touched.insert(file_index);
      ++update.removed;
      continue;
    }
    // Only a difference from the reference is recorded, with whatever of the expect block it explains.
    if (j.verdict != Verdict::differ || j.diff.empty() || !expect_failures_within_the_difference(j)) continue;
    if (entry) {
      entry->fields = signature_of(j);
      touched.insert(file_index);
      ++update.replaced;
      continue;
    }
    const std::string path = (std::filesystem::path(directory) / file_name_for(column.descriptor.id)).string();
    auto file = std::find_if(set.files.begin(), set.files.end(), [&](const auto& f) { return f.path == path; });
    if (file == set.files.end()) {
      ExpectationFile created;
      created.path = path;
      created.applies_to.implementation = column.descriptor.id;
      created.applies_to.reference = reference_id;
      set.files.push_back(std::move(created));
      file = set.files.end() - 1;
    }
    ExpectationEntry added;
    added.scenario = scenario.id;
    added.fields = signature_of(j);
    added.reason = "unreviewed: recorded by --update-expectations on " + date;
    added.link = "none";
    file->entries.push_back(std::move(added));
    touched.insert(static_cast<std::size_t>(file - set.files.begin()));
    ++update.added;
  }
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  for (std::size_t f : touched) {
    try {
      write_expectation_file(set.files[f].path, render_expectation_file(set.files[f]));
      update.written.push_back(set.files[f].path);
    } catch (const std::exception& e) {
      update.errors.push_back(e.what());
    }
  }
  return update;
}

}  // namespace fdconform
