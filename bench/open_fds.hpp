// The parent's fd table as the close_fds benchmarks need it: a given number of
// inheritable fds open, under a given RLIMIT_NOFILE.
#pragma once

#include <sys/resource.h>

#include <string>

namespace bench {

// The fd limit the machine gave this process, with the soft limit raised to
// the hard one (so 10,000 fds fit where the hard limit allows).
rlim_t machine_fd_limit();

// Whether the soft RLIMIT_NOFILE can be set to `limit`: always up to the hard
// limit; above it only with CAP_SYS_RESOURCE (often missing in containers).
bool fd_limit_reachable(rlim_t limit);

// Leaves exactly `count` extra inheritable fds (dups of /dev/null, without
// FD_CLOEXEC: what close_fds exists to close) open, under a soft
// RLIMIT_NOFILE of `fd_limit` (0: machine_fd_limit()), which is what
// sysconf(_SC_OPEN_MAX) and brute-force closing go by. Returns an empty string
// on success, else why it could not.
std::string hold_open_fds(int count, rlim_t fd_limit = 0);

}  // namespace bench
