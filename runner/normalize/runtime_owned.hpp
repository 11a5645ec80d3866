#pragma once
// What a column's runtime itself set up in the scenario parent (its event loop's fds, its signal
// handlers, a blocked mask in its threads): the result's `runtime_owned` (docs/PROTOCOL.md, "hello").
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "normalize/observation.hpp"

namespace fdconform {

struct DeclaredRuntimeState {
  std::set<long long> fds;        // fds the runtime opened (or replaced) itself
  std::set<std::string> signals;
  std::set<std::string> process;  // snapshot members, such as "umask"
  // The scenario's fds whose close-on-exec flag the runtime turned over at start-up, nothing else
  // of them changed (node makes every fd it inherited close-on-exec): still the scenario's fds.
  std::set<long long> reflagged_fds;
  bool empty() const { return fds.empty() && signals.empty() && process.empty() && reflagged_fds.empty(); }
};

// The result's declaration; empty without one. Throws std::runtime_error when the member is not
// {"fds": [int], "signals": [name], "process": [member], "reflagged_fds": [int] (optional)}.
DeclaredRuntimeState declared_runtime_state(const nlohmann::json& result);

// The parent-side fields (parent.* and parent_after.*) as the scenario made them: without the fds,
// signals and process members `owned` names, and with the close-on-exec flag of its re-flagged fds
// turned back (in both snapshots, so a spawn that changes that flag still shows). The one view of a
// column's parent for the parent-state check, the comparison (each side with its own re-flagged
// fds) and the expect block; the child's fields (child.*) keep every fd and handler that leaked.
Observation without_runtime_owned(Observation fields, const DeclaredRuntimeState& owned);

}  // namespace fdconform
