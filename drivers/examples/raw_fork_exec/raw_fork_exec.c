/* A column written on the driver kit (docs/DRIVERS.md, "Writing a driver on
 * the kit"): the child is started by hand with fork and execve, no spawn
 * library, so the matrix shows what a C program doing that gets.
 *
 * Between fork and exec the child makes only async-signal-safe calls, and
 * every failure there leaves through one exit: the step and errno written to
 * a close-on-exec pipe, which the parent reads (end of file: exec succeeded). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit/kit.h"

extern char **environ;

enum child_step { step_fds, step_chdir, step_session, step_group, step_preexec, step_exec };

struct child_failure {
  int step;
  int error_number;
};

static void fail_in_child(int report_fd, int step) {
  const struct child_failure failure = {step, errno};
  ssize_t ignored = write(report_fd, &failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

/* Each wanted fd (and the report pipe) is copied above every target first, so
 * placing one cannot overwrite the source of another; dup2 then leaves each
 * target inheritable (the copies are close-on-exec). */
static int place_fds(const struct fdconform_spawn *request, int *report_fd) {
  int above = 3;
  for (size_t i = 0; i < request->fd_count; ++i)
    if (request->fds[i].child_fd >= above) above = request->fds[i].child_fd + 1;
  if (*report_fd < above && (*report_fd = fcntl(*report_fd, F_DUPFD_CLOEXEC, above)) < 0) return -1;
  int copies[request->fd_count + 1];
  for (size_t i = 0; i < request->fd_count; ++i)
    if ((copies[i] = fcntl(request->fds[i].parent_fd, F_DUPFD_CLOEXEC, above)) < 0) return -1;
  for (size_t i = 0; i < request->fd_count; ++i)
    if (dup2(copies[i], request->fds[i].child_fd) < 0) return -1;
  return 0;
}

/* Last before exec, so what the preexec hook opened goes too: every fd above 2
 * becomes close-on-exec, then the wanted ones inheritable again. */
static int close_other_fds(const struct fdconform_spawn *request) {
#ifdef RAW_FORK_EXEC_BREAK_CLOSE_OTHER_FDS
  /* The deliberate bug of the mutant build (tests/drivers/raw_fork_exec_test.py): other fds leak. */
  if (request->close_other_fds) return 0;
#endif
  if (!request->close_other_fds) return 0;
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) return -1;
  for (size_t i = 0; i < request->fd_count; ++i)
    if (request->fds[i].child_fd > 2 && fcntl(request->fds[i].child_fd, F_SETFD, 0) != 0) return -1;
  return 0;
}

static void run_child(const struct fdconform_spawn *request, int report_fd) {
  if (place_fds(request, &report_fd) != 0) fail_in_child(report_fd, step_fds);
  if (request->cwd && chdir(request->cwd) != 0) fail_in_child(report_fd, step_chdir);
  if (request->new_session && setsid() < 0) fail_in_child(report_fd, step_session);
  if (request->process_group >= 0 && setpgid(0, request->process_group) != 0) fail_in_child(report_fd, step_group);
  if (request->preexec && request->preexec(request->preexec_steps) != 0) {
    errno = 0;
    fail_in_child(report_fd, step_preexec);
  }
  if (close_other_fds(request) != 0) fail_in_child(report_fd, step_fds);
  execve(request->program, (char *const *)request->argv, (char *const *)(request->envp ? request->envp : (const char *const *)environ));
  fail_in_child(report_fd, step_exec);
}

static pid_t spawn(const struct fdconform_spawn *request, struct fdconform_outcome *outcome, void *context) {
  (void)context;
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    fdconform_report_error(outcome, errno, fdconform_oserror_class(errno), NULL, strerror(errno));
    return -1;
  }
  const pid_t pid = fork();
  if (pid == 0) run_child(request, report[1]);
  const int fork_error = errno;
  close(report[1]);
  struct child_failure failure = {0, 0};
  ssize_t got = 0;
  if (pid > 0)
    while ((got = read(report[0], &failure, sizeof failure)) < 0 && errno == EINTR) {
    }
  close(report[0]);
  if (pid > 0 && got == 0) return pid; /* end of file: the exec closed the pipe */
  if (pid > 0) waitpid(pid, NULL, 0);
  if (got == (ssize_t)sizeof failure && failure.step == step_preexec) {
    /* No errno: the scenario's hook failed. Named as its reference names it. */
    fdconform_report_error(outcome, 0, "SubprocessError", NULL, "Exception occurred in preexec_fn.");
    return -1;
  }
  const int error_number = pid < 0 ? fork_error : got == (ssize_t)sizeof failure ? failure.error_number : EPIPE;
  const char *filename = failure.step == step_chdir ? request->cwd : failure.step == step_exec ? request->program : NULL;
  fdconform_report_error(outcome, error_number, fdconform_oserror_class(error_number), filename, strerror(error_number));
  return -1;
}

int main(void) {
  static const struct fdconform_adapter adapter = {
      .id = "raw_fork_exec",
      .name = "raw fork+execve",
      .version = "1",
      .language = "c",
      .detail = "fork, fd placement, chdir, setsid/setpgid, execve; no PATH search, signals untouched",
      .python_semantics = NULL,
      .features = NULL,
      .spawn = spawn,
      .context = NULL,
  };
  return fdconform_serve(&adapter);
}
