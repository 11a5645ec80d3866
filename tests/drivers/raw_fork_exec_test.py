"""The kit's proof column (drivers/examples/raw_fork_exec/) against the whole corpus.

  raw_fork_exec_test.py corpus --runner FDCONFORM --scenarios DIR --driver DESCRIPTOR.json --out DIR
      runs `fdconform run DIR --driver DESCRIPTOR --impl ID --no-expectations` (the reference column
      runs too) and checks from the results document that every scenario got a verdict for the
      column and that none is an error: what the plain request of drivers/kit/kit.h cannot express
      must come back as a skip naming the missing capability ("no API: ..."), and behaviour that
      differs from the reference is a verdict like any other.
  raw_fork_exec_test.py mutant --protocol-test PROTOCOL_TEST.py --expect TEXT -- PROTOCOL_TEST_ARGS...
      runs tests/drivers/protocol_test.py against a deliberately broken build of the adapter and
      passes only when that run fails, and fails for the expected reason (TEXT in its output).
  raw_fork_exec_test.py startup-signals --driver DESCRIPTOR.json --reference DESCRIPTOR.json --probe PROBE
      replays one plain scenario on the column and on a column with CPython's semantics (spawn_core)
      and checks that each scenario parent starts in its own runtime's state: the reference's with
      SIGPIPE and SIGXFSZ ignored and SIGINT caught, declared as runtime_owned; this column's with
      all three at their defaults and nothing declared. The two parent states differ in exactly
      those signals, so the runner's parent-state check passes only because they are declared.

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

VERDICTS = ("match", "differ", "expected-differ", "unexpected-pass", "skip", "no-api", "error")
NO_API = "no API: "
MIN_RAN = 50  # the column must really run much of the corpus, not skip its way through


def corpus(options):
    with open(options.driver) as f:
        column = json.load(f)["id"]
    os.makedirs(options.out, exist_ok=True)
    results = os.path.join(options.out, "results.json")
    command = [options.runner, "run", options.scenarios, "--driver", options.driver, "--impl", column,
               "--no-expectations", "--json", results, "-j2"]
    print("running: " + " ".join(command), flush=True)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if not os.path.exists(results):
        print(completed.stdout[-4000:])
        return "the run wrote no results document (exit status %d)" % completed.returncode
    with open(results) as f:
        document = json.load(f)
    scenarios = [s["id"] for s in document["scenarios"]]
    cells = dict((c["scenario"], c) for c in document["cells"] if c["implementation"] == column)
    problems = []
    if not scenarios:
        problems.append("the results document lists no scenario")
    for scenario in scenarios:
        cell = cells.get(scenario)
        if cell is None:
            problems.append("%s: no cell for %s" % (scenario, column))
            continue
        verdict, reason = cell.get("verdict"), cell.get("reason") or ""
        if verdict not in VERDICTS:
            problems.append("%s: verdict %r is none of %s" % (scenario, verdict, ", ".join(VERDICTS)))
        elif verdict == "error":
            problems.append("%s: an error cell: %s" % (scenario, reason))
        elif verdict in ("skip", "no-api") and not reason.strip():
            problems.append("%s: a %s cell without a reason" % (scenario, verdict))
        elif verdict == "no-api" and not reason.startswith(NO_API):
            problems.append("%s: a no-api cell whose reason does not name the capability: %r" % (scenario, reason))
    counts = collections.Counter(c.get("verdict") for c in cells.values())
    no_api = collections.Counter(c["reason"][len(NO_API):].split(":")[0] for c in cells.values()
                                 if (c.get("reason") or "").startswith(NO_API))
    ran = sum(n for verdict, n in counts.items() if verdict not in ("skip", "no-api"))
    print("%s: %d scenarios; %s" % (column, len(scenarios), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    print("no API: " + ", ".join("%s %d" % kv for kv in no_api.most_common()))
    if ran < MIN_RAN:
        problems.append("only %d cells ran (want at least %d)" % (ran, MIN_RAN))
    for problem in problems:
        print("FAIL " + problem)
    return "%d problems" % len(problems) if problems else None


def mutant(options, protocol_args):
    command = [sys.executable, options.protocol_test] + protocol_args
    print("running: " + " ".join(command), flush=True)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    print(completed.stdout[-3000:])
    if completed.returncode == 0:
        return "the broken adapter passed the protocol test: the test cannot see the bug"
    if options.expect not in completed.stdout:
        return "the protocol test failed, but not with %r: it failed for another reason" % options.expect
    print("the broken adapter was caught: %r" % options.expect)
    return None


CPYTHON_STARTUP = {"ignored": {"SIGPIPE", "SIGXFSZ"}, "caught": {"SIGINT"}}


def replay_one(descriptor_path, probe, work):
    """The driver's hello and its result for one scenario that sets nothing in the parent."""
    with open(descriptor_path) as f:
        descriptor = json.load(f)
    workdir = tempfile.mkdtemp(dir=work)
    os.chmod(workdir, 0o777)
    request = {"request": 1, "scenario": {"id": "startup-signals", "spawn": {"popen": {"argv": ["{probe}"]}}},
               "workdir": workdir, "probe": probe, "timeout_ms": 10000, "variant": descriptor.get("variant", {})}
    done = subprocess.run(descriptor["argv"], input=json.dumps(request) + "\n", stdout=subprocess.PIPE,
                          universal_newlines=True, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"},
                          timeout=60)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(messages) != 2:
        raise AssertionError("%s: expected a hello and one result, got %d lines" % (descriptor["id"], len(messages)))
    return messages[0], messages[1]


