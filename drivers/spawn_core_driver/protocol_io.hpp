// The JSON Lines of docs/PROTOCOL.md as this driver writes them.
#pragma once

#include <string>

#include "json_access.hpp"
#include "spawn_core/command.hpp"

namespace driver {

// "auto", "fork", "vfork", "posix_spawn": the spelling of column ids.
std::string path_name(spawn_core::SpawnPath path);

// "spawn_core-<path>".
std::string implementation_id(spawn_core::SpawnPath path);

Json hello_message(spawn_core::SpawnPath path);

// A result with every key present and nothing observed yet.
Json empty_result(const std::string& scenario_id, const std::string& implementation);
Json error_result(const std::string& scenario_id, const std::string& implementation, const std::string& reason);
Json skip_result(const std::string& scenario_id, const std::string& implementation, const std::string& reason);

// One compact line, flushed: the runner reads line by line.
void write_message(const Json& message);

}  // namespace driver
