#pragma once
// The seven verdicts a cell of the results document can carry (docs/RESULTS.md), and how CI counts them.
#include <optional>
#include <string_view>

namespace reports {

// no_api: the column's runtime has no public API for what the scenario asks; counted apart from all others.
enum class Verdict { match, differ, expected_differ, unexpected_pass, skip, error, no_api };

std::string_view verdict_name(Verdict verdict);
std::optional<Verdict> parse_verdict(std::string_view name);

// The summary line's buckets: a cell is exactly one of passed, failed, skipped or no API.
bool counts_as_passed(Verdict verdict);   // match, expected-differ
bool counts_as_failed(Verdict verdict);   // differ, unexpected-pass, error

}  // namespace reports
