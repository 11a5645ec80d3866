#!/usr/bin/env python3
"""The CI flow of docs/CI.md, locally: 3 shards -> merge -> report equals one run, cell for cell.

Usage: test_shard_merge.py FDCONFORM SOURCE_DIR

One host, a small corpus (--filter), the spawn_core columns plus the system CPython (the reference):
each shard runs a disjoint third of the scenarios; `fdconform merge` combines them by rows; the merged
document must hold exactly the cells of a single unsharded run, each with the same verdict and
observation, and `fdconform report` must render it with the single run's exit status.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

FDCONFORM = sys.argv[1] if len(sys.argv) > 1 else "build/runner/fdconform"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
FILTER = "^(umask|session|cwd|pass-fds|signal)"
COLUMNS = ["--impl", "spawn_core-*", "--with", PYTHON, "-j2"]


def run(*args):
    process = subprocess.run([FDCONFORM, *args], cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=600)
    return process.returncode, process.stdout


def cells(document):
    return {(c["scenario"], c["implementation"]): (c["verdict"], c["observation"]) for c in document["cells"]}


class ShardMergeReport(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="fdconform-shards-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_three_shards_merged_equal_one_run(self):
        scenarios = os.path.join(SOURCE, "scenarios")
        whole_status, whole_output = run("run", scenarios, "--filter", FILTER, *COLUMNS, "--json", self.path("whole.json"))
        self.assertIn(whole_status, (0, 1), whole_output)
        with open(self.path("whole.json")) as f:
            whole = json.load(f)
        self.assertGreaterEqual(len(whole["scenarios"]), 6, "the filter should select several scenarios")

        shard_ids = []
        for index in (1, 2, 3):
            status, output = run("run", scenarios, "--filter", FILTER, *COLUMNS, "--shard", f"{index}/3",
                                 "--json", self.path(f"shard{index}.json"))
            self.assertIn(status, (0, 1), output)
            self.assertIn(f"fdconform: reference: {whole['reference']}", output)
            with open(self.path(f"shard{index}.json")) as f:
                shard_ids.append({s["id"] for s in json.load(f)["scenarios"]})
        # Disjoint, and together the whole corpus.
        self.assertEqual(sum(len(ids) for ids in shard_ids), len(whole["scenarios"]))
        self.assertEqual(set().union(*shard_ids), {s["id"] for s in whole["scenarios"]})

        status, output = run("merge", *[self.path(f"shard{i}.json") for i in (1, 2, 3)], "-o", self.path("merged.json"))
        self.assertEqual(status, 0, output)
        with open(self.path("merged.json")) as f:
            merged = json.load(f)
        self.assertEqual(merged["reference"], whole["reference"])
        self.assertEqual([i["id"] for i in merged["implementations"]], [i["id"] for i in whole["implementations"]])
        self.assertTrue(merged["complete"])
        merged_cells, whole_cells = cells(merged), cells(whole)
        self.assertEqual(set(merged_cells), set(whole_cells))
        for key, value in whole_cells.items():
            self.assertEqual(merged_cells[key], value, f"cell {key}")
        self.assertEqual(merged["summary"], whole["summary"])

        status, output = run("report", self.path("merged.json"), "--html", self.path("report.html"),
                             "--junit", self.path("results.xml"), "--github-annotations")
        self.assertEqual(status, whole_status, output)
        self.assertTrue(os.path.getsize(self.path("report.html")) > 0)
        self.assertTrue(os.path.getsize(self.path("results.xml")) > 0)
        # The same closing line as the single run printed.
        summary = [line for line in whole_output.splitlines() if line.startswith("fdconform: ") and " passed, " in line]
        self.assertTrue(summary, whole_output)
        self.assertIn(summary[-1], output)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
