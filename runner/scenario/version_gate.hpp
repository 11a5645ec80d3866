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

// Compares `version` with `bound` at the bound's precision: "3.12.5" against "3.12" compares equal,
// so "<=3.12" and "==3.12" take every 3.12.x and ">3.12" starts at 3.13. This one rule is what every
// column is gated by (requires.python, requires.kernel, an expectation file's version).
int compare_versions_at(std::string_view version, std::string_view bound);

// The first version after every version that starts with `version`: "3.12" -> "3.13", "3.11.2" -> "3.11.3".
std::string next_version(std::string_view version);

struct VersionClause {
  std::string op;       // >= <= > < == !=
  std::string version;  // dotted numbers

  bool admits(std::string_view candidate) const;
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
