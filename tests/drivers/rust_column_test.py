"""The Rust column (drivers/rust/, std::process::Command on the kit's external scenario parent).

Each mode first asks the column's discovery program for its descriptor and
exits 77 (skipped) when it reports the column unavailable (no rustc when
fdconform was configured).

  rust_column_test.py adapter --columns PROGRAM --work DIR
      the adapter program alone: --hello is one JSON object naming rust-<version>; its JSON reader
      refuses malformed request files (exit 2, the file and byte named); a spawn block std cannot
      express is written as no_api without the adapter stopping; an unknown spawn kind is refused.
  rust_column_test.py protocol --columns PROGRAM --work DIR -- PROTOCOL_TEST_ARGS...
      tests/drivers/protocol_test.py against the column. Every check it fails must be one of
      KNOWN_PROTOCOL_GAPS, each owned by the host or by the test's CPython-shaped expectations
      (docs/RUNTIMES.md, "Rust"): any other failure fails; a listed one that passes is a note.
  rust_column_test.py corpus --columns PROGRAM --work DIR --runner FDCONFORM --scenarios DIR
      the whole corpus through `fdconform run --impl rust-<version>`: every cell
      (runtime_column.check_corpus: no error but HOST_GAPS), and what Rust's Command does where
      CPython differs (RUST_CELLS: inheritable fds passed on, setsid and umask through pre_exec,
      /dev/null on a closed standard fd, no_api for pass_fds and fork_exec).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import runtime_column as rc

# protocol_test.py checks the Rust column fails for reasons outside drivers/rust/.
KNOWN_PROTOCOL_GAPS = {
    "test_file_action_outside_the_workdir":
        "host: a posix_spawn block's confinement is not checked before the adapter answers no_api",
    "test_each_spawn_kind_runs_the_probe":
        "host: a close-on-exec resource does not survive the adapter's exec, so the snapshot lacks it",
    "test_known_parent_state_reaches_the_probe":
        "host: a close-on-exec resource does not survive the adapter's exec, so the snapshot lacks it",
    "test_real_scenarios_pipelined_in_order":
        "host: a close-on-exec resource does not survive the adapter's exec, so the snapshot lacks it",
    "test_scenario_parent_that_dies_is_a_harness_error":
        "host: an adapter killed by a signal gives an error without harness_error",
    "test_steps_child_that_outlives_the_deadline_is_named_and_killed": "host: steps scenarios are skipped",
    "test_steps_holding_child_is_alive_during_later_steps": "host: steps scenarios are skipped",
    "test_steps_nested_spawn_is_the_forked_childs_child": "host: steps scenarios are skipped",
    "test_steps_parent_call_results": "host: steps scenarios are skipped",
    "test_exception_outcome":
        "protocol_test.py expects CPython's FileNotFoundError and a filename; Rust's class is its ErrorKind, "
        "NotFound, and std attaches no filename to a spawn error",
    "test_shell_command_report_path_with_space_and_quote":
        "protocol_test.py runs shell: true; Command has no shell option (no_api)",
    "test_preexec_exit_step_ends_the_child_before_exec":
        "protocol_test.py runs a preexec step; the column answers no_api",
}

HOST_GAPS = [
    # A scenario parent whose euid is nobody cannot list the adapter's /proc for its snapshot.
    rc.Gap("host", "snapshot as non-root euid", "for a parent snapshot: Permission denied",
           rc.in_scenarios("creds-euid-nobody-cannot-exec-root-only-file"), False),
]
RUNTIME_LIMITS = []

# What Rust's Command does where CPython's Popen does otherwise: scenario -> (verdict or None,
# {field: value}); a value ending in "..." is a prefix.
RUST_CELLS = {
    # Command never closes the parent's fds: every inheritable one (fds 5, 6, 7, 8, 10 and 11 of
    # that scenario; 9 is close-on-exec) reaches the child, where close_fds=True closes them.
    "fds-close-fds-true-drops-inheritable": ("differ", {"child.fds": "0,1,2,5,6,7,8,10,11"}),
    # start_new_session and umask through a pre_exec hook.
    "session-start-new-session": (None, {"child.session": "self"}),
    "umask-set-077": (None, {"child.umask": "077"}),
    # Rust's start-up opens /dev/null (read-write) on a closed standard fd, and the child inherits it.
    "lowfd-closed-stdin-stdout-pipe": (None, {"child.fd.0": "unknown:chr..."}),
    # What Command cannot say is no_api, named.
    "pass-fds-noninheritable-pipe": ("no-api", {"reason": rc.NO_API + "popen.pass_fds: fd 5..."}),
    "pass-fds-negative-after-pipes-is-fork-exec-valueerror": ("no-api", {"reason": rc.NO_API + "popen.pass_fds entry..."}),
    "signals-restore-off-fork-path": ("no-api", {"reason": rc.NO_API + "popen.restore_signals: false..."}),
}


def descriptor(options):
    """The column's descriptor file, or None when the column is unavailable here."""
    return rc.descriptor_file(options.columns, options.work)


