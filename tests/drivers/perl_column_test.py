"""The Perl column (drivers/perl/, on the kit's external scenario parent).

Each mode first asks the column's discovery program for its descriptor and
exits 77 (skipped) when it reports perl unavailable.

  perl_column_test.py protocol --columns PROGRAM --work DIR -- PROTOCOL_TEST_ARGS...
      tests/drivers/protocol_test.py against the column (its args after --, --driver added).
  perl_column_test.py corpus --columns PROGRAM --work DIR --runner FDCONFORM --scenarios DIR
      the whole corpus through `fdconform run --driver`: a verdict for every scenario and no
      error cell, except the host's gaps of HOST_GAPS (docs/RUNTIMES.md, "Perl"), each only in the
      scenarios it concerns and with its own reason, and every scenario with the first gap must
      show it; then what the column's map promises, from the same run: PERL_CELLS below (a no_api
      that must appear, Perl's $! outcome, Perl's own start-up state).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SKIP = 77


def spawn_text(text):
    """The scenario's spawn block, as text; empty for a steps scenario (the host skips those)."""
    if re.search(r"^steps:", text, re.M):
        return ""
    found = re.search(r"^spawn:\n((?:[ #].*\n|\n)*)", text + "\n", re.M)
    return found.group(1) if found else ""


# What fdconform-kit-host cannot do yet for this column, as error cells (docs/RUNTIMES.md, "Perl"):
# name, a text of the cell's reason, the scenarios it concerns (from the scenario file's text),
# and whether every such scenario must show it.
HOST_GAPS = [
    # fork_exec blocks and preexec lists reach the adapter with resource names and placeholders
    # unresolved; the adapter says so and exits 3 (drivers/perl/adapter.pl, host_gap).
    ("unresolved block", "exited with status 3",
     lambda text: re.search(r"^\s*(fork_exec|preexec):", spawn_text(text), re.M) is not None, True),
    # A scenario parent whose euid is not root cannot list the adapter's /proc for the snapshot.
    ("snapshot as non-root euid", "for a parent snapshot: Permission denied",
     lambda text: re.search(r"^\s+credentials:.*\beuid:\s*[1-9]", text, re.M | re.S) is not None, False),
    # Not the host's but perl's own: a parent whose fd table is full up to a lowered RLIMIT_NOFILE
    # (now with its close-on-exec fds carried through exec) leaves perl no fd to load its modules,
    # and it dies with EMFILE (exit status 24) before its spawn call.
    ("perl cannot start in a full fd table", "exited with status 24",
     lambda text: re.search(r"^\s+nofile_limit:", text, re.M) is not None, False),
]

# Cells the column's capability map decides (docs/RUNTIMES.md, "Perl"): scenario, verdict, and
# observation fields (or the reason's start) each must show.
PERL_CELLS = [
    # $) is Perl's only setgroups and cannot pass an empty list.
    ("creds-extra-groups-empty", "no-api", {"reason": "no API: popen.extra_groups: []"}),
    # No posix_spawn in Perl's POSIX module: a posix_spawn block that needs no feature is no_api.
    ("argument-posix-spawn-missing-before-3-8", "no-api", {"reason": "no API: posix_spawn"}),
    # A failed exec in the forked child reaches the parent as $! (errno, no filename).
    ("exec-missing-executable", "differ", {"outcome": "exception", "outcome.errno": "ENOENT",
                                           "outcome.error_class": "$!", "outcome.filename": None}),
    # Perl sets an ignored SIGCHLD back to the default at start-up, so the child does not inherit it.
    ("signals-sigchld-ignored-parent", "differ", {"child.signals.ignored": ""}),
]


