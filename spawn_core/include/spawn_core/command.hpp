// The data of one spawn: everything a caller can ask of a child, and nothing
// about how it is carried out. Mirrors the POSIX arguments of CPython's
// subprocess.Popen (as of 3.13); see docs/SPAWN_CORE.md for each field.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace spawn_core {

// What one of the child's fds 0, 1 or 2 becomes.
struct Stdio {
  enum class Kind {
    inherit,    // None: the parent's fd is left exactly as it is (closed stays closed)
    pipe,       // PIPE: a new pipe; the parent keeps the other end (close-on-exec)
    devnull,    // DEVNULL: one O_RDWR open of /dev/null shared by every devnull stream
    fd,         // an existing parent fd, used verbatim and never closed by spawn_core
    // STDOUT. stderr: whatever the child's fd 1 becomes. stdout: ValueError
    // (3.13). stdin: CPython takes STDOUT's value, -2, as an fd number, so the
    // child's dup2 onto fd 0 fails with EBADF.
    to_stdout,
  };
  Kind kind = Kind::inherit;
  int fd = -1;  // for Kind::fd

  static Stdio inherit() { return {}; }
  static Stdio pipe() { return {Kind::pipe, -1}; }
  static Stdio devnull() { return {Kind::devnull, -1}; }
  static Stdio from_fd(int fd) { return {Kind::fd, fd}; }
  static Stdio to_stdout() { return {Kind::to_stdout, -1}; }
};

// How the child is created. `automatic` follows CPython 3.13's own gates.
enum class SpawnPath { automatic, fork, vfork, posix_spawn };

// How close_fds closes fds >= 3 in the child. `automatic` is CPython's order:
// close_range between kept fds, then a getdents64 walk of /proc/self/fd, then
// brute force up to the fd limit.
enum class CloseStrategy { automatic, close_range, proc_self_fd, brute_force };

// A user or group given by number or by name (names are resolved in the parent). The number is
// what a Python caller passes: a negative one is refused with CPython's ValueError, and
// (uid_t)-1 / (gid_t)-1 mean "no change".
using UserSpec = std::variant<long long, std::string>;
using GroupSpec = std::variant<long long, std::string>;

using EnvList = std::vector<std::pair<std::string, std::string>>;  // kept in the given order

// Caller code run in the child after the credential steps and before
// close_fds: CPython's preexec_fn slot (fds it opens are closed by close_fds).
// Non-zero from `run` is a failure the parent sees as SubprocessError
// ("Exception occurred in preexec_fn."). A command with a hook runs only
// after fork, never on vfork or posix_spawn, as CPython does with preexec_fn.
struct PreExecHook {
  int (*run)(void* context) = nullptr;
  void* context = nullptr;
};

struct Command {
  std::vector<std::string> args;          // argv; args[0] is the child's argv[0]
  std::optional<std::string> executable;  // what is executed (default args[0]); with shell, replaces argv[0]
  bool shell = false;                     // argv becomes {"/bin/sh", "-c", args...}

  Stdio stdin_stream;
  Stdio stdout_stream;
  Stdio stderr_stream;

  bool close_fds = true;
  std::vector<int> pass_fds;  // non-empty forces close_fds, as CPython does (with its warning)

  std::optional<std::string> cwd;
  std::optional<EnvList> env;  // replaces the environment; absent: the parent's C environ

  bool restore_signals = true;
  bool start_new_session = false;
  long long process_group = -1;  // -1: untouched; >= 0: setpgid(0, value); outside the C int range: OverflowError

  std::optional<UserSpec> user;
  std::optional<GroupSpec> group;
  std::optional<std::vector<GroupSpec>> extra_groups;  // an empty list still calls setgroups(0)

  int umask = -1;  // -1: inherited
  int pipesize = -1;  // > 0: F_SETPIPE_SZ on each pipe created for stdio (CPython 3.10+'s pipesize)

  PreExecHook pre_exec;

  SpawnPath path = SpawnPath::automatic;
  CloseStrategy close_strategy = CloseStrategy::automatic;
};

}  // namespace spawn_core
