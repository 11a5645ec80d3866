// What this driver tells the runner in its hello: the semantics it follows and the features it has.
// The runner alone decides from these which scenarios apply (docs/PROTOCOL.md, "hello").
#pragma once

#include <string>
#include <vector>

namespace spawn_core_driver {

// spawn_core implements CPython 3.13's subprocess and os.posix_spawn.
inline constexpr const char* implemented_python_version = "3.13";

// Names from docs/FEATURES.md that this build and kernel support.
const std::vector<std::string>& driver_features();

}  // namespace spawn_core_driver
