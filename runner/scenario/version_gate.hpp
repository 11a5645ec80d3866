#pragma once
// Version gates such as ">=3.9,<3.13", used by `requires.python`, and dotted-version comparison.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fdconform {

// Compares dotted numeric versions ("3.11.7" vs "3.11"); missing components count as 0.
// Trailing non-numeric suffixes of a component ("0rc1", "6.1.0-18-amd64") are ignored.
int compare_versions(std::string_view a, std::string_view b);

struct VersionClause {
  std::string op;       // >= <= > < == !=
  std::string version;  // dotted numbers
};

struct VersionGate {
  std::string text;
  std::vector<VersionClause> clauses;  // all must hold

  bool admits(std::string_view version) const;
};

// Parses a gate; on failure returns nullopt and sets `error` to what was expected.
std::optional<VersionGate> parse_version_gate(std::string_view text, std::string& error);

// True for "5", "5.9", "3.11.7".
bool is_dotted_version(std::string_view text);

}  // namespace fdconform
