#pragma once
// The runner adopts every process its drivers leave behind. Killing a driver's
// process group also kills the scenario parent and probe under it; without a
// subreaper those orphans would become init's zombies, or, if a probe had moved
// to its own session, keep running after the run. While an OrphanReaper lives,
// orphaned descendants are re-parented to the runner; its destructor kills the
// ones still running and reaps them all.
#include <sys/types.h>

#include <chrono>
#include <cstddef>

namespace fdconform {

class OrphanReaper {
 public:
  OrphanReaper();
  ~OrphanReaper();
  OrphanReaper(const OrphanReaper&) = delete;
  OrphanReaper& operator=(const OrphanReaper&) = delete;

  // Kills every remaining child of this process and reaps it, over and over as orphans keep arriving,
  // until none is left or `limit` has passed; never blocks beyond that. `spare` (the cleanup watcher) is
  // left alone. Returns how many children were still alive at the deadline. Call only once no driver
  // session is left, since it reaps any child.
  static std::size_t kill_and_reap_children(std::chrono::milliseconds limit = std::chrono::seconds(3),
                                            pid_t spare = -1);
};

}  // namespace fdconform
