#!/usr/bin/env python3
"""Plants, in a generated results document, what the browser test checks a reader can see.

    plant_difference.py RESULTS.json      (rewritten in place)

- In the first row where every column matched, spawn_core-vfork gets a real `differ` (umask 077) and
  spawn_core-fork the same observation as an accepted `expected-differ` with an expectation reason and link:
  the two cells saw the same thing, so only the verdict can tell them apart.
- Every expected-differ cell gets an expectation entry (reason, link, file, line), as the runner writes them.
- The rows of that scenario gain a long field name, which must wrap in the panel instead of overlapping values.
The planted cells are recorded under "planted" for check_report.mjs.
"""
import json
import sys

LONG_FIELD = "child.signals.libc_internal_ignored_by_the_posix_spawn_path_of_glibc"


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    reference = doc["reference"]
    by_scenario = {}
    for cell in doc["cells"]:
        by_scenario.setdefault(cell["scenario"], {})[cell["implementation"]] = cell
    ids = [s["id"] for s in doc["scenarios"]]
    chosen = next(sid for sid in ids[5:] if all(c["verdict"] == "match" for c in by_scenario[sid].values())
                  and len(by_scenario[sid]) == len(doc["implementations"]))
    row = by_scenario[chosen]
    for cell in row.values():
        cell["observation"][LONG_FIELD] = "32,33"
    planted_obs = dict(row[reference]["observation"], **{"child.umask": "077"})
    diff = [{"field": "child.umask", "expected": "022", "actual": "077"}]
    row["spawn_core-vfork"].update(verdict="differ", observation=planted_obs, diff=diff,
                                   reason="child.umask differs")
    row["spawn_core-fork"].update(verdict="expected-differ", observation=dict(planted_obs), diff=diff, reason=None)
    for cell in doc["cells"]:
        if cell["verdict"] == "expected-differ":
            cell["expectation"] = {
                "reason": "the forced fork path keeps the parent's umask handling (planted for the browser test)",
                "link": "https://example.invalid/fdconform/expectations#" + cell["scenario"],
                "file": "expectations/spawn_core-forced-fork-vfork.yaml",
                "line": 7,
            }
    summary = dict.fromkeys(doc["summary"], 0)
    for cell in doc["cells"]:
        summary[cell["verdict"]] += 1
    doc["summary"] = summary
    doc["planted"] = {"scenario": chosen, "failing": "spawn_core-vfork", "accepted": "spawn_core-fork",
                      "match": reference, "long_field": LONG_FIELD}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
