"""The libc columns (drivers/c_library/, the C library's posix_spawn on the kit's external scenario parent).

  libc_column_test.py corpus --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      asks the discovery program for glibc-* and musl-* (exits 77, skipped, when
      either is listed unavailable), runs every posix_spawn / posix_spawnp scenario of the corpus
      on both through `fdconform run`, and checks: a verdict for every scenario on each column, no
      error cell (but a host gap HOST_GAPS names), every no-api cell naming its capability; and the cells
      docs/LIBC.md's capability map promises (LIBC_CELLS), among them where glibc and musl differ.
  libc_column_test.py primitives --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      the ten columns (posix_spawn, fork, vfork, system, popen for each library) on every libc-*
      scenario and the cells PRIMITIVE_CELLS names, against the glibc posix_spawn column with the
      project's expectation files: every libc scenario passes on both first columns (or is no_api
      naming an interface the library lacks); then without the entries that explain musl's popen
      modes, execvp, internal signals and file action errors, those cells differ.
  libc_column_test.py families --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      the whole corpus family by family (musl's posix_spawn, fork, vfork, system and popen columns
      each against glibc's column of the same primitive) with the project's expectation files, as
      docs/LIBC.md's table runs it: no differ or error cell on either library but the contrasts
      between primitives PRIMITIVE_CONTRASTS names, and those still differ.
  libc_column_test.py merge --columns PROGRAM --runner FDCONFORM --scenarios DIR --work DIR
      glibc's columns here and musl's run in a UTS namespace named fdconform-second-host (unshare
      --uts --map-root-user; exits 77 when it cannot), `fdconform merge`d: each column id, the HTML
      report and the terminal listing name the column's host.
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

import runtime_column as rc

SKIP = 77
NO_API = "no API: "

# What fdconform-kit-host cannot do yet, as an error cell allowed in these scenarios only, with this
# text in its reason. None left: the host makes its start gate above a lowered limit, so
# spawn-file-actions-with-full-fd-table runs (LIBC_CELLS).
HOST_GAPS = {}

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
    # A full fd table: glibc's posix_spawn needs no fd of its own, musl's needs two for its error pipe.
    "spawn-file-actions-with-full-fd-table": {
        "glibc": (None, {"outcome": "exited 0"}),
        "musl": (None, {"outcome.error_class": "posix_spawn", "outcome.errno": "EMFILE"})},
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


PRIMITIVES = ("fork", "vfork", "system", "popen")


def libc_columns(program, primitive=None):
    """{"glibc": id, "musl": id} of the posix_spawn columns (ids without a primitive), or of
    `primitive`'s; None after printing why the test is skipped."""
    found, missing = {}, []
    for column in columns(program):
        parts = column.get("id", "").split("-")
        library = parts[0] if parts[0] in ("glibc", "musl") else None
        suffix = parts[2] if len(parts) > 2 else None
        if suffix != primitive:
            continue
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


def run(options, ids, scenarios, extra=("--no-expectations",), name="results.json"):
    return rc.run(options.runner, scenarios, ids, options.work, rc.drivers_dir_of(options.columns), extra, name)


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


