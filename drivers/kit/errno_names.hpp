// Symbolic errno names as Python's errno.errorcode gives them ("ENOENT"). The
// OSError subclass for each is common/oserror_class (shared with spawn_core).
#pragma once

#include <string>

#include "fdconform_common/oserror_class.hpp"

namespace kit {

// The name of `error_number`, or "E<number>" for one this table does not know.
std::string errno_name(int error_number);

}  // namespace kit
