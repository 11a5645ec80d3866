"""The Perl column (drivers/perl/, on the kit's external scenario parent).

Each mode first asks the column's discovery program for its descriptor and
exits 77 (skipped) when it reports perl unavailable.

  perl_column_test.py protocol --columns PROGRAM --work DIR -- PROTOCOL_TEST_ARGS...
      tests/drivers/protocol_test.py against the column (its args after --, --driver added).
  perl_column_test.py corpus --columns PROGRAM --work DIR --runner FDCONFORM --scenarios DIR
      the whole corpus on the column: every cell (runtime_column.check_corpus: no error cell but
      the host's gaps, HOST_GAPS, and perl's own limits, RUNTIME_LIMITS (docs/RUNTIMES.md,
      "Perl"), each only in the scenarios it concerns and with its own reason; every scenario
      with the unresolved-block gap must show it); then what the column's map promises, from
      the same run: PERL_CELLS (the no_api cells that must appear, Perl's $! outcome, Perl's own
      start-up state, pass_fds closing the other fds, a die in the child).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import re
import sys

import runtime_column as rc


def spawn_text(text):
    """The scenario's spawn block, as text; empty for a steps scenario (the host skips those)."""
    if re.search(r"^steps:", text, re.M):
        return ""
    found = re.search(r"^spawn:\n((?:[ #].*\n|\n)*)", text + "\n", re.M)
    return found.group(1) if found else ""


# What fdconform-kit-host cannot do yet for this column, as error cells (docs/RUNTIMES.md, "Perl").
HOST_GAPS = [
    # fork_exec blocks and preexec lists reach the adapter with resource names and placeholders
    # unresolved; the adapter says so and exits 3 (drivers/perl/adapter.pl, host_gap). Allowed, not
    # required: the host is learning to resolve them, and each block it resolves becomes a real cell.
    rc.Gap("host", "unresolved block", "exited with status 3",
           lambda scenario, text: re.search(r"^\s*(fork_exec|preexec):", spawn_text(text), re.M) is not None, False),
    # A scenario parent whose euid is not root cannot list the adapter's /proc for the snapshot.
    rc.Gap("host", "snapshot as non-root euid", "for a parent snapshot: Permission denied",
           lambda scenario, text: re.search(r"^\s+credentials:.*\beuid:\s*[1-9]", text, re.M | re.S) is not None,
           False),
]
# Perl's own limits, as error cells: none left. A parent whose fd table is full up to a lowered
# RLIMIT_NOFILE before perl starts leaves perl no fd to load its modules; the adapter answers that
# no_api (PERL_CELLS) instead of dying with EMFILE.
RUNTIME_LIMITS = []

# Cells the column's capability map decides (docs/RUNTIMES.md, "Perl"): scenario -> (verdict,
# {field: value}); "reason" is the cell's reason, a value ending in "..." a prefix.
PERL_CELLS = {
    # $) is Perl's only setgroups and cannot pass an empty list.
    "creds-extra-groups-empty": ("no-api", {"reason": rc.NO_API + "popen.extra_groups: []..."}),
    # No posix_spawn in Perl's POSIX module: a posix_spawn block that needs no feature is no_api.
    "argument-posix-spawn-missing-before-3-8": ("no-api", {"reason": rc.NO_API + "posix_spawn..."}),
    # A failed exec in the forked child reaches the parent as $! (errno, no filename).
    "exec-missing-executable": ("differ", {"outcome": "exception", "outcome.errno": "ENOENT",
                                           "outcome.error_class": "$!", "outcome.filename": None}),
    # Perl sets an ignored SIGCHLD back to the default at start-up, so the child does not inherit it.
    "signals-sigchld-ignored-parent": ("differ", {"child.signals.ignored": ""}),
    # perl cannot start in a fd table the host fills before it: no_api, naming it, never an EMFILE death.
    "stdio-pipe-emfile-closes-earlier-pipes": ("no-api", {"reason": rc.NO_API + "a scenario fd table full before perl starts..."}),
    # A non-empty pass_fds closes every other fd, close_fds: false or not (Popen's pass_fds overriding close_fds).
    "pass-fds-forces-close-fds": (None, {"child.fds": "0,1,2,5"}),
    # A die in the forked child reaches the parent as die, with its text and without its final newline.
    "preexec-raises": ("differ", {"outcome.error_class": "die", "outcome.message": "the child's code before exec died"}),
}


def descriptor(options):
    """The column's descriptor file, or None when perl is unavailable here."""
    return rc.descriptor_file(options.columns, options.work)


def protocol(options, rest):
    path = descriptor(options)
    if path is None:
        return rc.SKIP
    return rc.protocol(path, rest, {})


def corpus(options):
    found = rc.usable(options.columns)
    if not found:
        return rc.SKIP
    column = found[0]["id"]
    document = rc.run_corpus(options, column, options.work + "/corpus")
    if document is None:
        return 1
    problems = rc.check_corpus(document, column, options.scenarios, HOST_GAPS, RUNTIME_LIMITS)
    problems += rc.check_promised(rc.cells_of(document, column), PERL_CELLS)
    return rc.report(problems)


def main():
    argv, rest = rc.split_rest(sys.argv[1:])
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["protocol", "corpus"])
    parser.add_argument("--columns", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runner")
    parser.add_argument("--scenarios")
    options = parser.parse_args(argv)
    if options.mode == "protocol":
        return protocol(options, rest)
    if options.mode == "corpus" and not (options.runner and options.scenarios):
        parser.error("corpus needs --runner and --scenarios")
    return corpus(options)


if __name__ == "__main__":
    sys.exit(main())
