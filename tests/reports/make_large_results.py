#!/usr/bin/env python3
"""Writes a synthetic fdconform results document (docs/RESULTS.md) for size and browser checks.

The default is the size issue 4 asks the HTML report to handle: 1,000 scenarios x 12 implementations,
with realistic YAML, descriptions and observations, rows where some implementations disagree, skips,
errors and a few scenarios full of characters that need escaping. The output is deterministic for a seed.

    make_large_results.py --output results.json [--scenarios 1000] [--implementations 12] [--seed 4]
"""
import argparse
import json
import random
import sys

IMPLEMENTATIONS = [
    ("cpython-3.13.0", "CPython", "3.13.0"),
    ("cpython-3.6.15", "CPython", "3.6.15"),
    ("cpython-3.7.17", "CPython", "3.7.17"),
    ("cpython-3.8.18", "CPython", "3.8.18"),
    ("cpython-3.9.18", "CPython", "3.9.18"),
    ("cpython-3.10.13", "CPython", "3.10.13"),
    ("cpython-3.11.7", "CPython", "3.11.7"),
    ("cpython-3.12.1", "CPython", "3.12.1"),
    ("debian-python-3.11.2", "CPython (Debian)", "3.11.2"),
    ("spawn_core-fork", "spawn_core", "0.1.0"),
    ("spawn_core-vfork", "spawn_core", "0.1.0"),
    ("spawn_core-posix_spawn", "spawn_core", "0.1.0"),
]
TAGS = ["pass_fds", "close_fds", "std_streams", "session", "signals", "umask", "cwd", "env", "errors",
        "lowfd", "posix_spawn", "preexec"]
NASTY = "nasty <&\"'] \x01\x1f </script> <!-- ]]>"


def observation(rng, scenario_index):
    extra = [3 + k for k in range(rng.randint(0, 4))]
    fds = [0, 1, 2] + extra
    obs = {
        "outcome": "exited 0",
        "child.fds": ",".join(map(str, fds)),
        "child.session": "parent",
        "child.pgroup": "parent",
        "child.umask": "022",
        "child.signals.ignored": "SIGPIPE" if scenario_index % 3 else "",
        "child.signals.blocked": "",
        "child.cwd": "{workdir}",
        "child.env": "PATH=/usr/bin:/bin\nLANG=C.UTF-8\nFDCONFORM_SCENARIO=s%d" % scenario_index,
        "child.uid": "parent",
        "child.gid": "parent",
        "parent_after.fds": "0,1,2,p.read,p.write",
    }
    for fd in fds:
        obs["child.fd.%d" % fd] = ["tty rdwr", "p.read rdonly", "p.write wronly", "file.txt rdwr append"][fd % 4]
    return obs


def mutate(rng, obs):
    changed = dict(obs)
    field = rng.choice(["child.fds", "child.session", "child.umask", "outcome", "child.signals.ignored"])
    changed[field] = {"child.fds": obs["child.fds"] + ",9", "child.session": "self", "child.umask": "077",
                      "outcome": "exception", "child.signals.ignored": "SIGPIPE,SIGXFSZ"}[field]
    if field == "outcome":
        changed["outcome.error_class"] = "OSError"
    if field == "child.fds":
        changed["child.fd.9"] = "p.write wronly nonblock"
    return changed


def diff(reference, actual):
    out = []
    for field in sorted(set(reference) | set(actual)):
        if reference.get(field) != actual.get(field):
            out.append({"field": field, "expected": reference.get(field), "actual": actual.get(field)})
    return out


def scenario_text(rng, index, tags):
    nasty = index % 97 == 13
    sid = "%s-case-%04d" % (tags[0].replace("_", "-"), index)
    title = "Case %d: %s behaviour under %s" % (index, tags[0], ", ".join(tags[1:]) or "defaults")
    if nasty:
        title += " " + NASTY
    description = ("Checks what the child inherits when the parent holds %d extra descriptors and spawns "
                   "with the %s options; the reference is CPython's subprocess.Popen. " % (index % 7, tags[0]))
    description += description if index % 2 else ""
    yaml_lines = ["id: %s" % sid, "title: %s" % json.dumps(title), "tags: [%s]" % ", ".join(tags),
                  "covers: [X%d, P%d]" % (index % 12 + 1, index % 9 + 1), "parent:",
                  "  - pipe: p", "  - open: {name: file.txt, path: '{workdir}/file.txt', mode: rw}",
                  "  - inheritable: [p.read]", "spawn:", "  api: popen",
                  "  close_fds: %s" % ("true" if index % 2 else "false"),
                  "  pass_fds: [p.read]", "  start_new_session: %s" % ("true" if index % 5 == 0 else "false"),
                  "expect:", "  outcome: exited 0", "  child.fds: '0,1,2,3'"]
    if nasty:
        yaml_lines.append("# " + NASTY)
    return {"id": sid, "title": title, "description": description,
            "file": "scenarios/%s.yaml" % sid, "line": 1, "tags": tags,
            "covers": ["X%d" % (index % 12 + 1), "P%d" % (index % 9 + 1)],
            "source": "cpython-semantics.md X%d" % (index % 12 + 1), "yaml": "\n".join(yaml_lines) + "\n"}


