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
      the whole corpus through `fdconform run --impl rust-<version>`: a verdict for every scenario, no error but
      KNOWN_HOST_ERRORS, and what Rust's Command does where CPython differs (inheritable fds
      passed on, setsid and umask through pre_exec, /dev/null on a closed standard fd, no_api for
      pass_fds and fork_exec).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SKIP = 77

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

# Error cells the corpus may hold, and why (each is the host's, docs/RUNTIMES.md "Rust").
KNOWN_HOST_ERRORS = {
    "creds-euid-nobody-cannot-exec-root-only-file":
        "a scenario parent whose euid is nobody cannot list the adapter's /proc for its snapshot",
}


def descriptor(options):
    """The column's descriptor file, or None when the column is unavailable here."""
    out = subprocess.run([options.columns], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    usable = [line for line in lines if "argv" in line]
    if not usable:
        print("skipped: " + "; ".join(line.get("unavailable", "?") for line in lines))
        return None
    os.makedirs(options.work, exist_ok=True)
    path = os.path.join(options.work, "rust.json")
    with open(path, "w") as f:
        json.dump(usable[0], f)
    return path


def adapter(options):
    path = descriptor(options)
    if path is None:
        return SKIP
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
        return SKIP
    done = subprocess.run([sys.executable] + rest + ["--driver", path], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    print(done.stdout[-6000:])
    failed = set(re.findall(r"^(?:FAIL|ERROR): (test_\w+)", done.stdout, re.M))
    ran = re.search(r"^Ran (\d+) tests?", done.stdout, re.M)
    problems = []
    if not ran:
        problems.append("protocol_test.py ran no tests (exit status %d)" % done.returncode)
    for name in sorted(failed - set(KNOWN_PROTOCOL_GAPS)):
        problems.append("%s fails, and it is no known gap" % name)
    # protocol_test.py and the host change under this list: a gap that closed is a note, not a failure.
    for name in sorted(set(KNOWN_PROTOCOL_GAPS) - failed):
        print("note: %s passes now; it can leave KNOWN_PROTOCOL_GAPS (%s)" % (name, KNOWN_PROTOCOL_GAPS[name]))
    for name in sorted(failed & set(KNOWN_PROTOCOL_GAPS)):
        print("known gap: %s: %s" % (name, KNOWN_PROTOCOL_GAPS[name]))
    for problem in problems:
        print("FAIL: " + problem)
    return 1 if problems else 0


def rust_behaviour(cells):
    """What Rust's Command does where CPython's Popen does otherwise: problems, if it does not."""
    problems = []

    def observed(scenario, field):
        cell = cells.get(scenario)
        if cell is None or cell.get("verdict") in ("skip", "no-api", "error"):
            problems.append("%s: did not run (%s)" % (scenario, cell and cell.get("reason")))
            return None
        return (cell.get("observation") or {}).get(field)

    # Command never closes the parent's fds: every inheritable one (fds 5, 6, 7, 8, 10 and 11 of
    # that scenario; 9 is close-on-exec) reaches the child, where close_fds=True closes them.
    fds = observed("fds-close-fds-true-drops-inheritable", "child.fds")
    if fds is not None and fds.split(",") != ["0", "1", "2", "5", "6", "7", "8", "10", "11"]:
        problems.append("fds-close-fds-true-drops-inheritable: the child's fds are %r, not 0-2 and the six "
                        "inheritable resources" % fds)
    # start_new_session and umask through a pre_exec hook.
    session = observed("session-start-new-session", "child.session")
    if session is not None and session != "self":
        problems.append("session-start-new-session: child.session %r, not self (setsid in pre_exec)" % session)
    umask = observed("umask-set-077", "child.umask")
    if umask is not None and umask != "077":
        problems.append("umask-set-077: child.umask %r, not 077 (umask in pre_exec)" % umask)
    # Rust's start-up opens /dev/null on a closed standard fd, and the child inherits it.
    stdin = observed("lowfd-closed-stdin-stdout-pipe", "child.fd.0")
    if stdin is not None and not (stdin.startswith("unknown:chr") and stdin.endswith("rdwr")):
        problems.append("lowfd-closed-stdin-stdout-pipe: child.fd.0 %r, not the /dev/null Rust opened" % stdin)
    # What Command cannot say is no_api, named.
    for scenario, capability in (("pass-fds-noninheritable-pipe", "popen.pass_fds: fd 5"),
                                 ("pass-fds-negative-after-pipes-is-fork-exec-valueerror", "popen.pass_fds entry"),
                                 ("signals-restore-off-fork-path", "popen.restore_signals: false")):
        cell = cells.get(scenario) or {}
        if cell.get("verdict") != "no-api" or capability not in (cell.get("reason") or ""):
            problems.append("%s: expected no API naming %r, got %s %r"
                            % (scenario, capability, cell.get("verdict"), cell.get("reason")))
    if not any((c.get("reason") or "").startswith("no API: fork_exec") for c in cells.values()):
        problems.append("no fork_exec scenario answered no API: fork_exec")
    return problems


def corpus(options):
    path = descriptor(options)
    if path is None:
        return SKIP
    with open(path) as f:
        column = json.load(f)["id"]
    out = os.path.join(options.work, "corpus")
    os.makedirs(out, exist_ok=True)
    results = os.path.join(out, "results.json")
    # The column as discovery finds it (the runner's drivers directory, or FDCONFORM_DRIVERS_DIR):
    # --driver with the same descriptor would name it twice.
    command = [options.runner, "run", options.scenarios, "--impl", column, "--no-expectations", "--json", results, "-j2"]
    print("running: " + " ".join(command), flush=True)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    if not os.path.exists(results):
        print("FAIL: the run wrote no results document")
        return 1
    with open(results) as f:
        document = json.load(f)
    cells = dict((c["scenario"], c) for c in document["cells"] if c["implementation"] == column)
    import raw_fork_exec_test
    problems = []
    counts = {}
    for scenario in (s["id"] for s in document["scenarios"]):
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: no cell for %s" % (scenario, column))
            continue
        verdict, reason = cell.get("verdict"), cell.get("reason") or ""
        counts[verdict] = counts.get(verdict, 0) + 1
        if verdict not in raw_fork_exec_test.VERDICTS:
            problems.append("%s: verdict %r" % (scenario, verdict))
        elif verdict == "error" and scenario not in KNOWN_HOST_ERRORS:
            problems.append("%s: an error cell: %s" % (scenario, reason))
        elif verdict == "error":
            print("known host error: %s: %s" % (scenario, KNOWN_HOST_ERRORS[scenario]))
        elif verdict == "no-api" and not reason.startswith(raw_fork_exec_test.NO_API):
            problems.append("%s: a no-api cell whose reason names no capability: %r" % (scenario, reason))
    print("%s: %s" % (column, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    problems += rust_behaviour(cells)
    for problem in problems:
        print("FAIL: " + problem)
    return 1 if problems else 0


def main():
    argv = sys.argv[1:]
    rest = []
    if "--" in argv:
        rest = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
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
