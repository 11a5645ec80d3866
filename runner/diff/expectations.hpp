#pragma once
// A scenario's explicit `expect:` block, checked on one cell's observation.
#include <nlohmann/json.hpp>
#include <vector>

#include "diff/field_difference.hpp"
#include "normalize/observation.hpp"

namespace fdconform {

// Which of an expect block's statements a column is held to. An error's class, its message and the file
// names attached to it are how Python's subprocess and os modules, which the scenario is written in, report
// an error; a column whose hello states no `semantics.python` reports its errors its own way (the call that
// failed, its own error type), so it is held to the outcome, the errno and everything else, not to those words.
enum class ErrorWords { python, own };

// Every expectation that does not hold, as {field, expected, actual}. `expect` is the validated block.
// With ErrorWords::own, a statement in Python's words that the observation does not show goes to
// `not_held` (when given) instead: the reports say the column was not held to it.
std::vector<FieldDifference> check_expectations(const nlohmann::json& expect, const Observation& observation,
                                                ErrorWords words = ErrorWords::python,
                                                std::vector<FieldDifference>* not_held = nullptr);

// A field stated in Python's words: an error class (`outcome.error_class`, `NAME.outcome.error_class`,
// `step.K.error_class`), the text of an exception (`outcome.message`) or a file name attached to it
// (`outcome.filename`, `outcome.filename2`), for every named spawn too.
bool in_python_error_words(const std::string& field);

}  // namespace fdconform
