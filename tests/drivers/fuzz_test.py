"""`fdconform fuzz` against a column with a planted bug (docs/FUZZING.md "Self-test").

  fuzz_test.py planted-bug --runner FDCONFORM --broken BROKEN.json --good GOOD.json --impl ID
               --reference ID --work DIR
      1. runs `fdconform fuzz --seed 1 --cases 200` with the broken adapter (it never closes an fd
         above 2) and looks in summary.json for differences whose signature names child fd fields
         alone (child.fds, child.fd.N...) and whose reduced scenario has at most 15 lines;
      2. runs each of those reduced scenarios on the sound adapter: at least one must show no
         difference there, so it is the planted bug that was found and reduced, not one of the
         column's own differences (the sound adapter differs from spawn_core in fd fields too, e.g.
         `pass_fds: [3]` with nothing open at 3). Without the bug this step fails;
      3. reruns every reduced scenario with `fdconform run` and checks that the column differs from
         the reference in exactly the signature's fields (numbers read as N, child fields left out
         when the outcome differs): the reducer kept the difference it was reducing.

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

MAX_REDUCED_LINES = 15


def general(field):
    return ".".join("N" if part.isdigit() else part for part in field.split("."))


def is_fd_field(field):
    return field == "child.fds" or field.startswith("child.fd.")


def fuzz(args, descriptor, out):
    shutil.rmtree(out, ignore_errors=True)
    command = [args.runner, "fuzz", "--seed", "1", "--cases", "200", "--driver", descriptor, "--impl", args.impl,
               "--reference", args.reference, "--out", out]
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    if run.returncode not in (0, 1):
        sys.exit(f"FAIL: {' '.join(command)} exited {run.returncode}:\n{run.stdout}{run.stderr}")
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    if summary["cases"] != 200 or summary["rejected"] != 0:
        sys.exit(f"FAIL: expected 200 cases and none rejected, got {summary['cases']} and {summary['rejected']}: "
                 f"{summary['rejections']}")
    return summary


def fd_only(summary, impl):
    return [d for d in summary["differences"]
            if list(d["signature"]) == [impl] and all(is_fd_field(f) for f in d["signature"][impl])]


def differing_fields(args, descriptor, scenario, work):
    results = os.path.join(work, "rerun.json")
    command = [args.runner, "run", scenario, "--driver", descriptor, "--impl", args.impl, "--reference",
               args.reference, "--no-expectations", "--json", results]
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    with open(results, encoding="utf-8") as f:
        document = json.load(f)
    cells = [c for c in document["cells"] if c["implementation"] == args.impl]
    if len(cells) != 1:
        sys.exit(f"FAIL: {scenario}: expected one cell of {args.impl} in {results}")
    return leave_out_consequences({general(d["field"]) for d in cells[0]["diff"]})


def leave_out_consequences(fields):
    """As the fuzzer's signature: with the outcome different, the child fields are its consequence; in a
    steps scenario, NAME.outcome different leaves out NAME's other fields (NAME.outcome.* kept)."""
    prefixes = ["child."] if "outcome" in fields else []
    prefixes += [f[:-len("outcome")] for f in fields if f.endswith(".outcome") and f.count(".") == 1]
    return {f for f in fields
            if not any(f.startswith(p) and not f.startswith(p + "outcome") for p in prefixes)}


def planted_bug(args):
    os.makedirs(args.work, exist_ok=True)
    summary = fuzz(args, args.broken, os.path.join(args.work, "broken"))
    found = fd_only(summary, args.impl)
    if not found:
        sys.exit("FAIL: the broken adapter's fds above 2 were not found as a difference in child fd fields alone; "
                 f"differences: {[d['signature'] for d in summary['differences']]}")
    small = [d for d in found if d["reduced_lines"] <= MAX_REDUCED_LINES and d["confirmed"]]
    if not small:
        sys.exit(f"FAIL: no fd-only difference was reduced to at most {MAX_REDUCED_LINES} lines: "
                 f"{[(d['file'], d['reduced_lines']) for d in found]}")
    planted = [d for d in small if not differing_fields(args, args.good, d["file"], args.work)]
    if not planted:
        sys.exit("FAIL: every small fd-only difference shows on the sound adapter as well: "
                 f"{[(d['file'], d['signature']) for d in small]}")
    best = min(planted, key=lambda d: d["reduced_lines"])
    print(f"found: {best['file']} ({best['original_lines']} -> {best['reduced_lines']} lines, "
          f"{best['reduction_steps']} steps): {best['signature']}")

    for difference in summary["differences"]:
        if not difference["confirmed"]:
            continue
        expected = set(difference["signature"][args.impl]) if args.impl in difference["signature"] else set()
        if "(error)" in expected:
            continue
        seen = differing_fields(args, args.broken, difference["file"], args.work)
        if seen != expected:
            sys.exit(f"FAIL: {difference['file']} was reduced keeping the signature {sorted(expected)}, "
                     f"but `fdconform run` shows {sorted(seen)}")
    print(f"every reduced scenario shows its signature again under `fdconform run` "
          f"({len(summary['differences'])} scenarios)")



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    planted = sub.add_parser("planted-bug")
    for option in ("--runner", "--broken", "--good", "--impl", "--reference", "--work"):
        planted.add_argument(option, required=True)
    args = parser.parse_args()
    if args.command == "planted-bug":
        planted_bug(args)
    print("PASS")


if __name__ == "__main__":
    main()
