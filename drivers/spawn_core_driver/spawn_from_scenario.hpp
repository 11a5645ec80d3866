// Step 8 and 9: spawn the probe as scenario.spawn says, and wait for it.
// One file per kind: popen_spawn.cpp, posix_spawn_request.cpp, fork_exec.cpp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "json_access.hpp"
#include "placeholders.hpp"
#include "resources.hpp"
#include "spawn_core/command.hpp"

namespace driver {

struct SpawnContext {
  const ResourceTable& resources;
  PlaceholderValues placeholders;
  std::string report_argument;  // "--report=<workdir>/probe.json"
  std::chrono::milliseconds timeout;
  spawn_core::SpawnPath path = spawn_core::SpawnPath::automatic;
  std::optional<int> extra_fd;  // deviate extra_fd: one more fd the child must inherit
  bool confined = true;         // the scenario is not `unconfined`: see confined_paths.hpp
};

struct SpawnRun {
  Json outcome;                          // null when there is none (skip, timeout)
  std::optional<std::string> path_used;  // the mechanism observed, informational
  std::optional<std::string> skip;       // the request's path cannot run this spawn
  std::optional<std::string> error;      // no observation (timeout)
  std::string diagnostics;               // the child's captured stdout/stderr, when piped
};

// Throws RequestError when the spawn block is malformed.
SpawnRun spawn_from_scenario(const Json& spawn_block, const SpawnContext& context);

SpawnRun run_popen(const Json& popen, const SpawnContext& context);
SpawnRun run_posix_spawn(const Json& spec, bool search_path, const SpawnContext& context);
SpawnRun run_fork_exec(const Json& spec, const SpawnContext& context);

// argv with placeholders substituted (default ["{probe}"]); the report argument is not added.
std::vector<std::string> argv_from(const Json& spec, const std::string& where, const PlaceholderValues& placeholders);

// An error result's reason for a child that outlived its deadline.
std::string timeout_reason(std::chrono::milliseconds timeout);

// Waits for a child started without a Popen handle (posix_spawn, fork_exec):
// its returncode as the outcome, or, past the deadline, the child and what it
// left behind killed and reaped and the run marked timed out.
SpawnRun waited_run(pid_t pid, const char* path_used, std::chrono::milliseconds timeout);

}  // namespace driver
