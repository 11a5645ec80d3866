// The parent-side outcome of a spawn, as CPython would report it
// (docs/PROTOCOL.md "Result", key "outcome").
#pragma once

#include "json_access.hpp"
#include "spawn_core/spawn_error.hpp"

namespace driver {

// A reaped child: exit status, or -signal when a signal killed it (CPython's returncode).
Json outcome_from_returncode(int returncode);

// A spawn that raised: its error class under the name CPython gives it (spawn_core's
// errors mirror CPython's), errno and its name, filename, str(exception).
Json outcome_from_error(const spawn_core::SpawnError& error);

}  // namespace driver
