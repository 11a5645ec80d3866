#pragma once
// Result JSON (docs/PROTOCOL.md "Result") -> normalized observation ("Normalized observation").
#include <nlohmann/json.hpp>

#include "normalize/observation.hpp"
#include "normalize/path_substitution.hpp"

namespace fdconform {

// What was observed of the spawn: outcome, child.*, parent_after.fds. Throws std::runtime_error on a
// result whose shape makes it meaningless (the caller turns that into an error cell).
Observation normalize_result(const nlohmann::json& result, const PathSubstitution& paths);

// What of the scenario parent the runtime owns rather than the scenario: its environment when the
// scenario keeps the one the runtime started with (parent.env.startup: keep).
struct RuntimeOwned {
  bool environment = false;
};

// The scenario parent's state at snapshot time (parent.*), compared between implementations so that
// two parents in different states are a harness error, never a conformance difference. What the
// runtime owns is left out: it may differ between runtimes by design, and shows in the child.
Observation normalize_parent_state(const nlohmann::json& result, const PathSubstitution& paths,
                                   RuntimeOwned runtime_owned = {});

}  // namespace fdconform
