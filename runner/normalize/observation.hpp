#pragma once
// A normalized observation: flat field -> value, comparable across implementations and runs.
#include <map>
#include <string>

namespace fdconform {

using Observation = std::map<std::string, std::string>;

}  // namespace fdconform
