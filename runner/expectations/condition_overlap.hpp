#pragma once
// Whether two expectation files' conditions can hold for the same cell: then two entries of theirs for
// one scenario that give a field different values contradict each other. Answers err towards "may
// overlap" where the question is not decided exactly (character classes such as [:alpha:] count as
// every character).
#include <optional>
#include <string_view>

#include "scenario/version_gate.hpp"

namespace fdconform {

// Some string matches both fnmatch(3) patterns (flags 0).
bool globs_overlap(std::string_view a, std::string_view b);

// Some version satisfies both gates; an absent gate admits everything.
bool gates_overlap(const std::optional<VersionGate>& a, const std::optional<VersionGate>& b);

}  // namespace fdconform
