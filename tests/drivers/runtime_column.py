"""What the tests of the columns on the kit's external scenario parent share
(node_column_test.py, java_column_test.py, rust_column_test.py, go_column_test.py,
perl_column_test.py, libc_column_test.py): finding the column through its
discovery program, running the corpus on it, judging every cell against the
error cells allowed (the host's gaps and the runtime's own limits, each by
scenario and by a text of the cell's reason), checking the cells a column's
capability map promises, and protocol_test.py with its known gaps.

Each test script keeps only what is its runtime's: the table of promised
cells, its gaps and limits, and modes no other column has.

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import raw_fork_exec_test  # noqa: E402  (VERDICTS, NO_API, MIN_RAN: the verdicts every column may give)

SKIP = 77
NO_API = raw_fork_exec_test.NO_API
VERDICTS = raw_fork_exec_test.VERDICTS
MIN_RAN = raw_fork_exec_test.MIN_RAN


def listed(program):
    """Every descriptor the discovery program prints, available or not."""
    out = subprocess.run([program], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def usable(program, accept=lambda column: True):
    """The available descriptors `accept` takes, in the program's order; prints why the test is
    skipped when there is none."""
    columns = listed(program)
    found = [c for c in columns if "argv" in c and accept(c)]
    if not found:
        print("skipped: " + ("; ".join(c.get("unavailable", "?") for c in columns) or "no column listed"))
    return found


def descriptor_file(program, work, accept=lambda column: True):
    """The first usable column's descriptor, written to a file in work (for --driver), or None."""
    found = usable(program, accept)
    if not found:
        return None
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, found[0]["id"] + ".json")
    with open(path, "w") as f:
        json.dump(found[0], f)
    return path


def run(runner, scenarios, column_ids, work, drivers_dir, extra=("--no-expectations",), name="results.json"):
    """`fdconform run` of the scenario paths on the columns (the reference runs too), with the
    `extra` options (default: without expectation files); the results document, written to `name`
    in `work`, or None after printing why there is none. The columns are found as discovery finds
    them, in drivers_dir: --driver with the same descriptor would name them twice."""
    os.makedirs(work, exist_ok=True)
    results = os.path.join(work, name)
    if os.path.exists(results):
        os.unlink(results)
    command = [runner, "run"] + list(scenarios)
    for column in column_ids:
        command += ["--impl", column]
    command += list(extra) + ["--json", results, "-j2"]
    shown = command if len(scenarios) == 1 else command[:2] + ["<%d paths>" % len(scenarios)] + command[2 + len(scenarios):]
    print("running: " + " ".join(shown), flush=True)
    env = dict(os.environ, FDCONFORM_DRIVERS_DIR=drivers_dir)
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env)
    if not os.path.exists(results):
        print(done.stdout[-4000:])
        print("FAIL: the run wrote no results document (exit status %d)" % done.returncode)
        return None
    with open(results) as f:
        return json.load(f)


def drivers_dir_of(columns_program):
    """The drivers directory that holds the folder of a discovery program."""
    return os.path.dirname(os.path.dirname(os.path.abspath(columns_program)))


def run_corpus(options, column, work):
    """The whole corpus (options.scenarios) on one column of options.columns, as `run` does it."""
    return run(options.runner, [options.scenarios], [column], work, drivers_dir_of(options.columns))


def cells_of(document, column):
    return {c["scenario"]: c for c in document["cells"] if c["implementation"] == column}


# An error cell a column may show: `owner` is "host" (what fdconform-kit-host cannot do yet) or
# "runtime" (the runtime's own limit); `marker` is a text of the cell's reason; `concerns` takes the
# scenario id and its file's text; a gap with `must_show` must show in every scenario it concerns.
Gap = collections.namedtuple("Gap", "owner name marker concerns must_show")


def in_scenarios(*ids):
    """A Gap's `concerns` for the scenarios named."""
    return lambda scenario, text: scenario in ids


