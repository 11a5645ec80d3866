// Waiting for a spawned child with the request's deadline, and cleaning up
// after one that overstays it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>

namespace kit {

// The child's returncode (exit status, or -signal), or nullopt when
// `timeout` passed first (the child is then still running and unreaped).
std::optional<int> wait_with_deadline(pid_t pid, std::chrono::milliseconds timeout);

// SIGKILL to the child's process group (only when it is not ours: the
// scenario parent must survive to report), to every descendant of the child,
// and to the child itself. The caller then reaps the child and calls
// reap_adopted_orphans().
void kill_child_tree(pid_t pid);

// Makes the calling process adopt its descendants' orphans, so a timed-out
// child's own children can be found and ended (prctl PR_SET_CHILD_SUBREAPER).
void adopt_orphans();

// Kills and reaps every process adopted by adopt_orphans(): what a killed
// child left behind.
void reap_adopted_orphans();

// Reaps `pid`, retrying on EINTR. Returns the returncode, or 0 when the child
// was reaped by the kernel (SIGCHLD ignored), as CPython reports it.
int reap(pid_t pid);

}  // namespace kit
