#pragma once
// "did you mean ...?" for a mistyped subcommand or option.
#include <optional>
#include <string>
#include <vector>

namespace fdconform {

// The candidate closest to `typed` by edit distance, when it is close enough to be what was meant
// (at most a third of its length, and at least one edit allowed), or one that `typed` abbreviates.
std::optional<std::string> closest_name(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace fdconform
