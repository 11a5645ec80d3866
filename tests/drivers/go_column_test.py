"""The Go column (drivers/go/, os/exec on the kit's external scenario parent).

  go_column_test.py corpus --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      asks the column's discovery program for its column (exits 77, skipped, when it lists it
      unavailable: no go tool when fdconform was configured), then runs the whole corpus on it
      through `fdconform run --impl ID` (the build's drivers directory holds the column) and
      checks: a verdict for every scenario, no error cell but the host's named gap, every no-api
      cell naming its capability; and the cells the capability map in docs/RUNTIMES.md ("Go")
      promises, from the same run (GO_CELLS).

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
# this text in its reason: a scenario parent whose euid is not root cannot read the adapter's /proc.
HOST_GAPS = {"creds-euid-nobody-cannot-exec-root-only-file": "for a parent snapshot: Permission denied"}

# Scenario -> (verdict or None, {field: value}) that must show. "reason" is the cell's reason; a
# value ending in "..." is a prefix. Each cell uses inheritable resources only, so it does not
# depend on whether the host carries close-on-exec fds through the adapter's exec.
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
    # What os/exec cannot say.
    "signals-restore-off-fork-path": ("no-api", {"reason": NO_API + "popen.restore_signals: false ..."}),
    "argument-umask-unknown-before-3-9": ("no-api", {"reason": NO_API + "popen.umask ..."}),
    "pass-fds-negative-is-valueerror": ("no-api", {"reason": NO_API + "popen.pass_fds entry -7 ..."}),
    "exec-shell-true": ("no-api", {"reason": NO_API + "popen.shell ..."}),
}


def columns(program):
    out = subprocess.run([program], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def matches(got, want):
    if want.endswith("..."):
        return got is not None and got.startswith(want[:-3])
    return got == want


def corpus(options):
    listed = columns(options.columns)
    usable = [c for c in listed if "argv" in c]
    if not usable:
        print("skipped: " + "; ".join(c.get("unavailable", "?") for c in listed))
        return SKIP
    column = usable[0]["id"]
    os.makedirs(options.work, exist_ok=True)
    results = os.path.join(options.work, "results.json")
    if os.path.exists(results):
        os.unlink(results)
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
    for scenario, (verdict, fields) in GO_CELLS.items():
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: not in the corpus" % scenario)
            continue
        if verdict is not None and cell["verdict"] != verdict:
            problems.append("%s: verdict %s, want %s (%s)" % (scenario, cell["verdict"], verdict, cell.get("reason")))
        observation = dict(cell.get("observation") or {}, reason=cell.get("reason"))
        for field, want in fields.items():
            if not matches(observation.get(field), want):
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
