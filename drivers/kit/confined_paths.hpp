// Paths a scenario names are untrusted: unless the scenario is marked `unconfined`, the
// scenario parent resolves them beneath its own working directory (the cell's workdir),
// refusing absolute paths, '..' and every symlink, so no scenario can create, truncate or
// open a file elsewhere. The runner's validator states the same rule with file:line.
#pragma once

#include <sys/types.h>

#include <string>

#include "json_access.hpp"

namespace kit {

// True unless the scenario carries an `unconfined` reason.
bool scenario_is_confined(const Json& scenario);

// Each throws RequestError for a path that would leave the cwd (absolute, '..', a symlink) and
// std::system_error naming the path when a call fails. Unconfined: the plain call.

// openat beneath the cwd.
int open_in_workdir(const std::string& path, int flags, mode_t mode, bool confined);
// mkdir beneath the cwd; an existing entry is left as it is (the open that follows checks it).
void make_dir_in_workdir(const std::string& path, mode_t mode, bool confined);
// mkfifo beneath the cwd (an existing entry is an error: the scenario names a new FIFO).
void make_fifo_in_workdir(const std::string& path, mode_t mode, bool confined);
// chdir beneath the cwd.
void change_dir_in_workdir(const std::string& path, bool confined);

// For a path the child itself will open (a posix_spawn `open` file action): throws
// RequestError unless it is relative (to the cwd) or under `workdir`, without '..', and no
// existing component is a symlink. Nothing else writes in the workdir meanwhile, so the
// check still holds when the child opens it.
void check_child_open_path(const std::string& path, const std::string& workdir, bool confined);

}  // namespace kit
