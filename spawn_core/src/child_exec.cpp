#include "child_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "close_fds.hpp"
#include "error_pipe.hpp"

extern char** environ;

namespace spawn_core::detail {

namespace {

// The failure to report (`preexec` failures carry errno 0).
struct Failure {
  ChildStep step;
  int error_number;
};

Failure noexec_failure() noexcept { return {ChildStep::noexec, errno != 0 ? errno : EIO}; }

// fcntl only (no FIOCLEX ioctl), writing only when the flag changes, as
// CPython's _Py_set_inheritable_async_safe does.
int set_cloexec(int fd, bool cloexec) noexcept {
  const int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return -1;
  const int wanted = cloexec ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
  if (wanted == flags) return 0;
  return fcntl(fd, F_SETFD, wanted);
}

int close_if_set(int fd) noexcept { return fd != -1 ? close(fd) : 0; }

// fd 0/1/2 becomes `source`: dup2 clears close-on-exec on the target, but a
// dup2 onto itself is a no-op, so then the flag is cleared by hand.
int install_std_fd(int source, int target) noexcept {
  if (source == target) return set_cloexec(target, false);
  if (source == -1) return 0;
  return dup2(source, target) < 0 ? -1 : 0;
}

// After vfork the child shares the parent's memory, so a caught signal must
// not run the parent's handler: every handled signal that the child will not
// keep blocked goes back to SIG_DFL before the mask is restored.
void reset_handled_signals(const sigset_t& child_mask) noexcept {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < _NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (sigismember(&child_mask, sig) == 1) continue;
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) != 0) continue;  // libc-internal signals
    const void* handler = (current.sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(current.sa_sigaction)
                                                          : reinterpret_cast<void*>(current.sa_handler);
    if (handler == reinterpret_cast<void*>(SIG_IGN) || handler == reinterpret_cast<void*>(SIG_DFL)) continue;
    sigaction(sig, &default_action, nullptr);
  }
}

void restore_default(int sig) noexcept {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(sig, &default_action, nullptr);
}

// Every step of CPython 3.13's child_exec, in its order. Returns only on failure.
Failure run_steps(const ChildPlan& plan) noexcept {
  // 0. The caller's start hook (a fork child only; see ChildHooks).
  if (plan.hooks.at_child_start != nullptr) plan.hooks.at_child_start(plan.hooks.context);
  // 1. pass_fds become inheritable (errpipe_write stays close-on-exec).
  for (int fd : plan.fds_to_keep) {
    if (fd != plan.errpipe_write && set_cloexec(fd, false) != 0) return noexec_failure();
  }
  // 2. The parent's ends are not the child's business.
  if (close_if_set(plan.stdio.p2cwrite) != 0 || close_if_set(plan.stdio.c2pread) != 0 ||
      close_if_set(plan.stdio.errread) != 0 || close(plan.errpipe_read) != 0) {
    return noexec_failure();
  }
  // 3. Move sources that a lower dup2 would overwrite; the copies vanish at exec.
  const int p2cread = plan.stdio.p2cread;
  int c2pwrite = plan.stdio.c2pwrite;
  int errwrite = plan.stdio.errwrite;
  if (c2pwrite == 0) {
    if ((c2pwrite = dup(c2pwrite)) < 0 || set_cloexec(c2pwrite, true) != 0) return noexec_failure();
  }
  while (errwrite == 0 || errwrite == 1) {
    if ((errwrite = dup(errwrite)) < 0 || set_cloexec(errwrite, true) != 0) return noexec_failure();
  }
  // 4-6. stdin, stdout, stderr in that order.
  if (install_std_fd(p2cread, 0) != 0 || install_std_fd(c2pwrite, 1) != 0 || install_std_fd(errwrite, 2) != 0) {
    return noexec_failure();
  }
  // 7. cwd, reported with its own step so the parent can name the directory.
  if (plan.has_cwd && chdir(plan.cwd.c_str()) != 0) return {ChildStep::chdir, errno};
  // 8. umask cannot fail.
  if (plan.umask >= 0) ::umask(static_cast<mode_t>(plan.umask));
  // 9. The signals CPython ignores at start-up (Linux has no SIGXFZ).
  if (plan.restore_signals) {
    restore_default(SIGPIPE);
    restore_default(SIGXFSZ);
  }
  // 10. vfork only: no parent handler may run in the child, then the old mask.
  if (plan.after_vfork) {
    reset_handled_signals(plan.child_sigmask);
    if (const int rc = pthread_sigmask(SIG_SETMASK, &plan.child_sigmask, nullptr); rc != 0) {
      return {ChildStep::noexec, rc};
    }
  }
  // 11-12. Session, then process group (so setsid + process_group=0 is EPERM, as in CPython).
  if (plan.start_new_session && setsid() < 0) return noexec_failure();
  if (plan.process_group >= 0 && setpgid(0, plan.process_group) != 0) return noexec_failure();
  // 13-15. Groups first and the uid last, so dropping privileges works.
  if (plan.credentials.groups && setgroups(plan.groups.size(), plan.groups.data()) != 0) return noexec_failure();
  if (plan.credentials.gid && setregid(*plan.credentials.gid, *plan.credentials.gid) != 0) return noexec_failure();
  if (plan.credentials.uid && setreuid(*plan.credentials.uid, *plan.credentials.uid) != 0) return noexec_failure();
  // 15b. The caller's pre-exec hook; fds it opens are closed by step 16.
  if (plan.hooks.before_close_fds != nullptr && plan.hooks.before_close_fds(plan.hooks.context) != 0) {
    return {ChildStep::preexec, 0};
  }
  // 16. close_fds; like CPython, a failure to close is not a spawn failure,
  // except for a forced strategy that could not run at all.
  if (plan.close_fds) {
    const KeptFds keep{plan.fds_to_keep.data(), static_cast<int>(plan.fds_to_keep.size())};
    const int rc = close_open_fds(plan.close_strategy, 3, keep, plan.brute_force_limit);
    if (rc < 0 && plan.close_strategy != CloseStrategy::automatic) return {ChildStep::noexec, -rc};
  }
  // 17. Each candidate in turn; keep the first error that says more than
  // "not here", else the last one.
  char* const* envp = plan.has_env ? plan.envp.data() : environ;
  char* const* argv = plan.has_argv ? plan.argv.data() : nullptr;
  int kept_errno = 0;
  int last_errno = ENOENT;
  for (char* const* candidate = plan.exec_candidates.data(); *candidate != nullptr; ++candidate) {
    execve(*candidate, argv, envp);
    last_errno = errno;
    if (kept_errno == 0 && last_errno != ENOENT && last_errno != ENOTDIR) kept_errno = last_errno;
  }
  return {ChildStep::exec, kept_errno != 0 ? kept_errno : last_errno};
}

}  // namespace

void run_child(const ChildPlan& plan) noexcept {
  const Failure failure = run_steps(plan);
  write_child_failure(plan.errpipe_write, plan.error_format, failure.step, failure.error_number);
  _exit(255);
}

}  // namespace spawn_core::detail
