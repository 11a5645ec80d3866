"""The Node.js column (drivers/node/, on the kit's external scenario parent).

Each mode first asks the column's discovery program for its descriptor (the
child_process.spawn column, or with --api spawnSync the spawnSync one) and
exits 77 (skipped) when it reports node unavailable.

  node_column_test.py protocol --columns PROGRAM --work DIR -- PROTOCOL_TEST_ARGS...
      tests/drivers/protocol_test.py against the column (its args after --, --driver added): every
      check it fails must be one of KNOWN_PROTOCOL_GAPS, each the host's or the corpus's, never the
      adapter's; a gap that closes is printed as a note.
  node_column_test.py corpus --columns PROGRAM --work DIR --runner FDCONFORM --scenarios DIR
      the whole corpus on the column: every cell (runtime_column.check_corpus: no error cell at
      all, node has no gap left) and the cells its capability map promises (NODE_CELLS).
  node_column_test.py runtime-owned --columns PROGRAM --work DIR --probe PROBE --reference DESCRIPTOR
      replays scenarios on the node column and on a column whose scenario parent is the kit's own
      process (REFERENCE), and compares their parent snapshots as the runner's parent-state check
      does: equal once each result's runtime_owned fds and signals are left out, and different
      without that (node's own event-loop fds and handlers), which shows the check can fail.

  node_column_test.py host --columns PROGRAM --work DIR --probe PROBE
      what the external-runtime host does for node: a non-inheritable resource is in node's
      parent (carried through its exec, close-on-exec again), {parent_pid} is node's pid (the
      probe's parent), and a non-inheritable fd above node's start-up sweep is no_api.

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import runtime_column as rc

# protocol_test.py checks the node column fails for reasons outside drivers/node/.
STEPS_GAP = "host: steps scenarios are skipped (the external-runtime host runs single spawns only so far)"
KNOWN_PROTOCOL_GAPS = {
    "test_steps_child_that_outlives_the_deadline_is_named_and_killed": STEPS_GAP,
    "test_steps_holding_child_is_alive_during_later_steps": STEPS_GAP,
    "test_steps_nested_spawn_is_the_forked_childs_child": STEPS_GAP,
    "test_steps_parent_call_results": STEPS_GAP,
    "test_real_scenarios_pipelined_in_order":
        "the scenarios' expect blocks are CPython's: fds-close-fds-false-leaks-inheritable expects the "
        "inherited fds in the child, and node makes every fd it inherits close-on-exec at start-up",
}


HOST_GAPS = []
RUNTIME_LIMITS = []

# Cells the capability map in docs/RUNTIMES.md ("Node.js") promises, on both columns.
NODE_CELLS = {
    # libuv closes no fd it did not open, but node made every fd it inherited close-on-exec at start-up.
    "fds-close-fds-false-leaks-inheritable": ("differ", {"child.fds": "0,1,2"}),
    # A failed spawn is a plain Error with the errno's code.
    "exec-missing-executable": ("differ", {"outcome.error_class": "Error", "outcome.errno": "ENOENT"}),
    # detached: true is setsid in the child.
    "session-start-new-session": (None, {"child.session": "self"}),
}


def is_api(options):
    return lambda column: column["id"].endswith("-spawnSync") == (options.api == "spawnSync")


def descriptor(options):
    """The column's descriptor file, or None when node is unavailable here."""
    return rc.descriptor_file(options.columns, options.work, is_api(options))


def protocol(options, rest):
    path = descriptor(options)
    if path is None:
        return rc.SKIP
    return rc.protocol(path, rest, KNOWN_PROTOCOL_GAPS)


def corpus(options):
    found = rc.usable(options.columns, is_api(options))
    if not found:
        return rc.SKIP
    column = found[0]["id"]
    document = rc.run_corpus(options, column, os.path.join(options.work, "corpus"))
    if document is None:
        return 1
    problems = rc.check_corpus(document, column, options.scenarios, HOST_GAPS, RUNTIME_LIMITS)
    problems += rc.check_promised(rc.cells_of(document, column), NODE_CELLS)
    return rc.report(problems)


SCENARIOS = [
    {"id": "node-owned-baseline", "spawn": {"popen": {}}},
    {"id": "node-owned-signals", "parent": {"signals": {"ignore": ["SIGHUP"], "block": ["SIGUSR2"]}},
     "spawn": {"popen": {"stdout": "pipe"}}},
]


def replay(argv, scenarios, probe, work):
    """Results of `scenarios` from the driver started with argv."""
    lines, workdirs = [], []
    for scenario in scenarios:
        workdir = tempfile.mkdtemp(dir=work)
        os.chmod(workdir, 0o777)
        workdirs.append(workdir)
        lines.append(json.dumps({"request": 1, "scenario": scenario, "workdir": workdir, "probe": probe,
                                 "timeout_ms": 10000, "variant": {}}))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"}
    done = subprocess.run(argv, input="\n".join(lines) + "\n", stdout=subprocess.PIPE, universal_newlines=True,
                          env=env, timeout=120)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return messages[1:], workdirs


