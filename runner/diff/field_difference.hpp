#pragma once
// One field that is not what it should be; nullopt means "absent on that side".
#include <optional>
#include <string>
#include <vector>

#include "normalize/observation.hpp"

namespace fdconform {

struct FieldDifference {
  std::string field;
  std::optional<std::string> expected;
  std::optional<std::string> actual;

  bool operator==(const FieldDifference&) const = default;
};

// Every field whose value differs between the reference's observation and this one, in field order.
std::vector<FieldDifference> diff_observations(const Observation& expected, const Observation& actual);

// One-line reasons. A failed `expect` of the scenario: "field: expected 'a', got 'b'". A difference from the
// reference: "field: reference 'a', this column 'b'", so "expected" never means the reference's value.
std::string describe(const FieldDifference& difference);
std::string describe_against_reference(const FieldDifference& difference);

}  // namespace fdconform