def descriptor(options):
    """The column's descriptor file, or None when perl is unavailable here."""
    out = subprocess.run([options.columns], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    usable = [line for line in lines if "argv" in line]
    if not usable:
        print("skipped: " + "; ".join(line.get("unavailable", "?") for line in lines))
        return None
    os.makedirs(options.work, exist_ok=True)
    path = os.path.join(options.work, "perl.json")
    with open(path, "w") as f:
        json.dump(usable[0], f)
    return path


def protocol(options, rest):
    path = descriptor(options)
    if path is None:
        return SKIP
    return subprocess.run([sys.executable] + rest + ["--driver", path]).returncode


def check_cells(cells, problems):
    for scenario, verdict, fields in PERL_CELLS:
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: no cell" % scenario)
            continue
        if cell["verdict"] != verdict:
            problems.append("%s: verdict %s, want %s (%s)" % (scenario, cell["verdict"], verdict, cell.get("reason")))
            continue
        observation = cell.get("observation") or {}
        for field, want in fields.items():
            if field == "reason":
                if not (cell.get("reason") or "").startswith(want):
                    problems.append("%s: reason %r does not start with %r" % (scenario, cell.get("reason"), want))
            elif observation.get(field) != want:
                problems.append("%s: %s is %r, want %r" % (scenario, field, observation.get(field), want))


def corpus(options):
    path = descriptor(options)
    if path is None:
        return SKIP
    import raw_fork_exec_test
    with open(path) as f:
        column = json.load(f)["id"]
    out = os.path.join(options.work, "corpus")
    os.makedirs(out, exist_ok=True)
    results = os.path.join(out, "results.json")
    command = [options.runner, "run", options.scenarios, "--driver", path, "--impl", column,
               "--no-expectations", "--json", results, "-j2"]
    print("running: " + " ".join(command), flush=True)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if not os.path.exists(results):
        print(completed.stdout[-4000:])
        print("FAIL: the run wrote no results document (exit status %d)" % completed.returncode)
        return 1
    with open(results) as f:
        document = json.load(f)
    cells = dict((c["scenario"], c) for c in document["cells"] if c["implementation"] == column)
    problems = []
    host_gap_cells = collections.Counter()
    scenarios = document["scenarios"]
    if not scenarios:
        problems.append("the results document lists no scenario")
    for entry in scenarios:
        scenario = entry["id"]
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: no cell for %s" % (scenario, column))
            continue
        verdict, reason = cell.get("verdict"), cell.get("reason") or ""
        with open(os.path.join(options.scenarios, scenario + ".yaml"), encoding="utf-8") as f:
            text = f.read()
        gaps = [(name, marker, must) for name, marker, concerns, must in HOST_GAPS if concerns(text)]
        shown = [name for name, marker, must in gaps if verdict == "error" and marker in reason]
        if shown:
            host_gap_cells[shown[0]] += 1
        if verdict not in raw_fork_exec_test.VERDICTS:
            problems.append("%s: verdict %r is none of %s" % (scenario, verdict, ", ".join(raw_fork_exec_test.VERDICTS)))
        elif verdict == "error" and not shown:
            problems.append("%s: an error cell: %s" % (scenario, reason))
        elif any(must for name, marker, must in gaps) and not shown and verdict != "skip":
            problems.append("%s: the host passes its block unresolved, yet the cell is %s: %s" % (scenario, verdict, reason))
        elif verdict in ("skip", "no-api") and not reason.strip():
            problems.append("%s: a %s cell without a reason" % (scenario, verdict))
        elif verdict == "no-api" and not reason.startswith(raw_fork_exec_test.NO_API):
            problems.append("%s: a no-api cell whose reason does not name the capability: %r" % (scenario, reason))
    check_cells(cells, problems)
    counts = collections.Counter(c.get("verdict") for c in cells.values())
    ran = sum(n for verdict, n in counts.items() if verdict not in ("skip", "no-api", "error"))
    print("%s: %d scenarios; %s" % (column, len(scenarios), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    print("errors from the host's gaps: " + (", ".join("%s %d" % kv for kv in sorted(host_gap_cells.items())) or "none"))
    if ran < raw_fork_exec_test.MIN_RAN:
        problems.append("only %d cells ran (want at least %d)" % (ran, raw_fork_exec_test.MIN_RAN))
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


def main():
    argv = sys.argv[1:]
    rest = []
    if "--" in argv:
        rest = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
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
