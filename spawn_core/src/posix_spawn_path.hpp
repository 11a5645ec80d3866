// A Command run through posix_spawn(3), as CPython's Popen._posix_spawn does:
// close the parent ends, dup2 the redirections, closefrom(3) for close_fds,
// setsigdef SIGPIPE/SIGXFSZ for restore_signals.
#pragma once

#include <sys/types.h>

#include "child_plan.hpp"
#include "stdio_setup.hpp"

namespace spawn_core::detail {

// Returns the pid; throws SpawnError (filename = executable for a spawn
// failure, none when libc refuses a file action) without closing `stdio`.
// `environment` is the checked block of command.env, nullopt for environ.
pid_t launch_by_posix_spawn(const Command& command, const ResolvedArgs& args,
                            const std::optional<EnvironmentBlock>& environment, const StdioFds& stdio);

}  // namespace spawn_core::detail
