#pragma once
// A scenario's explicit `expect:` block, checked on one cell's observation.
#include <nlohmann/json.hpp>
#include <vector>

#include "diff/field_difference.hpp"
#include "normalize/observation.hpp"

namespace fdconform {

// Every expectation that does not hold, as {field, expected, actual}. `expect` is the validated block.
std::vector<FieldDifference> check_expectations(const nlohmann::json& expect, const Observation& observation);

}  // namespace fdconform
