// spawn(): CPython 3.13's Popen on POSIX, from argument checks to the error
// pipe. The order of parent-side steps follows Popen.__init__/_execute_child.
#include "spawn_core/spawn.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "argument_checks.hpp"
#include "child_plan.hpp"
#include "credentials.hpp"
#include "error_pipe.hpp"
#include "launch.hpp"
#include "posix_spawn_path.hpp"
#include "stdio_setup.hpp"

namespace spawn_core {

namespace detail {
namespace {

// Owns the stdio fds until the Process takes the parent ends.
class StdioGuard {
 public:
  explicit StdioGuard(StdioFds fds) : fds_(fds) {}
  ~StdioGuard() {
    if (armed_) close_all_created(fds_);
  }
  StdioGuard(const StdioGuard&) = delete;
  StdioGuard& operator=(const StdioGuard&) = delete;
  StdioFds& fds() { return fds_; }
  // The child exists: close its ends here and hand the parent ends over.
  StdioFds release_after_spawn() {
    armed_ = false;
    close_child_ends(fds_);
    return fds_;
  }

 private:
  StdioFds fds_;
  bool armed_ = true;
};

class FdGuard {
 public:
  explicit FdGuard(int fd = -1) : fd_(fd) {}
  ~FdGuard() { reset(); }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ != -1) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// CPython's error pipe: both ends close-on-exec, the write end moved to >= 3
// so no dup2 onto 0/1/2 can overwrite it. Returns {read end, write end}.
std::pair<int, int> open_error_pipe() {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) throw SpawnError(FailedStep::parent, errno, std::nullopt);
  int write_fd = ends[1];
  int low_fds[3];
  int low_count = 0;
  while (write_fd < 3) {
    low_fds[low_count++] = write_fd;
    write_fd = fcntl(write_fd, F_DUPFD_CLOEXEC, 0);
    if (write_fd < 0) {
      const int saved = errno;
      for (int i = 0; i < low_count; ++i) close(low_fds[i]);
      close(ends[0]);
      throw SpawnError(FailedStep::parent, saved, std::nullopt);
    }
  }
  for (int i = 0; i < low_count; ++i) close(low_fds[i]);
  return {ends[0], write_fd};
}

bool std_fd(int fd) { return fd != -1 && fd <= 2; }

void reap(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

Process spawn_with_fork(const Command& command, const ResolvedArgs& args, std::optional<EnvironmentBlock> environment,
                        const Credentials& credentials, StdioGuard& stdio, SpawnPath path) {
  const auto [read_fd, write_fd] = open_error_pipe();
  FdGuard errpipe_read(read_fd), errpipe_write(write_fd);
  ChildPlan plan = build_child_plan(command, args, std::move(environment), credentials, stdio.fds(),
                                    errpipe_read.get(), errpipe_write.get());
  pid_t pid;
  SpawnPath used = path;
  if (path == SpawnPath::vfork) {
    bool used_fork = false;
    pid = launch_by_vfork(plan, used_fork);
    if (used_fork) used = SpawnPath::fork;
  } else {
    pid = launch_by_fork(plan);
  }
  errpipe_write.reset();
  if (pid < 0) throw SpawnError(FailedStep::parent, -pid, std::nullopt);
  const StdioFds parent_ends = stdio.release_after_spawn();
  std::optional<ErrorRecord> record;
  try {
    record = read_error_record(errpipe_read.get());
  } catch (...) {
    reap(pid);  // bad data still means the child has finished or is finishing
    throw;
  }
  errpipe_read.reset();
  if (record) {
    // The child is done (it wrote and _exits): reap it before raising, and
    // close the parent ends nobody will get.
    reap(pid);
    StdioFds ends = parent_ends;
    for (int fd : {ends.p2cwrite, ends.c2pread, ends.errread}) {
      if (fd != -1) close(fd);
    }
    throw error_from_record(*record, args.executable, command.cwd);
  }
  return Process(pid, parent_ends.p2cwrite, parent_ends.c2pread, parent_ends.errread, used);
}

}  // namespace
}  // namespace detail

Process spawn(const Command& command) {
  using namespace detail;
  check_command(command);
  const Credentials credentials = resolve_credentials(command);
  const ResolvedArgs args = resolve_args(command);

  SpawnPath path = command.path == SpawnPath::automatic ? choose_path(command) : command.path;
  if (command.path != SpawnPath::automatic) {
    const std::string why = path_ineligibility(command, path);
    if (!why.empty()) {
      throw SpawnError::path_not_eligible(std::string("spawn path ") + to_string(path) +
                                          " cannot run this command: " + why);
    }
  }

  // Conversions CPython does before creating the child (all in the parent).
  // A replaced environment is copied into its block here, where CPython
  // converts it, and checked on the copy.
  std::optional<EnvironmentBlock> environment;
  if (path == SpawnPath::posix_spawn) {
    if (command.env) environment = checked_environment(*command.env, EnvironmentRules::posix_spawn);
    check_posix_spawn_argv("posix_spawn", args.argv);
    require_no_nul(args.executable);
  } else {
    // In CPython 3.13's order: _execute_child's env key check, fork_exec's argument conversion
    // (process_group), its fds_to_keep check, then its conversions of argv, the executable, env, cwd.
    if (command.env) check_popen_env_keys(*command.env);
    check_process_group(command.process_group);
    check_fds_to_keep(command.pass_fds);
    for (const auto& arg : args.argv) require_no_nul(arg);
    require_no_nul(args.executable);
    if (command.env) environment = checked_environment(*command.env, EnvironmentRules::popen);
    if (command.cwd) require_no_nul(*command.cwd);
  }

  StdioGuard stdio(open_stdio(command));
  if (path == SpawnPath::posix_spawn) {
    // New pipes land on 0..2 when the parent has those closed; CPython's gate
    // sees the real fds, so the automatic choice is re-made with them.
    const StdioFds& fds = stdio.fds();
    if (std_fd(fds.p2cread) || std_fd(fds.c2pwrite) || std_fd(fds.errwrite)) {
      if (command.path == SpawnPath::posix_spawn) {
        throw SpawnError::path_not_eligible(
            "spawn path posix_spawn cannot run this command: a redirected stream landed on fd 0..2");
      }
      path = SpawnPath::vfork;  // the posix_spawn gate implies no credential change
      if (command.env) check_popen_env(*command.env);
      if (command.cwd) require_no_nul(*command.cwd);
    }
  }
  if (path == SpawnPath::posix_spawn) {
    const pid_t pid = launch_by_posix_spawn(command, args, environment, stdio.fds());
    const StdioFds ends = stdio.release_after_spawn();
    return Process(pid, ends.p2cwrite, ends.c2pread, ends.errread, SpawnPath::posix_spawn);
  }
  return spawn_with_fork(command, args, std::move(environment), credentials, stdio, path);
}

}  // namespace spawn_core
