// Identity and environment of the probe process: pids, umask, cwd, env, credentials, limits, scheduling.
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdconform_snapshot/snapshot.hpp"

extern char** environ;

namespace fdconform_snapshot {

ProcessState read_process_state() {
  ProcessState state;
  state.pid = getpid();
  state.ppid = getppid();
  state.sid = getsid(0);
  state.pgid = getpgid(0);
  // umask has no read-only query that works everywhere; set and restore.
  state.umask = umask(0);
  umask(state.umask);

  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) != nullptr) state.cwd = cwd;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) state.env.emplace_back(*entry);

  getresuid(&state.uid, &state.euid, &state.suid);
  getresgid(&state.gid, &state.egid, &state.sgid);
  const int count = getgroups(0, nullptr);
  if (count > 0) {
    state.groups.resize(static_cast<size_t>(count));
    const int got = getgroups(count, state.groups.data());
    state.groups.resize(got < 0 ? 0 : static_cast<size_t>(got));
  }
  struct rlimit nofile {};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    state.nofile_soft = nofile.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long long>(nofile.rlim_cur);
    state.nofile_hard = nofile.rlim_max == RLIM_INFINITY ? -1 : static_cast<long long>(nofile.rlim_max);
  }
  state.sched_policy = sched_getscheduler(0);
  struct sched_param param {};
  if (sched_getparam(0, &param) == 0) state.sched_priority = param.sched_priority;
  return state;
}

}  // namespace fdconform_snapshot
