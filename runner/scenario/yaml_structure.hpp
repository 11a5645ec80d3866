#pragma once
// A pass over a file's YAML events before any tree is built: what a tree would hide or make expensive.
// yaml-cpp shares an aliased node in its tree, but every reader that copies values out of it (into
// strings, JSON) copies the aliased text once per alias, so a small file can ask for gigabytes. This
// pass counts what the aliases expand to without copying anything, and refuses a file past the limits
// at the alias that crossed them.
#include <cstddef>
#include <string>
#include <string_view>

#include "scenario/yaml_checker.hpp"

namespace fdconform {

struct YamlStructureLimits {
  std::size_t max_expanded_bytes;  // scalar text, every alias counted as a full copy of what it names
  std::size_t max_expanded_nodes;  // nodes, counted the same way
};

// The limits for scenario files and expectation files (docs/SCENARIO_FORMAT.md, docs/EXPECTATIONS.md).
inline constexpr YamlStructureLimits scenario_structure_limits{4 * 1024 * 1024, 100'000};
inline constexpr YamlStructureLimits expectation_structure_limits{16 * 1024 * 1024, 400'000};

// Reports through `check`: a second YAML document, an explicit tag (!!binary, !custom), an alias inside
// the node it names, and the alias (or node) at which the expanded size passes `limits`. Returns false
// when the file must not be loaded into a tree (then at least one diagnostic was added).
// YAML syntax errors propagate as YAML::Exception, as they would from YAML::Load.
// `holds` names the file in "... holds exactly one document" ("a scenario file", "an expectation file").
bool check_yaml_structure(YamlChecker& check, const std::string& text, const YamlStructureLimits& limits,
                          std::string_view holds);

}  // namespace fdconform