# The primitive columns and the libc spawn mode: scenario -> {column suffix ("" for the posix_spawn
# column, the reference of every libc scenario): (verdict or None, {field: value})}, each on both libraries
# unless the key names one ("fork/musl").
PRIMITIVE_CELLS = {
    # glibc's popen takes r, w and e only, one direction; musl's looks at the first letter.
    "libc-popen-mode-read-write": {"/glibc": (None, {"outcome.error_class": "popen", "outcome.errno": "EINVAL"}),
                                   "popen/glibc": (None, {"outcome.error_class": "popen", "outcome.errno": "EINVAL"}),
                                   "popen/musl": (None, {"outcome": "exited 0", "child.fd.1": "popen.pipe wronly"})},
    # glibc's execvp runs an ENOEXEC file with /bin/sh; musl's returns the error.
    "libc-execvp-enoexec-script": {"fork/glibc": (None, {"outcome": "exited 0"}),
                                   "fork/musl": (None, {"outcome.error_class": "execvp", "outcome.errno": "ENOEXEC"})},
    "libc-execve-enoexec-script": {"vfork": (None, {"outcome.error_class": "execve", "outcome.errno": "ENOEXEC"})},
    "libc-system-command-fails": {"system": (None, {"outcome": "exited 3"})},
    "libc-execvp-eacces-then-found": {"fork": (None, {"outcome": "exited 0"})},
    "libc-posix-spawnp-eacces-only": {"": (None, {"outcome.error_class": "posix_spawn", "outcome.errno": "EACCES"})},
    # A libc call of another primitive is no_api naming both.
    "libc-system-command-not-found": {"fork": ("no-api", {"reason": NO_API + "libc call system: this column calls ..."})},
    # A posix_spawn block by hand in a forked child: musl's sched_setparam is ENOSYS; closefrom is not in musl.
    "spawn-scheduler-param-only-zero-runs": {
        "fork/glibc": (None, {"outcome": "exited 0"}),
        "fork/musl": (None, {"outcome.error_class": "sched_setparam", "outcome.errno": "ENOSYS"})},
    "spawn-file-action-closefrom": {"fork/glibc": (None, {"child.fds": "0,1,2,5"}),
                                    "fork/musl": ("no-api", {"reason": NO_API + "closefrom: not provided by musl ..."})},
    # A libc block's file actions (docs/LIBC.md, "File actions on bad fds"): an add call that refuses is
    # the outcome naming that call; a failure in the child is posix_spawn's own error return.
    "libc-posix-spawn-file-action-close-above-nofile": {
        "/glibc": (None, {"outcome.error_class": "posix_spawn_file_actions_addclose", "outcome.errno": "EBADF"}),
        "/musl": (None, {"outcome": "exited 0", "child.fd.100": None})},
    "libc-posix-spawn-file-action-dup2-above-nofile": {
        "/glibc": (None, {"outcome.error_class": "posix_spawn_file_actions_adddup2", "outcome.errno": "EBADF"}),
        "/musl": (None, {"outcome": "exited 0", "child.fd.9": "high ..."})},
    "libc-posix-spawn-file-action-dup2-onto-above-nofile": {
        "/glibc": (None, {"outcome.error_class": "posix_spawn_file_actions_adddup2", "outcome.errno": "EBADF"}),
        "/musl": (None, {"outcome.error_class": "posix_spawn", "outcome.errno": "EBADF", "outcome.filename": "{probe}"})},
    "libc-posix-spawn-file-action-fchdir-negative-fd": {
        "/glibc": (None, {"outcome.error_class": "posix_spawn", "outcome.errno": "EBADF"}),
        "/musl": (None, {"outcome.error_class": "posix_spawn_file_actions_addfchdir_np", "outcome.errno": "EBADF"})},
    "libc-posix-spawn-file-action-dup2-not-open": {
        "": (None, {"outcome.error_class": "posix_spawn", "outcome.errno": "EBADF"})},
    "libc-posix-spawn-file-action-close-negative-fd": {
        "": (None, {"outcome.error_class": "posix_spawn_file_actions_addclose", "outcome.errno": "EBADF"})},
    "libc-posix-spawn-file-action-fchdir": {"": (None, {"child.cwd": "{workdir}/sub"})},
    # posix_spawn_file_actions_addtcsetpgrp_np: glibc 2.35+, not musl (found by the configure check).
    "libc-posix-spawn-file-action-tcsetpgrp-not-a-terminal": {
        "/glibc": (None, {"outcome.error_class": "posix_spawn", "outcome.errno": "ENOTTY"}),
        "/musl": ("no-api", {"reason": NO_API + "posix_spawn_file_actions_addtcsetpgrp_np: not provided by musl ..."})},
    # A libc posix_spawn call is the posix_spawn column's: the fork column does not take it by hand.
    "libc-posix-spawn-file-action-chdir": {
        "": (None, {"child.cwd": "{workdir}/sub"}),
        "fork": ("no-api", {"reason": NO_API + "libc call posix_spawn: this column calls ..."})},
}

