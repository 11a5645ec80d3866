#pragma once
// The runner adopts every process its drivers leave behind. Killing a driver's
// process group also kills the scenario parent and probe under it; without a
// subreaper those orphans would become init's zombies, or, if a probe had moved
// to its own session, keep running after the run. While an OrphanReaper lives,
// orphaned descendants are re-parented to the runner; its destructor kills the
// ones still running and reaps them all.
namespace fdconform {

class OrphanReaper {
 public:
  OrphanReaper();
  ~OrphanReaper();
  OrphanReaper(const OrphanReaper&) = delete;
  OrphanReaper& operator=(const OrphanReaper&) = delete;

  // Kills every remaining child of this process and reaps it. Call only once
  // no driver session is left, since it waits for any child.
  static void kill_and_reap_children();
};

}  // namespace fdconform
