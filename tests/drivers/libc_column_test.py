"""The libc columns (drivers/c_library/, the C library's posix_spawn on the kit's external scenario parent).

  libc_column_test.py corpus --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      asks the discovery program for glibc-* and musl-* (exits 77, skipped, when
      either is listed unavailable), runs every posix_spawn / posix_spawnp scenario of the corpus
      on both through `fdconform run`, and checks: a verdict for every scenario on each column, no
      error cell but the host's named gap, every no-api cell naming its capability; and the cells
      docs/LIBC.md's capability map promises (LIBC_CELLS), among them where glibc and musl differ.
  libc_column_test.py resolution --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      the kit host's resolution of a posix_spawn block: a dup2 file action naming the resource
      `log` reaches the adapter as log's fd number (the adapter reads numbers only, so an
      unresolved name is an error cell), and the child holds log on fd 9.

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

# What fdconform-kit-host cannot do yet, as an error cell allowed in these scenarios only, with this
# text in its reason: with the fd table full the host has no fd left for its start-up pipe.
HOST_GAPS = {"spawn-file-actions-with-full-fd-table": "pipe for the runtime's start: Too many open files"}

# Scenario -> {library: (verdict or None, {field: value})}. A value ending in "..." is a prefix;
# None is a field that must be absent.
LIBC_CELLS = {
    # A resource name in a dup2 action, resolved by the host: log on fd 9 in the child.
    "spawn-file-action-dup2": {"glibc": (None, {"child.fd.9": "log rdwr"}),
                               "musl": (None, {"child.fd.9": "log rdwr"})},
    # posix_spawn_file_actions_addclosefrom_np: glibc 2.34+, not musl.
    "spawn-file-action-closefrom": {
        "glibc": (None, {"child.fds": "0,1,2,5"}),
        "musl": ("no-api", {"reason": NO_API + "posix_spawn_file_actions_addclosefrom_np: not provided by musl ..."})},
    # POSIX_SPAWN_SETSID on both.
    "spawn-setsid": {"glibc": (None, {"child.session": "self"}), "musl": (None, {"child.session": "self"})},
    # glibc's child sets its internal signals (32, 33) to SIG_IGN, which exec keeps; musl's child
    # only touches the signals its parent has handlers for, which a plain static program has not.
    "spawn-posix-spawn-defaults": {"glibc": (None, {"child.signals.libc_internal_ignored": "SIG32,SIG33"}),
                                   "musl": (None, {"child.signals.libc_internal_ignored": None})},
    # musl's posix_spawnattr_setschedparam / setschedpolicy return ENOSYS; glibc's take the priority.
    "spawn-scheduler-param-only-zero-runs": {
        "glibc": (None, {"outcome": "exited 0"}),
        "musl": (None, {"outcome.error_class": "posix_spawnattr_setschedparam", "outcome.errno": "ENOSYS"})},
    # glibc's setschedpolicy accepts SCHED_OTHER, SCHED_FIFO and SCHED_RR only.
    "spawn-scheduler-batch-refused-before-spawn": {
        "glibc": (None, {"outcome.error_class": "posix_spawnattr_setschedpolicy", "outcome.errno": "EINVAL"}),
        "musl": (None, {"outcome.error_class": "posix_spawnattr_setschedpolicy", "outcome.errno": "ENOSYS"})},
}


def columns(program):
    out = subprocess.run([program], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def matches(got, want):
    if want is None:
        return got is None
    if want.endswith("..."):
        return got is not None and got.startswith(want[:-3])
    return got == want


def libc_columns(program):
    """{"glibc": id, "musl": id}, or None after printing why the test is skipped."""
    found, missing = {}, []
    for column in columns(program):
        family = column.get("id", "").split("-")[0]
        library = family if family in ("glibc", "musl") else None
        if "argv" in column and library:
            found[library] = column["id"]
        else:
            missing.append(column.get("unavailable", "?"))
    if "glibc" not in found or "musl" not in found:
        print("skipped: " + "; ".join(missing or ["the discovery program lists no glibc and musl columns"]))
        return None
    return found


def posix_spawn_scenarios(directory):
    files = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(directory, name)) as f:
            text = f.read()
        if "posix_spawn:" in text or "posix_spawnp:" in text:
            files.append(os.path.join(directory, name))
    return files


def run(options, ids, scenarios):
    os.makedirs(options.work, exist_ok=True)
    results = os.path.join(options.work, "results.json")
    if os.path.exists(results):
        os.unlink(results)
    env = dict(os.environ, FDCONFORM_DRIVERS_DIR=os.path.dirname(os.path.dirname(os.path.abspath(options.columns))))
    command = [options.runner, "run"] + scenarios
    for column in ids:
        command += ["--impl", column]
    command += ["--no-expectations", "--json", results, "-j2"]
    print("running: fdconform run <%d scenarios> %s" % (len(scenarios), " ".join(command[2 + len(scenarios):])),
          flush=True)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               env=env)
    if not os.path.exists(results):
        print(completed.stdout[-4000:])
        print("FAIL: the run wrote no results document (exit status %d)" % completed.returncode)
        return None
    with open(results) as f:
        return json.load(f)


def check_cell(problems, scenario, column, cell, verdict, fields):
    if cell is None:
        problems.append("%s on %s: no cell" % (scenario, column))
        return
    if verdict is not None and cell["verdict"] != verdict:
        problems.append("%s on %s: verdict %s, want %s (%s)" % (scenario, column, cell["verdict"], verdict,
                                                                 cell.get("reason")))
    observation = dict(cell.get("observation") or {}, reason=cell.get("reason"))
    for field, want in fields.items():
        if not matches(observation.get(field), want):
            problems.append("%s on %s: %s is %r, want %r" % (scenario, column, field, observation.get(field), want))


def corpus(options):
    ids = libc_columns(options.columns)
    if ids is None:
        return SKIP
    document = run(options, ids.values(), posix_spawn_scenarios(options.scenarios))
    if document is None:
        return 1
    problems = []
    for library, column in sorted(ids.items()):
        cells = {c["scenario"]: c for c in document["cells"] if c["implementation"] == column}
        for scenario in (s["id"] for s in document["scenarios"]):
            cell = cells.get(scenario)
            if cell is None:
                problems.append("%s on %s: no cell" % (scenario, column))
                continue
            reason = cell.get("reason") or ""
            if cell["verdict"] == "error" and not (scenario in HOST_GAPS and HOST_GAPS[scenario] in reason):
                problems.append("%s on %s: an error cell: %s" % (scenario, column, reason))
            if cell["verdict"] == "no-api" and not reason.startswith(NO_API):
                problems.append("%s on %s: a no-api cell whose reason names no capability: %r" % (scenario, column, reason))
        for scenario, per_library in LIBC_CELLS.items():
            verdict, fields = per_library[library]
            check_cell(problems, scenario, column, cells.get(scenario), verdict, fields)
        counts = collections.Counter(c["verdict"] for c in cells.values())
        print("%s: %s" % (column, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


def resolution(options):
    ids = libc_columns(options.columns)
    if ids is None:
        return SKIP
    scenario = "spawn-file-action-dup2"
    path = os.path.join(options.scenarios, scenario + ".yaml")
    with open(path) as f:
        if "dup2: [log, 9]" not in f.read():
            print("FAIL: %s no longer holds the file action dup2: [log, 9] this test needs" % path)
            return 1
    document = run(options, [ids["glibc"]], [path])
    if document is None:
        return 1
    problems = []
    cell = next((c for c in document["cells"] if c["implementation"] == ids["glibc"] and c["scenario"] == scenario), None)
    if cell is not None and cell["verdict"] in ("error", "no-api"):
        problems.append("%s: %s cell: %s" % (scenario, cell["verdict"], cell.get("reason")))
    check_cell(problems, scenario, ids["glibc"], cell, None, {"child.fd.9": "log rdwr", "outcome": "exited 0"})
    for problem in problems:
        print("FAIL " + problem)
    if not problems:
        print("%s: dup2 [log, 9] reached the adapter as an fd number; the child holds log on fd 9" % scenario)
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["corpus", "resolution"])
    parser.add_argument("--columns", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--work", required=True)
    options = parser.parse_args()
    return corpus(options) if options.mode == "corpus" else resolution(options)


if __name__ == "__main__":
    sys.exit(main())