# Popen blocks on the system() columns, against glibc's system() column (the posix_spawn column maps
# no Popen block): with close_fds false the command runs; with close_fds true, no_api.
SYSTEM_CELLS = {
    "fds-close-fds-false-leaks-inheritable": (None, {"outcome": "exited 0", "child.fds": "0,1,2,10,12,14,16,18"}),
    "pass-fds-inheritable-and-noninheritable": ("no-api", {"reason": NO_API + "popen.close_fds: system() closes no fd..."}),
}

# The libc scenarios whose musl cells an expectation entry explains against the glibc reference: with
# the entries the cell passes, without them it differs (so the entries are what makes it pass).
EXPLAINED = {"libc-popen-mode-read-write": "musl-popen-mode-strings.yaml",
             "libc-execvp-enoexec-script": "musl-execvp-no-shell-fallback.yaml",
             "libc-posix-spawn-file-action-fchdir-negative-fd": "musl-file-action-errors.yaml",
             "libc-system-command-fails": "musl-internal-signals-posix-spawn.yaml"}


def primitives(options):
    """Every libc scenario, and the cells above, on the ten columns against the glibc posix_spawn column."""
    base = libc_columns(options.columns)
    if base is None:
        return SKIP
    ids = {"": base}
    for primitive in PRIMITIVES:
        found = libc_columns(options.columns, primitive)
        if found is None:
            return SKIP
        ids[primitive] = found
    names = sorted({n for n in os.listdir(options.scenarios) if n.startswith("libc-") and n.endswith(".yaml")} |
                   {n + ".yaml" for n in PRIMITIVE_CELLS})
    scenarios = [os.path.join(options.scenarios, n) for n in names]
    columns_in_run = [column for family in ids.values() for column in family.values()]
    expectations = os.path.join(os.path.dirname(os.path.abspath(options.scenarios)), "expectations")
    document = run(options, columns_in_run, scenarios,
                   ["--reference", base["glibc"], "--expectations", expectations])
    if document is None:
        return 1
    problems = []
    cells = {(c["scenario"], c["implementation"]): c for c in document["cells"]}
    for scenario, wanted in PRIMITIVE_CELLS.items():
        for key, (verdict, fields) in wanted.items():
            primitive, _, only = key.partition("/")
            for library in ([only] if only else ["glibc", "musl"]):
                column = ids[primitive][library]
                check_cell(problems, scenario, column, cells.get((scenario, column)), verdict, fields)
    # Every libc scenario on the library's first column: a result, never an error; on musl's, passing.
    # A no-api cell is one only for an interface configure found missing in that library.
    for name in names:
        scenario = name[:-5]
        if not scenario.startswith("libc-"):
            continue
        for library in ("glibc", "musl"):
            cell = cells.get((scenario, base[library]))
            if cell and cell["verdict"] == "no-api" and (": not provided by %s " % library) in cell.get("reason", ""):
                continue
            if cell is None or cell["verdict"] not in ("match", "expected-differ"):
                problems.append("%s on %s: %s (%s)" % (scenario, base[library], cell and cell["verdict"],
                                                       cell and cell.get("reason")))
    system = run(options, ids["system"].values(), [os.path.join(options.scenarios, s + ".yaml") for s in SYSTEM_CELLS],
                 ["--reference", ids["system"]["glibc"], "--expectations", expectations], name="system.json")
    if system is None:
        return 1
    for scenario, (verdict, fields) in SYSTEM_CELLS.items():
        for column in ids["system"].values():
            cell = next((c for c in system["cells"] if c["scenario"] == scenario and c["implementation"] == column), None)
            check_cell(problems, scenario, column, cell, verdict, fields)
    # The same musl cells without the entries that explain them: each differs.
    bare = os.path.join(options.work, "expectations-without-libc-entries")
    os.makedirs(bare, exist_ok=True)
    for name in os.listdir(bare):
        os.unlink(os.path.join(bare, name))
    for name in os.listdir(expectations):
        if name.endswith(".yaml") and name not in EXPLAINED.values():
            with open(os.path.join(expectations, name)) as f, open(os.path.join(bare, name), "w") as out:
                out.write(f.read())
    without = run(options, [base["glibc"], base["musl"]], [os.path.join(options.scenarios, s + ".yaml") for s in EXPLAINED],
                  ["--reference", base["glibc"], "--expectations", bare], name="without-entries.json")
    if without is None:
        return 1
    for scenario in EXPLAINED:
        cell = next((c for c in without["cells"] if c["scenario"] == scenario and c["implementation"] == base["musl"]), None)
        if cell is None or cell["verdict"] != "differ":
            problems.append("%s on %s without %s: %s, want differ" % (scenario, base["musl"], EXPLAINED[scenario],
                                                                     cell and cell["verdict"]))
    counts = collections.Counter((c["implementation"], c["verdict"]) for c in document["cells"])
    for column in columns_in_run:
        print("%s: %s" % (column, ", ".join("%s %d" % (v, n) for (c, v), n in sorted(counts.items()) if c == column)))
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