def parent_state(result, workdir, leave_out_runtime_owned):
    """The parent snapshot as the parent-state check compares it: fds by number, signals, the rest."""
    parent = result["parent"]
    owned = result.get("runtime_owned") or {} if leave_out_runtime_owned else {}
    owned_fds, owned_signals = set(owned.get("fds", [])), set(owned.get("signals", []))
    # A scenario fd whose close-on-exec flag the runtime changed is compared with the scenario's flag
    # (docs/PROTOCOL.md, reflagged_fds), as the runner's parent check does.
    reflagged = set(owned.get("reflagged_fds", []))
    fds = {}
    for entry in parent["fds"]:
        if entry["fd"] in owned_fds:
            continue
        cloexec = entry["cloexec"] != (entry["fd"] in reflagged)
        fds[entry["fd"]] = (entry["kind"], entry["access"], tuple(entry["flags"]), cloexec,
                            entry["path"].replace(workdir, "{workdir}") if entry["kind"] in ("file", "dir") else "")
    signals = {which: [name for name in parent["signals"][which] if name not in owned_signals]
               for which in ("ignored", "caught", "blocked")}
    return {"fds": fds, "signals": signals, "umask": parent["umask"],
            "cwd": parent["cwd"].replace(workdir, "{workdir}"), "rlimit": parent["rlimit_nofile"]}


def runtime_owned(options):
    path = descriptor(options)
    if path is None:
        return rc.SKIP
    with open(path) as f:
        node_argv = json.load(f)["argv"]
    with open(options.reference) as f:
        reference_argv = json.load(f)["argv"]
    work = tempfile.mkdtemp(prefix="node-owned-")
    try:
        node, node_dirs = replay(node_argv, SCENARIOS, options.probe, work)
        reference, reference_dirs = replay(reference_argv, SCENARIOS, options.probe, work)
        failures = []
        for i, scenario in enumerate(SCENARIOS):
            name = scenario["id"]
            if node[i]["status"] != "ran" or reference[i]["status"] != "ran":
                failures.append("%s: not run (%s / %s)" % (name, node[i].get("reason"), reference[i].get("reason")))
                continue
            if not node[i].get("runtime_owned", {}).get("fds"):
                failures.append("%s: the node result declares no runtime-owned fd" % name)
            with_declaration = parent_state(node[i], node_dirs[i], True)
            expected = parent_state(reference[i], reference_dirs[i], True)
            # The reference owns nothing, so only node's declaration may be left out of its side.
            for key in ("fds", "signals"):
                if key == "signals":
                    owned = set(node[i]["runtime_owned"]["signals"])
                    expected[key] = {w: [s for s in names if s not in owned] for w, names in expected[key].items()}
                else:
                    expected[key] = {fd: v for fd, v in expected[key].items() if fd not in node[i]["runtime_owned"]["fds"]}
            if with_declaration != expected:
                failures.append("%s: parent states differ with runtime_owned left out:\n  node %s\n  ref  %s"
                                % (name, with_declaration, expected))
            without = parent_state(node[i], node_dirs[i], False)
            plain_reference = parent_state(reference[i], reference_dirs[i], False)
            if without == plain_reference:
                failures.append("%s: without the runtime_owned declaration the parent states still agree: "
                                "the check could not see node's own fds" % name)
            else:
                extra = sorted(set(without["fds"]) - set(plain_reference["fds"]))
                print("%s: without runtime_owned the check sees node's fds %s (%s)"
                      % (name, extra, ", ".join(sorted({without["fds"][fd][0] for fd in extra}))))
        for failure in failures:
            print("FAIL: " + failure)
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


HOST_SCENARIOS = [
    {"id": "node-host-carried", "parent": {"resources": [{"name": "hidden", "kind": "file", "fd": 8}]},
     "spawn": {"popen": {"argv": ["{probe}", "{parent_pid}"]}}},
    {"id": "node-host-above-sweep", "parent": {"resources": [{"name": "high", "kind": "file", "fd": 40}]},
     "spawn": {"popen": {"argv": ["{probe}"]}}},
]


def host(options):
    path = descriptor(options)
    if path is None:
        return rc.SKIP
    with open(path) as f:
        node_argv = json.load(f)["argv"]
    work = tempfile.mkdtemp(prefix="node-host-")
    try:
        (carried, above), dirs = replay(node_argv, HOST_SCENARIOS, options.probe, work)
        failures = []
        if carried.get("status") != "ran":
            failures.append("node-host-carried: not run: %s" % carried)
        else:
            fds = dict((e["fd"], e) for e in carried["parent"]["fds"])
            hidden = fds.get(8) or {}
            if not (hidden.get("path", "").endswith("/hidden") and hidden.get("cloexec")):
                failures.append("node-host-carried: fd 8 in node's parent is %s, not the close-on-exec file hidden" % hidden)
            if 8 in carried["runtime_owned"]["fds"]:
                failures.append("node-host-carried: the carried fd 8 is declared runtime-owned")
            probe = carried.get("probe") or {}
            if probe.get("argv", [None, None])[1] != str(probe.get("ppid")):
                failures.append("node-host-carried: {parent_pid} is %r, the probe's parent %r"
                                % (probe.get("argv", [None, None])[1], probe.get("ppid")))
        if above.get("status") != "no_api" or "fd 40" not in (above.get("capability") or ""):
            failures.append("node-host-above-sweep: expected no_api naming fd 40, got %s %s"
                            % (above.get("status"), above.get("capability") or above.get("reason")))
        for failure in failures:
            print("FAIL: " + failure)
        print("host: %d checks, %d failed" % (4, len(failures)))
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    argv, rest = rc.split_rest(sys.argv[1:])
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["protocol", "corpus", "runtime-owned", "host"])
    parser.add_argument("--columns", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runner")
    parser.add_argument("--scenarios")
    parser.add_argument("--probe")
    parser.add_argument("--reference")
    parser.add_argument("--api", choices=["spawn", "spawnSync"], default="spawn")
    options = parser.parse_args(argv)
    if options.mode == "protocol":
        return protocol(options, rest)
    if options.mode == "corpus":
        return corpus(options)
    if options.mode == "host":
        return host(options)
    return runtime_owned(options)


if __name__ == "__main__":
    sys.exit(main())
