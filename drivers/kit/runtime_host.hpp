// The external scenario parent (docs/DRIVERS.md, "A runtime that cannot link
// the kit"): for a runtime that cannot be a C or C++ adapter (Node, the JVM,
// Go), the kit builds the scenario parent's state as for any column, then
// starts the runtime's adapter program in that state and watches it from
// outside. The adapter only maps the spawn block onto its runtime's API and
// says how the spawn went; the kit takes both snapshots through procfs while
// the adapter is stopped, and declares what the runtime itself set up at
// start-up as runtime-owned.
//
// The adapter program's side, started as ARGV... --request=PATH:
//   the request file is {"kind": "popen" | "posix_spawn" | ..., "spawn": the
//   block resolved, "outcome": PATH, "variant": {...}, "close_on_exec": [fds]},
//   or {"measure": true, "outcome": PATH, "close_on_exec": [fds]} at start-up;
//   "close_on_exec" lists the scenario's close-on-exec fds the host carried
//   through the adapter's exec as inheritable (the adapter sets the flag again).
//   A popen block: placeholders substituted, the probe's report argument in
//   argv, stdin/stdout/stderr as a name or {"fd": N}, pass_fds as numbers, a dir
//   resource in cwd as its path, env as ordered [name, value] pairs.
//   A posix_spawn / posix_spawnp block: "path" and "argv" substituted (the
//   report argument last), "env" null (the caller's environ) or ordered pairs,
//   "file_actions" a list (empty when none) of {"open": {"fd": N, "path":
//   substituted, "flags": [names as in the scenario], "mode": N}},
//   {"close": fd}, {"dup2": [source fd, target fd]}, {"closefrom": fd}, every
//   resource name replaced by the parent's fd number; setpgroup, resetids,
//   setsid, setsigmask and setsigdef (signal names) and scheduler as the
//   scenario gives them. A libc block (docs/LIBC.md): file, argv and command
//   substituted, the report argument last in argv and the command's quoted last
//   word; its "file_actions", when given, as a posix_spawn block's plus
//   {"chdir": path substituted}, {"fchdir": fd} and {"tcsetpgrp": fd}, an fd
//   below 0 passed on as the scenario wrote it. A fork_exec block is {"argv": substituted, the report argument last,
//   "steps": [child steps]}; a popen block's preexec list is "preexec": [child
//   steps]. A child step (resolved_spawn.hpp, one resolution for every adapter)
//   is {"set_inheritable": {"fd", "value"}}, {"dup2": {"fd", "to",
//   "inheritable"}}, {"close": fd}, {"signal": {"name", "number", "action":
//   "ignore" | "default"}}, {"raise": true}, {"exit": status} or {"open":
//   {"path": absolute, "flags": [names, never cloexec], "mode": N, "fd": N or
//   null}} (the opened fd is close-on-exec unless moved onto "fd"). A
//   {parent_pid} in parent.env.set or putenv is the runtime's pid in the
//   environment the runtime is started with.
//   right before its spawn call it stops itself (SIGSTOP): the parent snapshot;
//   once the spawn is over it writes the outcome file and stops again: the
//   after snapshot; then it exits 0 when continued. The outcome file is
//   {"pid": N or null, "outcome": {"kind": "exited", "returncode": N} |
//    {"kind": "signaled", "signal": "SIGKILL"} | {"kind": "exception",
//    "error_class": ..., "errno": N or null, "filename": ..., "message": ...},
//    "diagnostics": "..."}, or {"no_api": "capability"} (written without stopping).
// Started with --hello, it prints one JSON object: id, name, version, language,
// detail and features (the hello's implementation facts) and exits.
#pragma once

#include <string>
#include <vector>

#include "json_access.hpp"
#include "parent_state.hpp"
#include "placeholders.hpp"

namespace kit {

struct Request;
class SpawnAdapter;

struct RuntimeProgram {
  std::vector<std::string> argv;  // the adapter program, e.g. {"/usr/bin/node", ".../adapter.js"}
};

// What the runtime changed between exec and its spawn call, comparing the
// snapshot the kit took right before exec with the one taken at the adapter's
// first stop: {"fds": [fd numbers], "signals": [names], "process": [snapshot
// members such as "rlimit_nofile"], "reflagged_fds": [fd numbers]}: an fd it
// opened, replaced or closed is in "fds"; a scenario fd whose close-on-exec
// flag alone it turned over, in "reflagged_fds".
Json runtime_owned_between(const Json& before_exec, const Json& at_spawn);

// Steps 7-10 of docs/PROTOCOL.md for a scenario parent whose state is
// prepared: the result of running the adapter program in it.
Json replay_in_runtime(const Request& request, const SpawnAdapter& adapter, const RuntimeProgram& runtime,
                       const PreparedParent& prepared, const PlaceholderValues& placeholders, Json before_exec);

// The runtime's own start-up state in a baseline parent (no resources, the
// base environment), measured once: the hello's "runtime_owned". Throws
// std::runtime_error saying why when the adapter does not stop as it should.
Json measure_runtime_owned(const RuntimeProgram& runtime);

// The adapter's --hello answer. Throws std::runtime_error naming the program when it gives none.
Json ask_runtime_hello(const RuntimeProgram& runtime);

}  // namespace kit
