// os.posix_spawn / os.posix_spawnp: CPython's argument checks, then glibc's
// posix_spawn with the given file actions and attributes.
#include "spawn_core/posix_spawn.hpp"

#include <sched.h>
#include <signal.h>
#include <spawn.h>

#include <fmt/format.h>

#include "argument_checks.hpp"
#include "child_plan.hpp"
#include "spawn_core/spawn_error.hpp"

extern char** environ;

namespace spawn_core {

namespace {

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

// A libc refusal while building the request: OSError without filename.
void check_libc(int rc) {
  if (rc != 0) throw SpawnError(FailedStep::parent, rc, std::nullopt);
}

// CPython's convert_sigset: each number must be in [1; NSIG-1].
sigset_t signal_set(const std::vector<int>& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signo : signals) {
    if (signo < 1 || signo >= NSIG) {
      throw SpawnError::invalid_argument("ValueError",
                                         fmt::format("signal number {} out of range [1; {}]", signo, NSIG - 1));
    }
    sigaddset(&set, signo);
  }
  return set;
}

void add_file_actions(posix_spawn_file_actions_t& actions, const std::vector<FileAction>& file_actions) {
  // Parsed fully (CPython's parse_file_actions) in list order; libc adds
  // each one as it goes, so its EBADF for a bad fd comes in order too.
  for (const FileAction& action : file_actions) {
    if (const auto* open = std::get_if<FileOpen>(&action)) {
      detail::require_no_nul(open->path);
      check_libc(posix_spawn_file_actions_addopen(&actions, open->fd, open->path.c_str(), open->oflag, open->mode));
    } else if (const auto* close = std::get_if<FileClose>(&action)) {
      check_libc(posix_spawn_file_actions_addclose(&actions, close->fd));
    } else if (const auto* dup2 = std::get_if<FileDup2>(&action)) {
      check_libc(posix_spawn_file_actions_adddup2(&actions, dup2->fd, dup2->new_fd));
    } else if (const auto* closefrom = std::get_if<FileCloseFrom>(&action)) {
      check_libc(posix_spawn_file_actions_addclosefrom_np(&actions, closefrom->fd));
    }
  }
}

void set_attributes(posix_spawnattr_t& attributes, const PosixSpawnOptions& options) {
  short flags = 0;
  if (options.setpgroup) {
    flags |= POSIX_SPAWN_SETPGROUP;
    check_libc(posix_spawnattr_setpgroup(&attributes, *options.setpgroup));
  }
  if (options.resetids) flags |= POSIX_SPAWN_RESETIDS;
  if (options.setsid) flags |= POSIX_SPAWN_SETSID;
  if (options.setsigmask) {
    const sigset_t mask = signal_set(*options.setsigmask);
    check_libc(posix_spawnattr_setsigmask(&attributes, &mask));
    flags |= POSIX_SPAWN_SETSIGMASK;
  }
  if (options.setsigdef) {
    const sigset_t defaults = signal_set(*options.setsigdef);
    check_libc(posix_spawnattr_setsigdefault(&attributes, &defaults));
    flags |= POSIX_SPAWN_SETSIGDEF;
  }
  if (options.scheduler) {
    if (options.scheduler->policy) {
      check_libc(posix_spawnattr_setschedpolicy(&attributes, *options.scheduler->policy));
      flags |= POSIX_SPAWN_SETSCHEDULER;
    }
    sched_param parameter{};
    parameter.sched_priority = options.scheduler->priority;
    check_libc(posix_spawnattr_setschedparam(&attributes, &parameter));
    flags |= POSIX_SPAWN_SETSCHEDPARAM;
  }
  check_libc(posix_spawnattr_setflags(&attributes, flags));
}

pid_t spawn_with(bool search_path, const std::string& path, const std::vector<std::string>& argv,
                 const std::optional<EnvList>& env, const PosixSpawnOptions& options) {
  const char* function = search_path ? "posix_spawnp" : "posix_spawn";
  detail::require_no_nul(path);
  // py_posix_spawn's order: argv non-empty, argv items, argv[0], env, file actions, attributes.
  detail::check_posix_spawn_argv(function, argv);
  std::optional<detail::EnvironmentBlock> c_env;
  if (env) c_env = detail::checked_environment(*env, detail::EnvironmentRules::posix_spawn);

  SpawnObjects objects;
  add_file_actions(objects.actions, options.file_actions);
  set_attributes(objects.attributes, options);

  detail::CStringArray c_argv(argv);
  char* const* envp = c_env ? c_env->data() : environ;
  pid_t pid = -1;
  const int rc = search_path
                     ? ::posix_spawnp(&pid, path.c_str(), &objects.actions, &objects.attributes, c_argv.data(), envp)
                     : ::posix_spawn(&pid, path.c_str(), &objects.actions, &objects.attributes, c_argv.data(), envp);
  if (rc != 0) throw SpawnError(FailedStep::posix_spawn, rc, path);
  return pid;
}

}  // namespace

pid_t posix_spawn(const std::string& path, const std::vector<std::string>& argv, const std::optional<EnvList>& env,
                  const PosixSpawnOptions& options) {
  return spawn_with(false, path, argv, env, options);
}

pid_t posix_spawnp(const std::string& file, const std::vector<std::string>& argv, const std::optional<EnvList>& env,
                   const PosixSpawnOptions& options) {
  return spawn_with(true, file, argv, env, options);
}

}  // namespace spawn_core
