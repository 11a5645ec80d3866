// Closing every fd >= 3 except the kept ones, in the child. Async-signal-safe:
// raw system calls only, a stack buffer, no allocation. Return 0 or -errno.
#pragma once

#include "spawn_core/command.hpp"

namespace spawn_core::detail {

struct KeptFds {
  const int* fds;  // sorted, distinct
  int count;
};

// close_range(2) over each gap between kept fds, up to INT_MAX.
int close_by_close_range(int first, KeptFds keep) noexcept;
// A getdents64 walk of /proc/self/fd, closing what is listed.
int close_by_proc_self_fd(int first, KeptFds keep) noexcept;
// close() on every number from `first` up to `limit` - 1.
int close_by_brute_force(int first, KeptFds keep, int limit) noexcept;

// The requested strategy; `automatic` is CPython's order, each step falling
// back to the next when it fails.
int close_open_fds(CloseStrategy strategy, int first, KeptFds keep, int brute_force_limit) noexcept;

}  // namespace spawn_core::detail
