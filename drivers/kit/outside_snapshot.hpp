// A parent snapshot of another process, read from outside through procfs
// (docs/DRIVERS.md, "A runtime that cannot link the kit"): the state of a
// runtime's scenario parent while it is stopped, in the same shape as
// take_parent_snapshot gives for the kit's own process.
#pragma once

#include <sys/types.h>

#include "json_access.hpp"

namespace kit {

// `pid`'s fd table (fdinfo flags and offsets, identities, kcmp classes of
// shared open file descriptions), process state, signal dispositions, the
// blocked mask of `spawning_thread`, and its unreaped children. The process
// should be stopped, so the listing is one moment. Throws std::system_error
// when /proc/PID/fd cannot be listed (an empty table would read as "every fd closed").
Json take_outside_snapshot(pid_t pid, pid_t spawning_thread);

}  // namespace kit
