#pragma once
// One-line text for a differing field, shared by the terminal listing, JUnit failures and annotations:
//   child.fd.5: expected "p.read rdonly", actual (absent)
// Values are quoted with control characters escaped, so a multi-line value (child.env) stays on one line.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/results.hpp"

namespace reports {

std::string quoted_value(const std::optional<std::string>& value);
// Control characters (newlines included) written as escapes, so the text cannot break a line-based log.
std::string single_line(std::string_view text);
std::string mismatch_line(const FieldMismatch& mismatch);

// The reason line, then one mismatch per line: "vs reference" fields first, then failed expectations
// (prefixed "expect "). Empty when the cell has nothing to say.
std::vector<std::string> failure_lines(const Cell& cell);

}  // namespace reports