def adapter(options):
    path = descriptor(options)
    if path is None:
        return rc.SKIP
    with open(path) as f:
        column = json.load(f)
    program = column["argv"][-1]
    failures = []
    hello = subprocess.run([program, "--hello"], stdout=subprocess.PIPE, universal_newlines=True, timeout=30)
    facts = json.loads(hello.stdout)
    if facts.get("id") != column["id"] or not re.match(r"^rust-[0-9]+\.[0-9]+\.[0-9]+", facts.get("id", "")):
        failures.append("--hello names %r, the column is %r" % (facts.get("id"), column["id"]))
    work = tempfile.mkdtemp(prefix="rust-adapter-", dir=options.work)
    outcome = os.path.join(work, "outcome.json")

    def run(request_text):
        request = os.path.join(work, "request.json")
        with open(request, "w") as f:
            f.write(request_text)
        if os.path.exists(outcome):
            os.unlink(outcome)
        done = subprocess.run([program, "--request=" + request], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=30)
        return done, request

    good = {"kind": "popen", "spawn": {"argv": ["/bin/true"], "pass_fds": [7]}, "outcome": outcome, "variant": {}}
    # Malformed request files: refused, naming the file and where.
    malformed = {
        "truncated": json.dumps(good)[:-5],
        "member given twice": '{"kind": "popen", "kind": "posix_spawn", "outcome": "%s"}' % outcome,
        "unknown escape": '{"kind": "po\\qpen", "outcome": "%s"}' % outcome,
        "leading zero": '{"kind": "popen", "spawn": {"pipesize": 01}, "outcome": "%s"}' % outcome,
        "lone surrogate": '{"kind": "\\udc00", "outcome": "%s"}' % outcome,
        "text after the value": json.dumps(good) + " {}",
    }
    for what, text in malformed.items():
        done, request = run(text)
        if done.returncode != 2 or request not in done.stderr or "byte " not in done.stderr:
            failures.append("%s: expected exit 2 naming %s and a byte offset, got %d: %r"
                            % (what, request, done.returncode, done.stderr))
        elif os.path.exists(outcome):
            failures.append("%s: an outcome file was written for a malformed request" % what)
    # A block std cannot express: no_api, written without stopping (a stop here would hang this test).
    done, _ = run(json.dumps(good))
    answer = json.load(open(outcome)) if os.path.exists(outcome) else None
    if done.returncode != 0 or not answer or not answer.get("no_api", "").startswith("popen.pass_fds: fd 7"):
        failures.append("pass_fds [7]: expected a no_api outcome naming popen.pass_fds, got %d %r %r"
                        % (done.returncode, answer, done.stderr))
    done, _ = run(json.dumps(dict(good, kind="teleport")))
    if done.returncode != 2 or "unknown spawn kind" not in done.stderr:
        failures.append("kind teleport: expected exit 2 naming an unknown spawn kind, got %d %r"
                        % (done.returncode, done.stderr))
    for failure in failures:
        print("FAIL: " + failure)
    print("adapter: %d checks, %d failed" % (len(malformed) + 3, len(failures)))
    return 1 if failures else 0


def protocol(options, rest):
    path = descriptor(options)
    if path is None:
        return rc.SKIP
    return rc.protocol(path, rest, KNOWN_PROTOCOL_GAPS)


def corpus(options):
    found = rc.usable(options.columns)
    if not found:
        return rc.SKIP
    column = found[0]["id"]
    document = rc.run_corpus(options, column, os.path.join(options.work, "corpus"))
    if document is None:
        return 1
    cells = rc.cells_of(document, column)
    problems = rc.check_corpus(document, column, options.scenarios, HOST_GAPS, RUNTIME_LIMITS)
    problems += rc.check_promised(cells, RUST_CELLS)
    if not any((c.get("reason") or "").startswith(rc.NO_API + "fork_exec") for c in cells.values()):
        problems.append("no fork_exec scenario answered no API: fork_exec")
    return rc.report(problems)


def main():
    argv, rest = rc.split_rest(sys.argv[1:])
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["adapter", "protocol", "corpus"])
    parser.add_argument("--columns", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runner")
    parser.add_argument("--scenarios")
    options = parser.parse_args(argv)
    if options.mode == "adapter":
        return adapter(options)
    if options.mode == "protocol":
        return protocol(options, rest)
    if options.runner is None or options.scenarios is None:
        parser.error("corpus needs --runner and --scenarios")
    return corpus(options)


if __name__ == "__main__":
    sys.exit(main())
