// A process's view of itself in the shape of docs/PROTOCOL.md ("The probe's
// report"): the probe's report and the scenario parents' snapshots are both
// read and written by this one library, so they cannot drift apart.
// libc only, no exceptions (the probe links it statically and must not run
// any library's initialisation before it has looked at itself).
#pragma once

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace fdconform_snapshot {

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

// Signal numbers 1..64, read with the raw system calls (glibc's wrappers refuse 32 and 33).
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

// A child the process has not reaped yet: its pid and the state letter of /proc/PID/stat (Z: zombie).
struct Child {
  pid_t pid = 0;
  char state = '?';
};

struct Snapshot {
  std::vector<std::string> argv;  // the probe's report only
  ProcessState process;
  SignalState signals;
  std::vector<FdEntry> fds;
  std::vector<Child> children;  // a scenario parent's snapshot only
};

// Each reads the live process and leaves no fd open. The fd table lists every
// fd but `hidden_fd` (harness machinery, such as a driver's result channel)
// and the directory fd the listing itself needs; it returns false, with errno
// set, when /proc/self/fd cannot be listed (the table is then empty, which must
// not be mistaken for "every fd closed").
bool read_fd_table(std::vector<FdEntry>& fds, int hidden_fd = -1);
ProcessState read_process_state();

// How an fd table entry is described, whoever reads it: the probe from its own
// fds, the driver kit from another process's /proc/PID (drivers/kit/outside_snapshot.cpp).
// One classification for both, so a snapshot taken from outside names an fd as the probe would.
//   fd_kind          from the fd's stat and its /proc link target ("pipe:[..]", "anon_inode:[eventfd]", a path)
//   fd_access        rdonly, wronly, rdwr or path, from the open file description's status flags
//   fd_status_flags  the other status flags, in the report's order (append nonblock sync|dsync direct noatime async)
std::string fd_kind(const struct stat& st, const std::string& link_target);
std::string fd_access(int status_flags);
std::vector<std::string> fd_status_flags(int status_flags);
// Gives each entry of process `pid`'s table the class of the first earlier entry sharing
// its open file description (kcmp KCMP_FILE); leaves every ofd at -1 when kcmp is unavailable.
void classify_open_file_descriptions(std::vector<FdEntry>& entries, pid_t pid);
SignalState read_signal_state();
// Every thread's unreaped children, zombies included, ascending by pid; false
// (errno set) when /proc/self/task cannot be listed.
bool read_children(std::vector<Child>& children);

// A listing needs one fd, and a scenario parent may sit at its soft
// RLIMIT_NOFILE (on purpose, or because a failed spawn leaked fds): while one
// of these lives the soft limit is the hard one, and it is put back after.
// Read the process state (which reports the limit) before making room.
class DescriptorRoom {
 public:
  DescriptorRoom();
  ~DescriptorRoom();
  DescriptorRoom(const DescriptorRoom&) = delete;
  DescriptorRoom& operator=(const DescriptorRoom&) = delete;

 private:
  struct rlimit saved_ {};
  bool raised_ = false;
};

// Which document a snapshot becomes (docs/PROTOCOL.md):
//   probe_report  {"probe": 1, ..., "argv", ..., "sched", ...}: what the probe writes;
//   parent        the same without "probe", "argv" and "sched", with "children":
//                 a scenario parent's "parent" and "parent_after".
enum class Shape { probe_report, parent };

// The document as JSON text. Well-formed UTF-8 is kept; any other byte above
// 0x7F becomes the code point of the same value (U+0080..U+00FF).
std::string to_json(const Snapshot& snapshot, Shape shape);

}  // namespace fdconform_snapshot
