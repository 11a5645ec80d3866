"""A skip must not hide a bug: with --baseline, a cell an earlier run saw pass and this run skips is an
error that names both runs; without --baseline the same skip is only a skip; a baseline that is not a
results document is a usage error.

Usage: test_newly_skipped.py FDCONFORM SOURCE_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

FDCONFORM = None
SOURCE_DIR = None
SCENARIOS = ["umask-inherited-from-parent", "fds-defaults-std-only"]


def run(corpus, *extra):
    # fork and vfork take one mechanism, so the two columns agree and the run is green before the change.
    command = [FDCONFORM, "run", corpus, "--impl", "spawn_core-vfork", "--reference", "spawn_core-fork"] + list(extra)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               timeout=300)
    return completed.returncode, completed.stdout


class NewlySkipped(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fdconform-newly-skipped-")
        self.corpus = os.path.join(self.tmp, "scenarios")
        os.mkdir(self.corpus)
        for name in SCENARIOS:
            shutil.copy(os.path.join(SOURCE_DIR, "scenarios", name + ".yaml"), self.corpus)
        self.baseline = os.path.join(self.tmp, "baseline.json")
        status, output = run(self.corpus, "--json", self.baseline)
        self.assertEqual(status, 0, output)
        # The first scenario now needs a kernel nobody has: every one of its cells skips.
        path = os.path.join(self.corpus, SCENARIOS[0] + ".yaml")
        with open(path) as f:
            text = f.read()
        self.assertNotIn("requires:", text)
        with open(path, "w") as f:
            f.write(text.replace("\nspawn:", "\nrequires:\n  kernel: \"99.0\"\nspawn:", 1))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_a_skip_alone_passes(self):
        status, output = run(self.corpus)
        self.assertEqual(status, 0, output)

    def test_a_skip_of_a_cell_that_passed_is_an_error(self):
        results = os.path.join(self.tmp, "now.json")
        status, output = run(self.corpus, "--baseline", self.baseline, "--json", results)
        self.assertEqual(status, 1, output)
        with open(results) as f:
            cells = json.load(f)["cells"]
        for cell in cells:
            if cell["scenario"] == SCENARIOS[0]:
                self.assertEqual(cell["verdict"], "error", cell)
                self.assertIn("newly skipped", cell["reason"])
                self.assertIn(self.baseline, cell["reason"])
                self.assertIn("needs Linux 99.0", cell["reason"])
            else:
                self.assertIn(cell["verdict"], ("match", "expected-differ"), cell)
        self.assertIn("newly skipped", output)

    def test_a_baseline_that_is_not_a_results_document_is_a_usage_error(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"cells": 1}')
        status, output = run(self.corpus, "--baseline", bad)
        self.assertEqual(status, 2, output)
        self.assertIn("--baseline", output)


if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
