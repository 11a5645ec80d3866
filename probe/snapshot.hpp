// What the probe observed about itself, taken before it opens anything of
// its own (docs/PROTOCOL.md, "The probe's report").
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace probe {

struct FdEntry {
  int fd = -1;
  std::string kind;    // file, dir, pipe, socket, chr, blk, fifo, eventfd, memfd, epoll, ...
  std::string access;  // rdonly, wronly, rdwr, path
  std::vector<std::string> flags;
  bool cloexec = false;
  long long offset = -1;  // -1 when fdinfo gave none
  unsigned long long dev = 0, ino = 0, rdev = 0;
  std::string path;  // readlink of /proc/self/fd/N
  int ofd = -1;      // open file description class; -1 when kcmp is unavailable
  long long pipe_size = -1;  // F_GETPIPE_SZ for pipes and FIFOs; -1 otherwise
};

struct SignalState {
  std::vector<int> ignored, caught, blocked;
};

struct ProcessState {
  pid_t pid = 0, ppid = 0, sid = 0, pgid = 0;
  mode_t umask = 0;
  std::string cwd;
  std::vector<std::string> env;
  uid_t uid = 0, euid = 0, suid = 0;
  gid_t gid = 0, egid = 0, sgid = 0;
  std::vector<gid_t> groups;
  // RLIMIT_NOFILE; -1 stands for RLIM_INFINITY. Some runtimes raise their own
  // soft limit at start-up, and whether a child gets it back is inheritance too.
  long long nofile_soft = -1, nofile_hard = -1;
  // sched_getscheduler (the policy, with SCHED_RESET_ON_FORK as it came) and
  // sched_getparam's priority: what posix_spawn's scheduler attribute sets. -1 when unreadable.
  int sched_policy = -1;
  int sched_priority = -1;
};

struct Snapshot {
  std::vector<std::string> argv;
  ProcessState process;
  SignalState signals;
  std::vector<FdEntry> fds;
};

// Each reads the live process; none leaves an fd open.
std::vector<FdEntry> read_fd_table();
ProcessState read_process_state();
SignalState read_signal_state();

// The report as JSON text.
std::string to_json(const Snapshot& snapshot);

}  // namespace probe
