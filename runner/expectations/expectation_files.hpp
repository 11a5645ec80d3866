#pragma once
// Expectation files: accepted, explained differences from the reference
// (docs/EXPECTATIONS.md). Each file says which columns it applies to; each
// entry names a scenario and the exact value every differing field is
// expected to show, with the reason and a link.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenario/diagnostic.hpp"
#include "scenario/version_gate.hpp"

namespace fdconform {

// field -> the value this column is expected to show (nullopt: the field is absent).
using DifferenceSignature = std::map<std::string, std::optional<std::string>>;

struct ExpectationEntry {
  std::string scenario;
  DifferenceSignature fields;
  std::string reason;
  std::string link;
  int line = 1;
  std::map<std::string, std::pair<int, int>> field_positions;  // field -> line, column of its key (1-based)
};

struct AppliesTo {
  std::string implementation = "*";        // glob on the column id
  std::optional<VersionGate> version;      // against the column's hello version
  std::string reference = "*";             // glob on the run's reference id
  std::optional<VersionGate> kernel;       // against uname's release
  std::optional<bool> root;                // only as root / only not as root
};

struct ExpectationFile {
  std::string path;
  AppliesTo applies_to;
  std::vector<ExpectationEntry> entries;
};

// Where an accepted difference is explained: one entry of one file. It travels with the cells the entry
// judged, so results.json, the terminal, JUnit and the HTML can say why a difference is accepted.
struct ExpectationSource {
  std::string file;
  int line = 1;
  std::string reason;
  std::string link;

  bool operator==(const ExpectationSource&) const = default;
};

// What the expectation files say one cell shows: the merged signature, and every entry it came from.
struct ExpectedDifference {
  ExpectedDifference() = default;
  // Implicit: a bare signature (tests, callers with no files) is an expectation without a known source.
  ExpectedDifference(DifferenceSignature signature) : fields(std::move(signature)) {}

  DifferenceSignature fields;
  std::vector<ExpectationSource> sources;  // every applicable entry, in file order
};

struct ExpectationSet {
  std::vector<ExpectationFile> files;
  std::vector<Diagnostic> diagnostics;  // every problem of every file

  // The signature for one cell, merged over every applicable file, with the entries it came from;
  // nullopt when no entry applies. Two applicable entries that disagree on a field are reported in `conflict`.
  std::optional<ExpectedDifference> lookup(const std::string& scenario, const std::string& column_id,
                                            const std::string& column_version, const std::string& reference_id,
                                            std::string* conflict = nullptr) const;
  // Entries naming a scenario that is not in `known_ids`, as diagnostics (stale entries).
  std::vector<Diagnostic> stale_entries(const std::vector<std::string>& known_ids) const;
};

// Whether a file's conditions hold for one column in a run against `reference_id`.
bool applies(const AppliesTo& conditions, const std::string& column_id, const std::string& column_version,
             const std::string& reference_id);

// Loads every *.yaml directly inside `directory` (sorted); a missing directory is an empty set.
// Also reports what would load silently wrong: *.yml files, *.yaml entries that are not regular files,
// and entries of two files that both apply to a cell and give one field different values.
ExpectationSet load_expectation_directory(const std::string& directory);
// One file's text; `file` names it in diagnostics.

ExpectationSet load_expectation_text(const std::string& file, const std::string& text);

// Entries of two files whose conditions can hold for the same cell, for the same scenario, that give a
// field different values: one diagnostic per field, at the later file's entry, naming the other place.
std::vector<Diagnostic> contradicting_entries(const std::vector<ExpectationFile>& files);

// Limits on expectation files (docs/EXPECTATIONS.md).
inline constexpr std::size_t max_expectation_file_bytes = 4 * 1024 * 1024;
inline constexpr std::size_t max_glob_length = 256;
inline constexpr std::size_t max_field_name_length = 128;

// The YAML text of `file`, as --update-expectations writes it.
std::string render_expectation_file(const ExpectationFile& file);

}  // namespace fdconform
