#pragma once
// What a column's runtime itself set up in the scenario parent (its event loop's fds, its signal
// handlers, a blocked mask in its threads): the result's `runtime_owned` (docs/PROTOCOL.md, "hello").
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "normalize/observation.hpp"

namespace fdconform {

struct DeclaredRuntimeState {
  std::set<long long> fds;
  std::set<std::string> signals;
  std::set<std::string> process;  // snapshot members, such as "umask"
  bool empty() const { return fds.empty() && signals.empty() && process.empty(); }
};

// The result's declaration; empty without one. Throws std::runtime_error when the member is not
// {"fds": [int], "signals": [name], "process": [member]}.
DeclaredRuntimeState declared_runtime_state(const nlohmann::json& result);

// The parent-side fields (parent.* and parent_after.*) without what `owned` names: its fds' fields,
// its signals in the signal lists, its process members. Applied to both sides of a comparison, so
// a runtime's own start-up state neither fails the parent check nor shows as a parent_after
// difference, while the child's fields (child.*) keep every fd and handler that leaked.
Observation without_runtime_owned(Observation fields, const DeclaredRuntimeState& owned);

// `owned` without the fds that hold one of the scenario's own resources in `fields` (a standard
// fd or a resource the runtime only re-flagged, such as node marking fds 0-2 close-on-exec): only
// the runtime's own fds, named "unknown:..." there. For checking a scenario's expect block, which
// names the scenario's fds and must still see them.
DeclaredRuntimeState runtimes_own_fds_only(const Observation& fields, DeclaredRuntimeState owned);

}  // namespace fdconform
