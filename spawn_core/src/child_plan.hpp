// Everything the child needs, built in the parent before fork: after fork the
// child only reads this struct (no allocation, no locks, no exceptions).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "credentials.hpp"
#include "error_pipe.hpp"
#include "spawn_core/command.hpp"
#include "stdio_setup.hpp"

namespace spawn_core::detail {

// A NULL-terminated char* array owning its strings.
class CStringArray {
 public:
  CStringArray() { pointers_.push_back(nullptr); }
  explicit CStringArray(std::vector<std::string> strings);
  // Moving keeps each string object in place (the vector's buffer moves), so
  // the pointers stay valid; a copy would point into the original.
  CStringArray(CStringArray&&) noexcept = default;
  CStringArray& operator=(CStringArray&&) noexcept = default;
  CStringArray(const CStringArray&) = delete;
  CStringArray& operator=(const CStringArray&) = delete;
  char* const* data() const { return pointers_.data(); }
  size_t size() const { return strings_.size(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

// Whose checks a replaced environment must pass (argument_checks.hpp).
enum class EnvironmentRules { popen, posix_spawn };

// The environment a command that replaces it hands to execve or posix_spawn:
// every "KEY=VALUE" in one buffer and a NULL-terminated array pointing into
// it. One allocation for all the text instead of one string per variable is
// what keeps a 10,000-variable env near a raw spawn's cost (docs/PERFORMANCE.md).
// A command that does not replace the environment never builds one: environ
// goes to exec as it is.
class EnvironmentBlock {
 public:
  EnvironmentBlock() { pointers_.push_back(nullptr); }
  explicit EnvironmentBlock(const EnvList& env);
  // Entries already joined ("KEY=VALUE"), as fork_exec's callers pass them.
  explicit EnvironmentBlock(const std::vector<std::string>& entries);
  // Moving hands the buffer over, so the pointers stay valid.
  EnvironmentBlock(EnvironmentBlock&&) noexcept = default;
  EnvironmentBlock& operator=(EnvironmentBlock&&) noexcept = default;
  EnvironmentBlock(const EnvironmentBlock&) = delete;
  EnvironmentBlock& operator=(const EnvironmentBlock&) = delete;
  char* const* data() const { return pointers_.data(); }
  size_t size() const { return pointers_.size() - 1; }

  // True when `env`, this block's source, passes `rules`: no NUL in a key or
  // value, no '=' in a key (after its first character for posix_spawn, whose
  // keys must not be empty either). Scanning the copy, where each entry is
  // one contiguous string, costs a fraction of scanning the list's strings.
  bool satisfies(const EnvList& env, EnvironmentRules rules) const noexcept;

 private:
  std::unique_ptr<char[]> text_;
  std::vector<char*> pointers_;
};

// Caller code run in the child (used by the CPython extension for preexec_fn).
// Both run on the child's side only; either may be null. They are not
// async-signal-safe by nature, so a plan with hooks is never run after vfork.
struct ChildHooks {
  // First thing in the child, before any fd is touched (PyOS_AfterFork_Child).
  void (*at_child_start)(void* context) = nullptr;
  // After the credential steps and before close_fds (CPython's preexec_fn
  // slot). Non-zero means failure, reported as ChildStep::preexec.
  int (*before_close_fds)(void* context) = nullptr;
  void* context = nullptr;
};

struct ChildPlan {
  bool has_argv = true;  // false: execve with a NULL argv (fork_exec's args=None)
  CStringArray argv;
  bool has_env = false;  // false: exec with the environ the child sees
  EnvironmentBlock envp;
  CStringArray exec_candidates;

  bool has_cwd = false;
  std::string cwd;

  StdioFds stdio;
  int errpipe_read = -1;
  int errpipe_write = -1;

  // Sorted and distinct: pass_fds plus errpipe_write (CPython's fds_to_keep).
  std::vector<int> fds_to_keep;
  bool close_fds = true;
  CloseStrategy close_strategy = CloseStrategy::automatic;
  int brute_force_limit = 256;  // sysconf(_SC_OPEN_MAX), read before fork

  int umask = -1;
  bool restore_signals = true;
  bool start_new_session = false;
  pid_t process_group = -1;
  Credentials credentials;
  std::vector<gid_t> groups;  // a copy of credentials.groups the child can index

  ChildHooks hooks;
  ErrorFormat error_format = ErrorFormat::record;

  // vfork only: the mask the parent thread had before blocking everything.
  bool after_vfork = false;
  sigset_t child_sigmask;
};

// argv after CPython's shell handling, and the executable it runs.
struct ResolvedArgs {
  std::vector<std::string> argv;
  std::string executable;  // CPython's orig_executable: the filename of exec errors
};
ResolvedArgs resolve_args(const Command& command);

// The block for `env` once it passed `rules`; otherwise the ValueError CPython
// raises for the first offending variable (check_popen_env or
// check_posix_spawn_env, which stay the authority on order and wording).
EnvironmentBlock checked_environment(const EnvList& env, EnvironmentRules rules);

// The highest fd number + 1 that brute-force closing tries: sysconf(_SC_OPEN_MAX),
// read in the parent (256 when it is unknown or out of int range).
int brute_force_close_limit();

// `environment` is the checked block of command.env (nullopt when the command
// does not replace the environment).
ChildPlan build_child_plan(const Command& command, const ResolvedArgs& args, std::optional<EnvironmentBlock> environment,
                           const Credentials& credentials, const StdioFds& stdio, int errpipe_read, int errpipe_write);

}  // namespace spawn_core::detail
