#include "posix_spawn_path.hpp"

#include <signal.h>
#include <spawn.h>

#include "spawn_core/spawn_error.hpp"

extern char** environ;

namespace spawn_core::detail {

namespace {

// Owns the libc objects so every exit path destroys them.
struct SpawnObjects {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  SpawnObjects() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnObjects() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnObjects(const SpawnObjects&) = delete;
  SpawnObjects& operator=(const SpawnObjects&) = delete;
};

void check_action(int rc) {
  if (rc != 0) throw SpawnError(FailedStep::parent, rc, std::nullopt);
}

}  // namespace

pid_t launch_by_posix_spawn(const Command& command, const ResolvedArgs& args,
                            const std::optional<EnvironmentBlock>& environment, const StdioFds& stdio) {
  SpawnObjects objects;
  for (int fd : {stdio.p2cwrite, stdio.c2pread, stdio.errread}) {
    if (fd != -1) check_action(posix_spawn_file_actions_addclose(&objects.actions, fd));
  }
  const int sources[3] = {stdio.p2cread, stdio.c2pwrite, stdio.errwrite};
  for (int target = 0; target < 3; ++target) {
    if (sources[target] != -1) check_action(posix_spawn_file_actions_adddup2(&objects.actions, sources[target], target));
  }
  if (command.close_fds) check_action(posix_spawn_file_actions_addclosefrom_np(&objects.actions, 3));
  if (command.restore_signals) {
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGXFSZ);
    check_action(posix_spawnattr_setsigdefault(&objects.attributes, &defaults));
    check_action(posix_spawnattr_setflags(&objects.attributes, POSIX_SPAWN_SETSIGDEF));
  }
  CStringArray argv(args.argv);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args.executable.c_str(), &objects.actions, &objects.attributes, argv.data(),
                               environment ? environment->data() : environ);
  if (rc != 0) throw SpawnError(FailedStep::posix_spawn, rc, args.executable);
  return pid;
}

}  // namespace spawn_core::detail
