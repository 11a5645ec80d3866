#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "child_exec.hpp"
#include "launch.hpp"

namespace spawn_core::detail {

namespace {

// Kept out of line so the child's frame sits below the parent's and never
// reuses the caller's locals (the child shares this stack until exec).
[[gnu::noinline]] pid_t vfork_and_run(const ChildPlan& plan) noexcept {
  const pid_t pid = vfork();
  if (pid == 0) run_child(plan);
  return pid;
}

}  // namespace

pid_t launch_by_vfork(ChildPlan& plan, bool& used_fork) noexcept {
  used_fork = false;
  // No handler of ours may run in the child while it shares our memory, so
  // everything is blocked until the child has reset its handlers.
  sigset_t all;
  sigfillset(&all);
  if (const int rc = pthread_sigmask(SIG_BLOCK, &all, &plan.child_sigmask); rc != 0) return -rc;
  plan.after_vfork = true;
  pid_t pid = vfork_and_run(plan);
  int saved_errno = errno;
  if (pid < 0) {
    // CPython falls back to fork when vfork fails (bpo-47151); the fork child
    // still restores the saved mask, which is harmless.
    used_fork = true;
    pid = fork();
    saved_errno = errno;
    if (pid == 0) run_child(plan);
  }
  pthread_sigmask(SIG_SETMASK, &plan.child_sigmask, nullptr);
  return pid < 0 ? -saved_errno : pid;
}

}  // namespace spawn_core::detail
