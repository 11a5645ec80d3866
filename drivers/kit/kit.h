/* The driver kit's entry point for adapters written in C (docs/DRIVERS.md,
 * "Writing a driver on the kit"). The kit speaks docs/PROTOCOL.md, builds each
 * scenario parent, takes its snapshots, maps the scenario's spawn block onto
 * the plain request below, waits for the child, reads the probe's report and
 * writes the result. The adapter only starts a child the way its
 * implementation does and says how that went. */
#ifndef FDCONFORM_KIT_KIT_H
#define FDCONFORM_KIT_KIT_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One fd the child gets: the parent's `parent_fd` at number `child_fd`. */
struct fdconform_child_fd {
  int child_fd;
  int parent_fd;
};

/* What to start. Everything is owned by the kit and valid during the call. */
struct fdconform_spawn {
  const char *program;           /* the file to execute (popen's executable, else argv[0]) */
  const char *const *argv;       /* NULL-terminated; the probe's --report= argument is already in it */
  const char *const *envp;       /* NULL-terminated replacement environment, or NULL: the parent's environ */
  const char *cwd;               /* the child's working directory, or NULL: the parent's */
  const struct fdconform_child_fd *fds; /* stdio and extra fds, ascending by child_fd, each child_fd once */
  size_t fd_count;
  int close_other_fds;           /* nonzero: every fd above 2 not in `fds` is closed in the child;
                                    zero: the parent's inheritable fds stay, as a plain exec leaves them.
                                    fds 0..2 not in `fds` are inherited as they are either way. */
  int new_session;               /* nonzero: setsid() in the child */
  int process_group;             /* -1: none; otherwise setpgid(0, process_group) in the child */
  /* The scenario's preexec hook, or NULL: call preexec(preexec_steps) in the
   * child once its fds, cwd, session and group are set, right before exec.
   * It makes only async-signal-safe calls; it may end the child itself (an
   * exit step); nonzero means it failed, and the child should report that
   * failure (no errno) and exit without exec. */
  int (*preexec)(const void *preexec_steps);
  const void *preexec_steps;
};

/* How a spawn went, filled in through the calls below. */
struct fdconform_outcome;

/* The spawn call failed: `error_number` (0 for an argument error with no
 * errno), the error's class in the implementation's own vocabulary, the file
 * it names (or NULL) and its message. */
void fdconform_report_error(struct fdconform_outcome *outcome, int error_number, const char *error_class,
                            const char *filename, const char *message);

/* The implementation has no way to express what the scenario asks: the cell
 * becomes "no API" with `capability` named (for example "popen.umask"). */
void fdconform_report_no_api(struct fdconform_outcome *outcome, const char *capability);

/* The class CPython gives an OSError with this errno (PEP 3151: FileNotFoundError,
 * PermissionError, ..., else OSError), for an implementation without error
 * classes of its own that wants to be read in its reference's vocabulary. */
const char *fdconform_oserror_class(int error_number);

struct fdconform_adapter {
  /* The hello (docs/PROTOCOL.md): every string non-empty. */
  const char *id;
  const char *name;
  const char *version;
  const char *language;
  const char *detail;
  const char *python_semantics;  /* the CPython version whose semantics it follows, or NULL: none */
  const char *const *features;   /* NULL-terminated names from docs/FEATURES.md, or NULL */
  /* Starts the child and returns its pid (the kit waits for it), or returns
   * -1 after one fdconform_report_* call. Called in the scenario parent,
   * possibly from several threads at once (a scenario's together step). */
  pid_t (*spawn)(const struct fdconform_spawn *request, struct fdconform_outcome *outcome, void *context);
  void *context;
};

/* Serves docs/PROTOCOL.md on stdin and stdout until EOF; returns the exit status for main. */
int fdconform_serve(const struct fdconform_adapter *adapter);

#ifdef __cplusplus
}
#endif

#endif
