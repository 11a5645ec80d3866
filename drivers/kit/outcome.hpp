// The parent-side outcome of a spawn (docs/PROTOCOL.md "Result", key "outcome").
#pragma once

#include <optional>
#include <string>

#include "json_access.hpp"

namespace kit {

// A reaped child: exit status, or -signal when a signal killed it (CPython's returncode).
Json outcome_from_returncode(int returncode);

// A spawn call that failed: its error class in the implementation's own
// vocabulary, the errno (0 for an argument error, which has none) with its
// name and strerror text, the file it names, and its message.
Json outcome_from_exception(const std::string& error_class, int error_number, const std::optional<std::string>& filename,
                            const std::string& message);

// What a call on the scenario parent's side failed with (fork, an os call of a
// steps scenario): the class CPython gives that errno, and "[Errno N] text".
Json outcome_from_errno(int error_number);

}  // namespace kit
