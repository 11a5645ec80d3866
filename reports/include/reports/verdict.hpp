#pragma once
// The six verdicts a cell of the results document can carry (docs/RESULTS.md), and how CI counts them.
#include <optional>
#include <string_view>

namespace reports {

enum class Verdict { match, differ, expected_differ, unexpected_pass, skip, error };

std::string_view verdict_name(Verdict verdict);
std::optional<Verdict> parse_verdict(std::string_view name);

// The summary line's three buckets: a cell is exactly one of passed, failed or skipped.
bool counts_as_passed(Verdict verdict);   // match, expected-differ
bool counts_as_failed(Verdict verdict);   // differ, unexpected-pass, error

}  // namespace reports
