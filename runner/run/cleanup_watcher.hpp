#pragma once
// What ends a run's process tree and removes its temporary directory when the runner itself is killed
// with SIGKILL, which no handler sees. The drivers die with it (PR_SET_PDEATHSIG, set where they are
// started), and so do the scenario parents (the drivers set it for those); probes, and whatever they
// started, would run on until their scenario timed out, with the run directory left behind.
//
// So `fdconform run` forks a small watcher once the run directory exists, before any thread does. It holds the
// read end of a pipe whose only writer is the runner: EOF without a goodbye means the runner is gone. The
// watcher then kills every process tied to the run directory (its cwd, an open fd or its command line
// inside it: each cell's scenario parent and probe is), again and again until none is left, and removes
// the directory. It runs in a process group of its own and ignores the terminal's signals, so whatever
// kills the runner's group does not take the watcher along.
#include <sys/types.h>

#include <string>

namespace fdconform {

class CleanupWatcher {
 public:
  CleanupWatcher() = default;
  // Says goodbye (the runner cleaned up itself) and reaps the watcher.
  ~CleanupWatcher();
  CleanupWatcher(const CleanupWatcher&) = delete;
  CleanupWatcher& operator=(const CleanupWatcher&) = delete;

  // Forks the watcher for `directory` (the run's temporary directory: absolute, canonical). Must run while
  // the process has a single thread. Empty on success; else why there is no watcher (fork failing under
  // RLIMIT_NPROC, say), and the run goes on without this safety net.
  std::string start(const std::string& directory);
  pid_t pid() const { return pid_; }

  // The goodbye, then wait for the watcher to exit; after this it is no child of ours.
  void finish();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;  // write end
};

// The watcher's work, exposed for tests: kills every process (but this one) whose cwd, root, an open fd
// or command line is inside `directory`, repeatedly until none is found or `limit_ms` passed; returns
// how many kills it sent.
int kill_processes_inside(const std::string& directory, int limit_ms);

}  // namespace fdconform
