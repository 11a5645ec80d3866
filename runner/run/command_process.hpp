#pragma once
// How every runner command that starts drivers begins and ends the life of its own process, so that
// `run`, `fuzz` and `show` leave nothing behind in the same way: orphans adopted and reaped, Ctrl-C and
// friends turned into an orderly stop, fds inherited from a shell or CI kept away from drivers and probes,
// and, once a run directory exists, a watcher that cleans up if the runner dies by SIGKILL.
#include <iosfwd>
#include <optional>

#include "run/cleanup_watcher.hpp"
#include "run/orphan_reaper.hpp"
#include "run/workdir.hpp"

namespace fdconform {

class CommandProcess {
 public:
  // Declare it first in the command, so it outlives every driver session the command starts.
  CommandProcess();
  CommandProcess(const CommandProcess&) = delete;
  CommandProcess& operator=(const CommandProcess&) = delete;

  // Starts the cleanup watcher for `run_dir`, while this is still the only thread. Without one (fork
  // refused, say) the command goes on and `err` says what a SIGKILL would leave behind.
  void watch(const RunDirectory& run_dir, std::ostream& err);

  // Once every driver session has ended: kills and reaps whatever they left (saying on `err` how many did
  // not end), removes the run directory, then lets the watcher go.
  void finish(std::optional<RunDirectory>& run_dir, std::ostream& err);

 private:
  OrphanReaper reaper_;  // first member: destroyed last
  CleanupWatcher watcher_;
};

}  // namespace fdconform
