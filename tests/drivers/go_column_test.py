"""The Go column (drivers/go/, os/exec on the kit's external scenario parent).

  go_column_test.py corpus --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      runs the whole corpus on the column (exits 77, skipped, when the discovery program lists it
      unavailable: no go tool when fdconform was configured) and checks every cell
      (runtime_column.check_corpus: no error but HOST_GAPS) and the cells the capability map in
      docs/RUNTIMES.md ("Go") promises, from the same run (GO_CELLS).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import sys

import runtime_column as rc

HOST_GAPS = [
    # A scenario parent whose euid is not root cannot read the adapter's /proc for the snapshot.
    rc.Gap("host", "snapshot as non-root euid", "for a parent snapshot: Permission denied",
           rc.in_scenarios("creds-euid-nobody-cannot-exec-root-only-file"), False),
]
RUNTIME_LIMITS = []

# Scenario -> (verdict or None, {field: value}) that must show; a value ending in "..." is a
# prefix. Each cell uses inheritable resources only, so it does not depend on whether the host
# carries close-on-exec fds through the adapter's exec.
GO_CELLS = {
    # exec.Cmd closes no fd it did not open: the inheritable fds above the highest ExtraFiles entry
    # (9, 200) reach the child; the nil ExtraFiles entry for fd 4, below the passed 6 and 7, is
    # closed in the child, as Popen's pass_fds closes it.
    "close-strategy-brute-force-keeps-pass-fds": ("differ", {"child.fds": "0,1,2,6,7,9,200"}),
    "fds-close-fds-true-drops-inheritable": ("differ", {"child.fds": "0,1,2,5,6,7,8,10,11"}),
    # SysProcAttr.Setsid.
    "session-start-new-session": (None, {"child.session": "self"}),
    # A failed start: the *fs.PathError of os.StartProcess, its Path the program, the Errno in it.
    "exec-missing-executable": ("differ", {"outcome": "exception", "outcome.error_class": "*fs.PathError",
                                           "outcome.errno": "ENOENT", "outcome.filename": "{workdir}/nope"}),
    # Without SysProcAttr, os.StartProcess stats Dir in the parent first: the error names chdir.
    "cwd-missing": ("differ", {"outcome.error_class": "*fs.PathError", "outcome.errno": "ENOENT",
                               "outcome.message": "chdir nope: no such file or directory"}),
    # exec.Command looks a bare name up in the parent's PATH, not in a replaced Env.
    "exec-path-search-env-path": ("differ", {"outcome.error_class": "*exec.Error",
                                             "outcome.filename": "fdconform-probe"}),
    # The runtime unblocks SIGHUP in its threads at start-up; the child gets the thread's mask.
    "signals-blocked-default-path": ("differ", {"child.signals.blocked": "SIGUSR1"}),
    # The runtime keeps an inherited SIG_IGN for SIGHUP and SIGINT only; exec resets its handlers.
    "signals-other-ignored-inherited": ("differ", {"child.signals.ignored": "SIGHUP"}),
    # Dir set and Env nil: os/exec adds PWD to the child's environment.
    "argv-items-reach-child-verbatim": ("differ", {"child.env":
        "PATH=/usr/local/bin:/usr/bin:/bin\nLANG=C\nFDCONFORM_SCENARIO=argv-items-reach-child-verbatim\nPWD={workdir}"}),
    # stdout and stderr pipes are two pipes, each the spawn's own (the adapter gives os/exec two writers).
    "stdio-pipe-all-three": (None, {"child.fd.0": "popen.pipe rdonly", "child.fd.2.shares": None}),
    # What os/exec cannot say.
    "signals-restore-off-fork-path": ("no-api", {"reason": rc.NO_API + "popen.restore_signals: false ..."}),
    "argument-umask-unknown-before-3-9": ("no-api", {"reason": rc.NO_API + "popen.umask ..."}),
    "pass-fds-negative-is-valueerror": ("no-api", {"reason": rc.NO_API + "popen.pass_fds entry -7 ..."}),
    "exec-shell-true": ("no-api", {"reason": rc.NO_API + "popen.shell ..."}),
}


def corpus(options):
    found = rc.usable(options.columns)
    if not found:
        return rc.SKIP
    column = found[0]["id"]
    document = rc.run_corpus(options, column, options.work)
    if document is None:
        return 1
    problems = rc.check_corpus(document, column, options.scenarios, HOST_GAPS, RUNTIME_LIMITS)
    problems += rc.check_promised(rc.cells_of(document, column), GO_CELLS)
    return rc.report(problems)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["corpus"])
    parser.add_argument("--columns", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--work", required=True)
    return corpus(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
