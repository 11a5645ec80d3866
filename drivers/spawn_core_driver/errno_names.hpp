// Symbolic errno names as Python's errno.errorcode gives them ("ENOENT").
#pragma once

#include <string>

namespace driver {

// The name of `error_number`, or "E<number>" for one this table does not know.
std::string errno_name(int error_number);

}  // namespace driver
