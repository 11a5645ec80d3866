"""The Java column (drivers/java/, on the kit's external scenario parent).

  java_column_test.py corpus --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      asks the column's discovery program for its columns (exits 77, skipped, when it lists
      none), then runs the whole corpus on the first JDK's default-mechanism column through
      `fdconform run --impl ID` (the build's drivers directory holds the column) and checks:
      a verdict for every scenario and no error cell but the host's named gap; and the cells the
      capability map in docs/RUNTIMES.md ("Java") promises, from the same run (JAVA_CELLS).

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

SKIP = 77
NO_API = "no API: "

# What fdconform-kit-host cannot do yet, as an error cell allowed in these scenarios only, with
# this text in its reason: a scenario parent whose euid is not root cannot read the JVM's /proc.
HOST_GAPS = {"creds-euid-nobody-cannot-exec-root-only-file": "for a parent snapshot: Permission denied"}


def signal_mask_unblocked(major):
    """JDK 20 clears the child's blocked mask on its default (posix_spawn) path (JDK-8234262)."""
    return major >= 20


# Scenario -> (verdict, {field: value}) that must show; a callable value takes the JDK's major version.
JAVA_CELLS = {
    # The JDK closes every fd above 2 in the child, inheritable or not: Popen's close_fds=True.
    "fds-close-fds-true-drops-inheritable": (None, {"child.fds": "0,1,2"}),
    # Redirect has no "this parent fd": a child fd other than 0-2 cannot be asked for.
    "pass-fds-above-1024": ("no-api", {"reason": NO_API + "popen.pass_fds (a child gets fds 0-2 only)"}),
    # A failed start is an IOException whose text carries the errno (parsed from it, both JDK wordings).
    "exec-missing-executable": ("differ", {"outcome": "exception", "outcome.error_class": "IOException",
                                           "outcome.errno": "ENOENT"}),
    # The JVM blocks SIGQUIT in its threads; before JDK 20 the child inherited that mask.
    "argv-items-reach-child-verbatim": (None, {"child.signals.blocked":
                                               lambda major: "" if signal_mask_unblocked(major) else "SIGQUIT"}),
}


def columns(program):
    out = subprocess.run([program], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def corpus(options):
    listed = columns(options.columns)
    usable = [c for c in listed if "argv" in c and not c["id"].endswith("-fork")]
    if not usable:
        print("skipped: " + "; ".join(c.get("unavailable", "?") for c in listed))
        return SKIP
    column = usable[0]["id"]
    major = int(column.split("-")[1].split(".")[0])
    os.makedirs(options.work, exist_ok=True)
    results = os.path.join(options.work, "results.json")
    env = dict(os.environ, FDCONFORM_DRIVERS_DIR=os.path.dirname(os.path.dirname(os.path.abspath(options.columns))))
    command = [options.runner, "run", options.scenarios, "--impl", column, "--no-expectations", "--json", results, "-j2"]
    print("running: " + " ".join(command), flush=True)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               env=env)
    if not os.path.exists(results):
        print(completed.stdout[-4000:])
        print("FAIL: the run wrote no results document (exit status %d)" % completed.returncode)
        return 1
    with open(results) as f:
        document = json.load(f)
    cells = {c["scenario"]: c for c in document["cells"] if c["implementation"] == column}
    problems = []
    for scenario in (s["id"] for s in document["scenarios"]):
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: no cell" % scenario)
            continue
        reason = cell.get("reason") or ""
        if cell["verdict"] == "error" and not (scenario in HOST_GAPS and HOST_GAPS[scenario] in reason):
            problems.append("%s: an error cell: %s" % (scenario, reason))
        if cell["verdict"] == "no-api" and not reason.startswith(NO_API):
            problems.append("%s: a no-api cell whose reason names no capability: %r" % (scenario, reason))
    for scenario, (verdict, fields) in JAVA_CELLS.items():
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: not in the corpus" % scenario)
            continue
        if verdict is not None and cell["verdict"] != verdict:
            problems.append("%s: verdict %s, want %s (%s)" % (scenario, cell["verdict"], verdict, cell.get("reason")))
        observation = dict(cell.get("observation") or {}, reason=cell.get("reason"))
        for field, want in fields.items():
            want = want(major) if callable(want) else want
            if observation.get(field) != want:
                problems.append("%s: %s is %r, want %r" % (scenario, field, observation.get(field), want))
    counts = collections.Counter(c["verdict"] for c in cells.values())
    print("%s: %s" % (column, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


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
