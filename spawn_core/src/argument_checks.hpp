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

// Popen.__init__'s checks, before any path is chosen.
void check_command(const Command& command);

// Popen._execute_child's check of env keys ('='), before fork_exec converts anything.
void check_popen_env_keys(const EnvList& env);

// fork_exec's conversion of process_group to a C int (3.13: OverflowError outside its range), done
// with its other arguments before its body runs.
void check_process_group(long long process_group);

// fork_exec's first check of its body: pass_fds (fds_to_keep) holds no negative fd.
void check_fds_to_keep(const std::vector<int>& pass_fds);

}  // namespace spawn_core::detail
