// The scenario's `requires` block, judged before anything is forked.
// spawn_core implements CPython 3.13, so python gates are evaluated at 3.13.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "json_access.hpp"

namespace driver {

inline constexpr const char* implemented_python_version = "3.13";

// The features this driver announces in its hello line.
const std::vector<std::string>& driver_features();

// Why the scenario does not apply here (a skip reason), or nullopt when it does.
// Throws RequestError when the requires block is malformed.
std::optional<std::string> skip_reason(const Json& scenario);

// Whether `version` ("3.13") satisfies `spec` (">=3.9,<3.13"). Throws RequestError on a bad spec.
bool version_satisfies(const std::string& version, const std::string& spec);

}  // namespace driver
