// Which mechanism runs a Command: CPython 3.13's posix_spawn gate, then its
// vfork gate (no credential change), else fork.
#include <string>

#include "credentials.hpp"
#include "exec_search.hpp"
#include "stdio_setup.hpp"
#include "spawn_core/spawn.hpp"

namespace spawn_core {

namespace {

// The fd the child gets for stdio, as far as the gate can tell without
// creating anything: new pipes and /dev/null are assumed to land above 2
// (true unless the parent has fd 0/1/2 closed; see spawn.cpp, which checks
// the real fds again once they exist).
int planned_fd(const Stdio& stdio) {
  switch (stdio.kind) {
    case Stdio::Kind::inherit:
      return -1;
    case Stdio::Kind::fd:
      return stdio.fd;
    case Stdio::Kind::to_stdout:
      return detail::stdout_constant;  // stdin=STDOUT: a bad low fd, so not the posix_spawn path
    default:
      return 3;
  }
}

bool names_credentials(const Command& command) {
  // (uid_t)-1 / (gid_t)-1 count as "not given" (CPython 3.12.1+).
  const auto is_minus_one_user = [](const UserSpec& spec) {
    const long long* id = std::get_if<long long>(&spec);
    return id && *id == static_cast<long long>(static_cast<uid_t>(-1));
  };
  const auto is_minus_one_group = [](const GroupSpec& spec) {
    const long long* id = std::get_if<long long>(&spec);
    return id && *id == static_cast<long long>(static_cast<gid_t>(-1));
  };
  return (command.user && !is_minus_one_user(*command.user)) ||
         (command.group && !is_minus_one_group(*command.group)) || command.extra_groups.has_value();
}

int errwrite_of(const Command& command) {
  if (command.stderr_stream.kind == Stdio::Kind::to_stdout) {
    const int c2pwrite = planned_fd(command.stdout_stream);
    return c2pwrite != -1 ? c2pwrite : 1;
  }
  return planned_fd(command.stderr_stream);
}

std::string executable_of(const Command& command) {
  if (command.executable) return *command.executable;
  if (command.shell) return "/bin/sh";
  return command.args.empty() ? std::string() : command.args[0];
}

std::string posix_spawn_ineligibility(const Command& command) {
  const auto low = [](int fd) { return fd != -1 && fd <= 2; };
  if (!detail::has_directory_part(executable_of(command)))
    return "the executable has no directory part (posix_spawn does not search PATH)";
  if (!command.pass_fds.empty()) return "pass_fds is set";
  if (command.cwd) return "cwd is set";
  if (low(planned_fd(command.stdin_stream))) return "stdin is redirected from an fd in 0..2";
  if (low(planned_fd(command.stdout_stream))) return "stdout is redirected to an fd in 0..2";
  if (low(errwrite_of(command))) return "stderr is redirected to an fd in 0..2";
  if (command.start_new_session) return "start_new_session is set";
  if (command.process_group != -1) return "process_group is set";
  if (command.group) return "group is set";
  if (command.extra_groups) return "extra_groups is set";
  if (command.user) return "user is set";
  if (command.umask >= 0) return "umask is set";
  if (command.pre_exec.run) return "a pre-exec hook is set (preexec_fn)";
  return {};
}

}  // namespace

std::string path_ineligibility(const Command& command, SpawnPath path) {
  switch (path) {
    case SpawnPath::automatic:
    case SpawnPath::fork:
      return {};
    case SpawnPath::vfork:
      if (command.pre_exec.run) return "a pre-exec hook is set (preexec_fn runs only after fork)";
      return names_credentials(command) ? "user, group or extra_groups is set (credentials are never changed after vfork)"
                                        : std::string();
    case SpawnPath::posix_spawn:
      return posix_spawn_ineligibility(command);
  }
  return {};
}

SpawnPath choose_path(const Command& command) {
  if (posix_spawn_ineligibility(command).empty()) return SpawnPath::posix_spawn;
  if (!names_credentials(command) && !command.pre_exec.run) return SpawnPath::vfork;
  return SpawnPath::fork;
}

const char* to_string(SpawnPath path) {
  switch (path) {
    case SpawnPath::automatic: return "automatic";
    case SpawnPath::fork: return "fork";
    case SpawnPath::vfork: return "vfork";
    case SpawnPath::posix_spawn: return "posix_spawn";
  }
  return "?";
}

const char* to_string(CloseStrategy strategy) {
  switch (strategy) {
    case CloseStrategy::automatic: return "automatic";
    case CloseStrategy::close_range: return "close_range";
    case CloseStrategy::proc_self_fd: return "proc_self_fd";
    case CloseStrategy::brute_force: return "brute_force";
  }
  return "?";
}

}  // namespace spawn_core
