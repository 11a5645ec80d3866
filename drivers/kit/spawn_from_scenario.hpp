// Step 8 and 9: spawn the probe as scenario.spawn says, and wait for it.
// popen and posix_spawn blocks are the adapter's (adapter.hpp), fork_exec
// blocks the kit's own (fork_exec.cpp). Starting and waiting are apart, so a
// steps scenario (steps.cpp) can do other things while a child runs.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_handle.hpp"
#include "json_access.hpp"
#include "placeholders.hpp"
#include "resources.hpp"

namespace kit {

class SpawnAdapter;

struct SpawnContext {
  const SpawnAdapter& adapter;
  const ResourceTable& resources;
  PlaceholderValues placeholders;
  std::string report_argument;  // "--report=<workdir>/probe.json"
  std::chrono::milliseconds timeout;
  const Json& variant;          // the request's, as the descriptor gave it
  std::optional<int> extra_fd;  // deviate extra_fd: one more fd the child must inherit
  bool confined = true;         // the scenario is not `unconfined`: see confined_paths.hpp
};

struct SpawnRun {
  Json outcome;                          // null when there is none (skip, timeout)
  std::optional<std::string> path_used;  // the mechanism observed, informational
  std::optional<std::string> skip;       // the request's variant cannot run this spawn
  std::optional<std::string> no_api;     // the capability the implementation lacks for it
  std::optional<std::string> error;      // no observation (timeout)
  std::string diagnostics;               // the child's captured stdout/stderr, when piped
};

// A child one spawn started, not waited for yet; or why there is none.
struct StartedChild {
  std::unique_ptr<ChildHandle> handle;  // popen: Popen's calls on it, holding the parent's pipe ends
  pid_t pid = -1;                       // -1 when the spawn raised or was skipped
  std::optional<std::string> path_used;
  Json outcome;                         // the spawn raised: what it raised
  std::optional<std::string> skip;      // the request's variant cannot run this spawn
  std::optional<std::string> no_api;    // the implementation has no API for it: the capability it lacks
};

// A spawn a fork_exec child makes of its own before exec (a steps scenario's
// nested spawn): its name and its block without the name.
struct NestedSpawn {
  std::string name;
  Json block;
};
// A named spawn block as a scenario writes it ({"name": ..., "popen": ...}) taken apart; `where` names
// the block in errors (RequestError when it is not an object with a string name).
NestedSpawn named_spawn(const Json& block, const std::string& where);
// The nested spawns in a steps scenario's spawn block (its fork_exec steps), in order.
std::vector<NestedSpawn> nested_spawns_of(const Json& spawn_block);
// Where the forked child leaves what became of nested spawn `name`: {"pid", "outcome", "error"}.
std::string nested_record_path(const std::string& workdir, const std::string& name);

// Throws RequestError when the spawn block is malformed.
StartedChild start_spawn(const Json& spawn_block, const SpawnContext& context);
StartedChild start_fork_exec(const Json& spec, const SpawnContext& context);

// Waits for a started child as Popen's user would: communicate() while it
// has pipes open, else wait(), within `timeout`; past it, the child and what
// it left behind are killed and reaped and the run is marked timed out.
SpawnRun finish_spawn(StartedChild& child, std::chrono::milliseconds timeout);

// start_spawn then finish_spawn: the single spawn of scenario.spawn.
SpawnRun spawn_from_scenario(const Json& spawn_block, const SpawnContext& context);

// argv with placeholders substituted (default ["{probe}"]); the report argument is not added.
std::vector<std::string> argv_from(const Json& spec, const std::string& where, const PlaceholderValues& placeholders);

// The probe's report argument goes last; with a shell it belongs to the command string, as one word.
void append_report_argument(std::vector<std::string>& args, bool shell, const std::string& report_argument);

// O_* flags from the scenario's names (rdonly, wronly, rdwr, creat, trunc, append, cloexec, excl, nonblock).
int open_flags_from(const Json& list, const std::string& where);

// An error result's reason for a child that outlived its deadline.
std::string timeout_reason(std::chrono::milliseconds timeout);


}  // namespace kit
