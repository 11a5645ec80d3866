#pragma once
// One-line text for a differing field, shared by the terminal listing, JUnit failures and annotations.
// A difference from the reference and a failed `expect` of the scenario are worded apart, since
// "expected" would otherwise mean two things:
//   child.fd.5: reference: "p.read rdonly" / this column: (absent)
//   expect child.umask: expected: "077" / observed: "022"
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
std::string reference_mismatch_line(const FieldMismatch& mismatch);
std::string expect_mismatch_line(const FieldMismatch& mismatch);

// "expectations/x.yaml:14: <reason> (<link>)": the entry that judged a cell.
std::string expectation_line(const ExpectationNote& note);
std::vector<std::string> expectation_lines(const Cell& cell);  // one per entry, in the document's order

// The reason line, then one mismatch per line: reference differences first, then failed expectations
// (prefixed "expect "). Empty when the cell has nothing to say.
std::vector<std::string> failure_lines(const Cell& cell);

}  // namespace reports
