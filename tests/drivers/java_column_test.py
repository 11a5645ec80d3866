"""The Java column (drivers/java/, on the kit's external scenario parent).

  java_column_test.py corpus --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      runs the whole corpus on the first JDK's default-mechanism column (exits 77, skipped, when
      the discovery program lists none) and checks every cell (runtime_column.check_corpus: no
      error but HOST_GAPS) and the cells the capability map in docs/RUNTIMES.md ("Java")
      promises, from the same run (JAVA_CELLS).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import sys

import runtime_column as rc

HOST_GAPS = [
    # A scenario parent whose euid is not root cannot read the JVM's /proc for the snapshot.
    rc.Gap("host", "snapshot as non-root euid", "for a parent snapshot: Permission denied",
           rc.in_scenarios("creds-euid-nobody-cannot-exec-root-only-file"), False),
]
RUNTIME_LIMITS = []


def signal_mask_unblocked(major):
    """JDK 20 clears the child's blocked mask on its default (posix_spawn) path (JDK-8234262)."""
    return major >= 20


# Scenario -> (verdict or None, {field: value}); a callable value takes the JDK's major version.
JAVA_CELLS = {
    # The JDK closes every fd above 2 in the child, inheritable or not: Popen's close_fds=True.
    "fds-close-fds-true-drops-inheritable": (None, {"child.fds": "0,1,2"}),
    # Redirect has no "this parent fd": a child fd other than 0-2 cannot be asked for.
    "pass-fds-above-1024": ("no-api", {"reason": rc.NO_API + "popen.pass_fds (a child gets fds 0-2 only)"}),
    # A failed start is an IOException whose text carries the errno (parsed from it, both JDK wordings).
    "exec-missing-executable": ("differ", {"outcome": "exception", "outcome.error_class": "IOException",
                                           "outcome.errno": "ENOENT"}),
    # The JVM blocks SIGQUIT in its threads; before JDK 20 the child inherited that mask.
    "argv-items-reach-child-verbatim": (None, {"child.signals.blocked":
                                               lambda major: "" if signal_mask_unblocked(major) else "SIGQUIT"}),
}


def corpus(options):
    found = rc.usable(options.columns, lambda c: not c["id"].endswith("-fork"))
    if not found:
        return rc.SKIP
    column = found[0]["id"]
    major = int(column.split("-")[1].split(".")[0])
    document = rc.run_corpus(options, column, options.work)
    if document is None:
        return 1
    problems = rc.check_corpus(document, column, options.scenarios, HOST_GAPS, RUNTIME_LIMITS)
    problems += rc.check_promised(rc.cells_of(document, column), JAVA_CELLS, argument=major)
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
