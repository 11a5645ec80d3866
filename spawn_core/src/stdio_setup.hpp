// The parent side of stdin/stdout/stderr: CPython's Popen._get_handles
// (pipes, the shared /dev/null fd, given fds, stderr into stdout) and
// _close_pipe_fds (what the parent closes once the child exists).
#pragma once

#include "spawn_core/command.hpp"

namespace spawn_core::detail {

// subprocess.STDOUT's value, which CPython passes on as an fd number when it
// is given for stdin (Stdio::Kind::to_stdout).
inline constexpr int stdout_constant = -2;

// -1 everywhere means "not redirected" / "no parent end", as in CPython.
struct StdioFds {
  int p2cread = -1, p2cwrite = -1;
  int c2pread = -1, c2pwrite = -1;
  int errread = -1, errwrite = -1;
  int devnull = -1;
};

// Creates the pipes (O_CLOEXEC, in the order stdin, stdout, stderr) and opens
// /dev/null at its first use. Throws SpawnError after closing what it made.
StdioFds open_stdio(const Command& command);

// After a successful spawn: close the child ends the parent created itself
// (never a caller's fd) and the /dev/null fd.
void close_child_ends(StdioFds& fds) noexcept;

// After a failed spawn: close everything open_stdio created.
void close_all_created(StdioFds& fds) noexcept;

}  // namespace spawn_core::detail