# Scenarios whose expect block states what only posix_spawn does, run on a family that is not
# posix_spawn: (scenario, primitive) -> why the family's glibc reference cell differs (docs/LIBC.md).
PRIMITIVE_CONTRASTS = {
    ("spawn-scheduler-batch-refused-before-spawn", "fork"): "sched_setscheduler takes SCHED_BATCH",
    ("spawn-scheduler-batch-refused-before-spawn", "vfork"): "sched_setscheduler takes SCHED_BATCH",
}


def families(options):
    """Each primitive's family over the whole corpus: every glibc/musl difference explained, nothing else red."""
    expectations = os.path.join(os.path.dirname(os.path.abspath(options.scenarios)), "expectations")
    problems = []
    for primitive in ("",) + tuple(PRIMITIVES):
        ids = libc_columns(options.columns, primitive or None)
        if ids is None:
            return SKIP
        document = run(options, ids.values(), [options.scenarios],
                       ["--reference", ids["glibc"], "--expectations", expectations],
                       name="family-%s.json" % (primitive or "posix_spawn"))
        if document is None:
            return 1
        for cell in document["cells"]:
            contrast = (cell["scenario"], primitive) in PRIMITIVE_CONTRASTS and cell["implementation"] == ids["glibc"]
            failing = cell["verdict"] in ("differ", "error", "unexpected-pass")
            if failing != contrast:
                problems.append("%s on %s: %s (%s)%s" % (cell["scenario"], cell["implementation"], cell["verdict"],
                                                         cell.get("reason"), ", want differ" if contrast else ""))
        counts = collections.Counter((c["implementation"], c["verdict"]) for c in document["cells"])
        for column in ids.values():
            print("%s: %s" % (column, ", ".join("%s %d" % (v, n) for (c, v), n in sorted(counts.items()) if c == column)))
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


SECOND_HOST = "fdconform-second-host"
MERGE_SCENARIOS = ["libc-popen-mode-read-write", "spawn-scheduler-batch-refused-before-spawn"]


