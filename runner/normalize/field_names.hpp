#pragma once
// The names of normalized observation fields (docs/PROTOCOL.md "Normalized observation").
#include <string_view>

namespace fdconform {

// True when `field` is a field a normalized observation can contain (child.fd.N.* included).
bool is_observation_field(std::string_view field);

}  // namespace fdconform
