// Popen-equivalent entry points.
#pragma once

#include "spawn_core/command.hpp"
#include "spawn_core/process.hpp"
#include "spawn_core/spawn_error.hpp"

namespace spawn_core {

// Starts the child described by `command`. Throws SpawnError on any failure,
// with CPython's exception class, errno and filename. A forced `path` that
// cannot honour the command's options is a SpawnError (ValueError), never a
// silent fallback.
Process spawn(const Command& command);

// The path spawn() would take for `command` under SpawnPath::automatic
// (CPython 3.13's posix_spawn gate, then its vfork gate, else fork).
SpawnPath choose_path(const Command& command);

// Why `path` cannot run `command` (empty when it can).
std::string path_ineligibility(const Command& command, SpawnPath path);

const char* to_string(SpawnPath path);
const char* to_string(CloseStrategy strategy);

}  // namespace spawn_core
