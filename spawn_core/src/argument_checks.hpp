// CPython's argument errors (ValueError/TypeError) raised before any child
// exists, with CPython's messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spawn_core/command.hpp"

namespace spawn_core::detail {

// "embedded null byte" (PyUnicode_FSConverter).
void require_no_nul(std::string_view text);

// Popen's checks on the fork/vfork path: a key holding '=' anywhere is
// illegal, an empty key is accepted.
void check_popen_env(const EnvList& env);

// os.posix_spawn's parse_envlist: an empty key, or '=' after the first
// character, is illegal; a leading '=' is accepted.
void check_posix_spawn_env(const EnvList& env);

// os.posix_spawn's argv checks; `function` is "posix_spawn" or "posix_spawnp".
void check_posix_spawn_argv(std::string_view function, const std::vector<std::string>& argv);

// Popen.__init__ and fork_exec checks independent of the path.
void check_command(const Command& command);

// fork_exec's conversion of process_group to a C int (3.13: OverflowError outside its range).
void check_process_group(long long process_group);

}  // namespace spawn_core::detail
