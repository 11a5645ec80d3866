#pragma once
// Result JSON (docs/PROTOCOL.md "Result") -> normalized observation ("Normalized observation").
#include <nlohmann/json.hpp>

#include "normalize/observation.hpp"
#include "normalize/path_substitution.hpp"

namespace fdconform {

// What was observed of the spawn: outcome, child.*, parent_after.fds. Throws std::runtime_error on a
// result whose shape makes it meaningless (the caller turns that into an error cell).
Observation normalize_result(const nlohmann::json& result, const PathSubstitution& paths);

// The scenario parent's state at snapshot time (parent.*), compared between implementations so that
// two parents in different states are a harness error, never a conformance difference.
Observation normalize_parent_state(const nlohmann::json& result, const PathSubstitution& paths);

}  // namespace fdconform
