// The spawn blocks as an adapter gets them from the kit: every resource name
// the scenario wrote replaced by the scenario parent's fd number, placeholders
// substituted, the probe's report argument in argv, and every path the child
// would open checked against the workdir (docs/PROTOCOL.md, "Confinement").
// One resolution for every adapter: an adapter linked in (spawn_core) reads
// the structures, an external runtime's adapter (runtime_host.hpp) the JSON
// forms, which say the same thing.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child_steps.hpp"
#include "json_access.hpp"
#include "spawn_from_scenario.hpp"

namespace kit {

// One posix_spawn file action with its fds as numbers.
struct FileActionSpec {
  enum class Kind { open, close, dup2, closefrom } kind = Kind::close;
  int fd = -1;         // open: the fd it lands on; close: the fd; dup2: the source; closefrom: the lowest fd
  int to = -1;         // dup2: the target
  std::string path;    // open: placeholders substituted, confined
  Json flag_names = Json::array();  // open: the flags as the scenario names them
  int flags = 0;       // open: the same as O_* bits
  mode_t mode = 0644;  // open
};

using EnvPairs = std::vector<std::pair<std::string, std::string>>;

// A posix_spawn or posix_spawnp block, the attributes left out (they name no
// resource: setpgroup, resetids, setsid, setsigmask, setsigdef, scheduler).
struct PosixSpawnSpec {
  std::string path;               // the probe when the block names none
  std::vector<std::string> argv;  // the report argument last
  std::optional<EnvPairs> env;    // nullopt: the caller's environ
  std::vector<FileActionSpec> file_actions;
};

// `kind` is posix_spawn or posix_spawnp. Throws RequestError for a malformed block or a path that
// leaves the workdir.
PosixSpawnSpec resolve_posix_spawn(const std::string& kind, const Json& spec, const SpawnContext& context);

// A fork_exec block of a single-spawn scenario: what the child does before execv.
struct ForkExecSpec {
  std::vector<std::string> argv;  // the report argument last
  std::vector<ChildStep> steps;
};
// Throws RequestError for a malformed block; a spawn among the steps belongs to a steps scenario.
ForkExecSpec resolve_fork_exec(const Json& spec, const SpawnContext& context);

// Every path the block would have the child open, checked before anyone asks whether the column can
// express the block: a path that leaves the workdir is an error even in a no-API cell.
void check_block_paths(const std::string& kind, const Json& spec, const SpawnContext& context);

// The JSON forms an external adapter reads (runtime_host.hpp describes them).
Json resolved_block_json(const std::string& kind, const Json& spec, const SpawnContext& context);
Json child_steps_json(const std::vector<ChildStep>& steps);

}  // namespace kit
