#pragma once
// The `libc` spawn mode (validate_libc.cpp).
#include <nlohmann/json.hpp>
#include <string>
#include <yaml-cpp/yaml.h>

#include "scenario/validation_context.hpp"

namespace fdconform {

// spawn.libc: {call, file, argv} for execve, execvp, posix_spawn, posix_spawnp (the spawn calls also
// file_actions); {call, command} for system, with mode for popen. Returns the block with defaults filled in.
nlohmann::json validate_libc_block(ValidationContext& ctx, const YAML::Node& node, const std::string& path);

// One file action of a libc block's posix_spawn or posix_spawnp call (defined in validate_spawn.cpp, next
// to the posix_spawn block's): open, close, dup2 and closefrom as there, and chdir (a confined path),
// fchdir and tcsetpgrp (an fd); an fd may be below 0 on purpose (-1000 to -1), passed on as written.
nlohmann::json libc_file_action(ValidationContext& ctx, const YAML::Node& node, const std::string& path);

// A libc block needs `requires: {features: [libc_spawn]}`: the runner skips it, with that name in
// the reason, on every column whose hello does not announce the feature.
void require_libc_feature(YamlChecker& check, const YAML::Node* spawn_node, const Requirements& requires_);

}  // namespace fdconform
