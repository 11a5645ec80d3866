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

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

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


def main(argv):
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("corpus", "mutant"))
    parser.add_argument("--runner")
    parser.add_argument("--scenarios")
    parser.add_argument("--driver")
    parser.add_argument("--out")
    parser.add_argument("--protocol-test")
    parser.add_argument("--expect")
    options = parser.parse_args(argv[:split])
    if options.mode == "corpus":
        missing = [k for k in ("runner", "scenarios", "driver", "out") if not getattr(options, k)]
        failure = "missing --" + ", --".join(missing) if missing else corpus(options)
    else:
        missing = [k.replace("_", "-") for k in ("protocol_test", "expect") if not getattr(options, k)]
        failure = "missing --" + ", --".join(missing) if missing else mutant(options, argv[split + 1:])
    if failure:
        print("raw_fork_exec_test.py %s: %s" % (options.mode, failure))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
