// Which paths the child tries to exec, computed in the parent exactly as
// CPython's _execute_child does (os.get_exec_path + os.path.join).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spawn_core/command.hpp"

namespace spawn_core::detail {

// CPython's os.defpath since 3.7 (bpo-35755).
inline constexpr const char* kDefaultSearchPath = "/bin:/usr/bin";

// True when os.path.dirname(name) is non-empty, i.e. the name holds a slash.
bool has_directory_part(const std::string& name);

// The PATH the search uses: the first PATH entry of `env` when env is given,
// else the parent's C environ; nullopt when unset (the default path applies).
std::optional<std::string> search_path_of(const std::optional<EnvList>& env);

// A name with a slash is its only candidate; otherwise one candidate per PATH
// entry, an empty entry giving the bare name (a lookup in the child's cwd).
std::vector<std::string> exec_candidates(const std::string& executable, const std::optional<EnvList>& env);

}  // namespace spawn_core::detail
