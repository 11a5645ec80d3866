#pragma once
// The `libc` spawn mode (validate_libc.cpp).
#include <nlohmann/json.hpp>
#include <string>
#include <yaml-cpp/yaml.h>

#include "scenario/validation_context.hpp"

namespace fdconform {

// spawn.libc: {call, file, argv} for execve, execvp, posix_spawn, posix_spawnp; {call, command} for
// system, with mode for popen. Returns the block with defaults filled in.
nlohmann::json validate_libc_block(ValidationContext& ctx, const YAML::Node& node, const std::string& path);

// A libc block needs `requires: {features: [libc_spawn]}`: the runner skips it, with that name in
// the reason, on every column whose hello does not announce the feature.
void require_libc_feature(YamlChecker& check, const YAML::Node* spawn_node, const Requirements& requires_);

}  // namespace fdconform