def merge(options):
    """This machine's glibc columns and the musl columns run in a UTS namespace whose host name is
    SECOND_HOST (another environment block), merged into one report: every column is named with its
    host, in results.json, in the HTML report and in the terminal listing."""
    glibc = libc_columns(options.columns)
    popen = libc_columns(options.columns, "popen")
    fork = libc_columns(options.columns, "fork")
    if glibc is None or popen is None or fork is None:
        return SKIP
    probe = subprocess.run(["unshare", "--uts", "--map-root-user", "true"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, universal_newlines=True)
    if probe.returncode != 0:
        print("skipped: unshare --uts --map-root-user cannot run here: %s" % probe.stderr.strip())
        return SKIP
    scenarios = [os.path.join(options.scenarios, s + ".yaml") for s in MERGE_SCENARIOS]
    here = run(options, [glibc["glibc"], popen["glibc"], fork["glibc"]], scenarios, ["--reference", glibc["glibc"], "--no-expectations"],
               name="this-host.json")
    # The same runner in a new UTS namespace: its environment block names SECOND_HOST.
    options_there = argparse.Namespace(**vars(options))
    options_there.runner = os.path.join(options.work, "runner-on-second-host")
    with open(options_there.runner, "w") as f:
        f.write('#!/bin/sh\nexec unshare --uts --map-root-user sh -c \'hostname "$0" && exec "$@"\' %s %s "$@"\n'
                % (SECOND_HOST, options.runner))
    os.chmod(options_there.runner, 0o755)
    there = run(options_there, [glibc["musl"], popen["musl"], fork["musl"]], scenarios,
                ["--reference", glibc["musl"], "--no-expectations"], name="second-host.json")
    if here is None or there is None:
        return 1
    this_host = here["environment"]["host"]
    problems = []
    if there["environment"]["host"] != SECOND_HOST:
        problems.append("the second run's environment names host %r, want %r" % (there["environment"]["host"], SECOND_HOST))
    merged = os.path.join(options.work, "merged.json")
    html = os.path.join(options.work, "merged.html")
    for path in (merged, html):
        if os.path.exists(path):
            os.unlink(path)
    subprocess.run([options.runner, "merge", os.path.join(options.work, "this-host.json"),
                    os.path.join(options.work, "second-host.json"), "-o", merged], check=True)
    report = subprocess.run([options.runner, "report", merged, "--html", html], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)
    with open(merged) as f:
        document = json.load(f)
    with open(html) as f:
        page = f.read()
    want = ["%s/%s" % (this_host, glibc["glibc"]), "%s/%s" % (this_host, popen["glibc"]),
            "%s/%s" % (this_host, fork["glibc"]), "%s/%s" % (SECOND_HOST, glibc["musl"]),
            "%s/%s" % (SECOND_HOST, popen["musl"]), "%s/%s" % (SECOND_HOST, fork["musl"])]
    ids = [i["id"] for i in document["implementations"]]
    if ids != want:
        problems.append("merged columns %s, want %s" % (ids, want))
    hosts = [e.get("host") for e in document.get("environments", [])]
    if hosts != [this_host, SECOND_HOST]:
        problems.append("merged environments name hosts %s, want %s" % (hosts, [this_host, SECOND_HOST]))
    for column in want:
        if column not in page:
            problems.append("the HTML report does not name the column %s" % column)
    # spawn-scheduler-batch-refused-before-spawn expects posix_spawn's refusal of SCHED_BATCH, which a
    # fork child's sched_setscheduler takes (glibc) or cannot run (musl's ENOSYS): it fails on both
    # machines' fork columns, and the listing names each with its host.
    failing = [line for line in report.stdout.splitlines() if line.lstrip().startswith("differ on ")]
    for column in (want[2], want[5]):
        if not any(column in line for line in failing):
            problems.append("the terminal listing names no failing cell on %s:\n%s" % (column, report.stdout[-2000:]))
    for problem in problems:
        print("FAIL " + problem)
    if not problems:
        print("merged %s: columns %s" % (merged, ", ".join(ids)))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["corpus", "resolution", "primitives", "families", "merge"])
    parser.add_argument("--columns", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--work", required=True)
    options = parser.parse_args()
    return {"corpus": corpus, "resolution": resolution, "primitives": primitives, "families": families,
            "merge": merge}[options.mode](options)


if __name__ == "__main__":
    sys.exit(main())