def declared_signals(message):
    return set((message.get("runtime_owned") or {}).get("signals", []))


def startup_signals(options):
    work = tempfile.mkdtemp(prefix="startup-signals-")
    try:
        column_hello, column = replay_one(options.driver, options.probe, work)
        reference_hello, reference = replay_one(options.reference, options.probe, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    problems = []
    for name, result in (("column", column), ("reference", reference)):
        if result.get("status") != "ran":
            problems.append("%s: not run: %s" % (name, result.get("reason")))
    if problems:
        return "; ".join(problems)
    startup_names = set().union(*CPYTHON_STARTUP.values())
    for which, names in CPYTHON_STARTUP.items():
        seen = set(reference["parent"]["signals"][which])
        if not names <= seen:
            problems.append("reference parent: %s not %s (it has %s)" % (", ".join(sorted(names - seen)), which,
                                                                         sorted(seen)))
        leaked = names & set(column["parent"]["signals"][which])
        if leaked:
            problems.append("column parent: %s %s, where a C program starts with every signal at its default"
                            % (", ".join(sorted(leaked)), which))
    for name, message in (("reference hello", reference_hello), ("reference result", reference)):
        if not startup_names <= declared_signals(message):
            problems.append("%s: runtime_owned.signals %s does not declare %s"
                            % (name, sorted(declared_signals(message)), sorted(startup_names)))
    for name, message in (("column hello", column_hello), ("column result", column)):
        if declared_signals(message) & startup_names:
            problems.append("%s declares %s as its runtime's" % (name, sorted(declared_signals(message) & startup_names)))
    # What the parent-state check compares, signals only: equal with the declared names left out, and
    # different without (the declaration is what lets the two columns be compared).
    def signals(result, leave_out):
        return dict((which, sorted(set(names) - leave_out)) for which, names in result["parent"]["signals"].items())
    declared = declared_signals(reference) | declared_signals(column)
    if signals(column, declared) != signals(reference, declared):
        problems.append("parent signals differ with runtime_owned left out: column %s, reference %s"
                        % (signals(column, declared), signals(reference, declared)))
    if signals(column, set()) == signals(reference, set()):
        problems.append("parent signals agree without runtime_owned: the start-up states are not the runtimes' own")
    for problem in problems:
        print("FAIL " + problem)
    if not problems:
        print("reference parent %s, declared %s; column parent %s"
              % (reference["parent"]["signals"], sorted(declared_signals(reference)), column["parent"]["signals"]))
    return "%d problems" % len(problems) if problems else None


def main(argv):
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("corpus", "mutant", "startup-signals"))
    parser.add_argument("--runner")
    parser.add_argument("--scenarios")
    parser.add_argument("--driver")
    parser.add_argument("--out")
    parser.add_argument("--protocol-test")
    parser.add_argument("--expect")
    parser.add_argument("--reference")
    parser.add_argument("--probe")
    options = parser.parse_args(argv[:split])
    if options.mode == "corpus":
        missing = [k for k in ("runner", "scenarios", "driver", "out") if not getattr(options, k)]
        failure = "missing --" + ", --".join(missing) if missing else corpus(options)
    elif options.mode == "mutant":
        missing = [k.replace("_", "-") for k in ("protocol_test", "expect") if not getattr(options, k)]
        failure = "missing --" + ", --".join(missing) if missing else mutant(options, argv[split + 1:])
    else:
        missing = [k for k in ("driver", "reference", "probe") if not getattr(options, k)]
        failure = "missing --" + ", --".join(missing) if missing else startup_signals(options)
    if failure:
        print("raw_fork_exec_test.py %s: %s" % (options.mode, failure))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