def check_corpus(document, column, scenarios_dir, host_gaps=(), runtime_limits=(), min_ran=MIN_RAN):
    """Problems of one column's cells: a verdict for every scenario, an error cell only where an
    allowed gap concerns the scenario and its marker is in the reason, a gap that must show shown,
    a reason on every skip and no-api (a no-api one naming the capability), and enough cells run."""
    cells = cells_of(document, column)
    problems = [] if document["scenarios"] else ["the results document lists no scenario"]
    shown = collections.Counter()
    for entry in document["scenarios"]:
        scenario = entry["id"]
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: no cell for %s" % (scenario, column))
            continue
        verdict, reason = cell.get("verdict"), cell.get("reason") or ""
        text = ""
        path = os.path.join(scenarios_dir, scenario + ".yaml")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
        gaps = [gap for gap in list(host_gaps) + list(runtime_limits) if gap.concerns(scenario, text)]
        allowing = [gap for gap in gaps if verdict == "error" and gap.marker in reason]
        if allowing:
            shown["%s: %s" % (allowing[0].owner, allowing[0].name)] += 1
        if verdict not in VERDICTS:
            problems.append("%s: verdict %r is none of %s" % (scenario, verdict, ", ".join(VERDICTS)))
        elif verdict == "error" and not allowing:
            problems.append("%s: an error cell: %s" % (scenario, reason))
        elif any(gap.must_show for gap in gaps) and not allowing and verdict != "skip":
            names = ", ".join(gap.name for gap in gaps if gap.must_show)
            problems.append("%s: the gap '%s' concerns it, yet the cell is %s: %s" % (scenario, names, verdict, reason))
        elif verdict in ("skip", "no-api") and not reason.strip():
            problems.append("%s: a %s cell without a reason" % (scenario, verdict))
        elif verdict == "no-api" and not reason.startswith(NO_API):
            problems.append("%s: a no-api cell whose reason does not name the capability: %r" % (scenario, reason))
    counts = collections.Counter(c.get("verdict") for c in cells.values())
    ran = sum(n for verdict, n in counts.items() if verdict not in ("skip", "no-api", "error"))
    print("%s: %d scenarios; %s" % (column, len(document["scenarios"]),
                                    ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    print("allowed error cells: " + (", ".join("%s %d" % kv for kv in sorted(shown.items())) or "none"))
    if ran < min_ran:
        problems.append("%s: only %d cells ran (want at least %d)" % (column, ran, min_ran))
    return problems


def matches(got, want):
    """A promised value: None is a field that must be absent, a text ending in '...' a prefix."""
    if want is None:
        return got is None
    if isinstance(want, str) and want.endswith("..."):
        return isinstance(got, str) and got.startswith(want[:-3])
    return got == want


def check_promised(cells, promised, column="", argument=None):
    """Problems of the cells a capability map promises: {scenario: (verdict or None, {field: value})}.
    "reason" is the cell's reason; a callable value is called with `argument` (a version, say)."""
    problems = []
    where = " on " + column if column else ""
    for scenario, (verdict, fields) in promised.items():
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s%s: no cell" % (scenario, where))
            continue
        if verdict is not None and cell["verdict"] != verdict:
            problems.append("%s%s: verdict %s, want %s (%s)" % (scenario, where, cell["verdict"], verdict,
                                                                  cell.get("reason")))
            continue
        observation = dict(cell.get("observation") or {}, reason=cell.get("reason"))
        for field, want in fields.items():
            want = want(argument) if callable(want) else want
            if not matches(observation.get(field), want):
                problems.append("%s%s: %s is %r, want %r" % (scenario, where, field, observation.get(field), want))
    return problems


def protocol(descriptor, rest, known_gaps):
    """protocol_test.py (its command line in rest) against the descriptor: every check it fails must
    be one of known_gaps {test name: whose gap and why}; a known gap that passes is a note."""
    done = subprocess.run([sys.executable] + rest + ["--driver", descriptor], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    print(done.stdout[-8000:])
    failed = set(re.findall(r"^(?:FAIL|ERROR): (test_\w+)", done.stdout, re.M))
    problems = []
    if not re.search(r"^Ran \d+ tests?", done.stdout, re.M):
        problems.append("protocol_test.py ran no tests (exit status %d)" % done.returncode)
    elif done.returncode != 0 and not failed:
        problems.append("protocol_test.py failed (exit status %d) and named no test" % done.returncode)
    for name in sorted(failed - set(known_gaps)):
        problems.append("%s fails, and it is no known gap" % name)
    for name in sorted(set(known_gaps) - failed):
        print("note: %s passes now; it can leave the known gaps (%s)" % (name, known_gaps[name]))
    for name in sorted(failed & set(known_gaps)):
        print("known gap: %s: %s" % (name, known_gaps[name]))
    return report(problems)


def report(problems):
    for problem in problems:
        print("FAIL: " + problem)
    return 1 if problems else 0


def split_rest(argv):
    """The arguments before '--', and protocol_test.py's command line after it."""
    if "--" in argv:
        return argv[:argv.index("--")], argv[argv.index("--") + 1:]
    return argv, []
