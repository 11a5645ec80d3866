// Symbolic errno names as Python's errno.errorcode gives them ("ENOENT"), and
// the OSError subclass CPython raises for each.
#pragma once

#include <string>

namespace kit {

// The name of `error_number`, or "E<number>" for one this table does not know.
std::string errno_name(int error_number);

// PEP 3151's errno -> class table as CPython's OSError applies it: FileNotFoundError,
// PermissionError, ..., and "OSError" for every errno without a subclass.
const char* oserror_class(int error_number);

}  // namespace kit