def build(scenario_count, implementation_count, seed):
    rng = random.Random(seed)
    impls = IMPLEMENTATIONS[:implementation_count]
    reference = impls[0][0]
    scenarios, cells = [], []
    summary = dict.fromkeys(["match", "differ", "expected-differ", "unexpected-pass", "skip", "error"], 0)
    for index in range(scenario_count):
        tags = rng.sample(TAGS, rng.randint(1, 3))
        scenario = scenario_text(rng, index, tags)
        scenarios.append(scenario)
        ref_obs = observation(rng, index)
        variants = [mutate(rng, ref_obs) for _ in range(2)]
        roll = rng.random()
        for impl_id, _name, version in impls:
            obs, verdict, reason = ref_obs, "match", None
            if impl_id != reference:
                if version.startswith(("3.6", "3.7")) and rng.random() < 0.1:
                    obs, verdict, reason = None, "skip", "needs Python >= 3.8 (posix_spawn path)"
                elif rng.random() < 0.005:
                    obs, verdict, reason = None, "error", "driver timed out after 10 s " + (NASTY if index % 2 else "")
                elif roll < 0.12 and impl_id.startswith("spawn_core"):
                    obs = variants[0]
                elif roll < 0.18 and version.startswith(("3.6", "3.7", "3.8")):
                    obs = variants[1] if version.startswith("3.6") else variants[0]
            cell_diff = diff(ref_obs, obs) if obs is not None else []
            if obs is not None and cell_diff:
                verdict = "expected-differ" if impl_id == "spawn_core-fork" else "differ"
                reason = "%s differs" % cell_diff[0]["field"]
            elif obs is not None and impl_id == "spawn_core-posix_spawn" and index % 211 == 5:
                verdict, reason = "unexpected-pass", "matches although the expectation file lists a difference"
            summary[verdict] += 1
            cells.append({"scenario": scenario["id"], "implementation": impl_id, "verdict": verdict,
                          "reason": reason, "observation": obs, "diff": cell_diff, "expectation_failures": [],
                          "duration_ms": round(rng.uniform(2, 40), 1), "class": None})
    # Observation classes within each row, numbered in column order.
    for row_start in range(0, len(cells), len(impls)):
        seen = []
        for cell in cells[row_start:row_start + len(impls)]:
            if cell["observation"] is None:
                continue
            if cell["observation"] not in seen:
                seen.append(cell["observation"])
            cell["class"] = seen.index(cell["observation"])
    return {
        "fdconform_results": 1,
        "complete": True,
        "fdconform": {"version": "0.1.0", "commit": "synthetic"},
        "environment": {"host": "generator", "kernel": "6.1.0-synthetic", "libc": "glibc 2.36",
                        "distribution": "Debian GNU/Linux 12 (bookworm)", "cpu": "synthetic CPU", "cores": 2,
                        "date": "2026-01-01T00:00:00Z", "root": True},
        "reference": reference,
        "implementations": [{"id": i, "name": n, "version": v, "detail": "synthetic " + i, "host": "generator",
                             "features": ["posix_spawn"], "argv": [i]} for i, n, v in impls],
        "scenarios": scenarios,
        "cells": cells,
        "summary": summary,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="where to write the results JSON ('-' for stdout)")
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--implementations", type=int, default=12)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if not 1 <= args.implementations <= len(IMPLEMENTATIONS):
        parser.error("--implementations must be between 1 and %d" % len(IMPLEMENTATIONS))
    if args.scenarios < 1:
        parser.error("--scenarios must be at least 1")
    document = build(args.scenarios, args.implementations, args.seed)
    if args.output == "-":
        json.dump(document, sys.stdout)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            json.dump(document, out)


if __name__ == "__main__":
    main()
