// scenario.steps: several named spawns in one scenario parent, with Popen
// method calls, waits and parent-side os calls between them
// (docs/SCENARIO_FORMAT.md "Steps", docs/PROTOCOL.md "A steps scenario").
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "json_access.hpp"
#include "parent_state.hpp"
#include "spawn_from_scenario.hpp"

namespace kit {

struct StepsRun {
  Json spawns = Json::array();  // the result's "spawns", without "probe" (read after parent_after)
  Json steps = Json::array();   // the result's "steps"
  std::vector<std::string> report_paths;  // one per spawn, in order
  std::optional<std::string> skip;        // a spawn the request's variant cannot run
  std::optional<std::string> no_api;      // a spawn the implementation has no API for: the capability
  std::optional<std::string> error;       // a child that outlived the deadline
  std::string diagnostics;
  // Every popen child's Popen object, kept until the caller has taken parent_after: a Popen the
  // scenario only waited for still holds its pipe ends then, as the CPython driver's does.
  std::vector<std::unique_ptr<ChildHandle>> popen_handles;
};

// Runs every step, then waits for every child not yet reaped. `base` gives
// the adapter, resources, placeholders, variant and deviation; `workdir` holds the
// reports (probe-NAME.json); every wait ends at `deadline`.
StepsRun run_steps(const Json& steps, PreparedParent& prepared, const SpawnContext& base, const std::string& workdir,
                   std::chrono::steady_clock::time_point deadline);

}  // namespace kit
