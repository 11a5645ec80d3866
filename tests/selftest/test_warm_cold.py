"""Warm drivers must not change any observation: the same scenarios run with
warm driver sessions and with a fresh driver per cell (--cold) give identical
normalized observations and verdicts, cell by cell.

Usage: test_warm_cold.py FDCONFORM SOURCE_DIR
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
# Families that exercise fds, signals, errors, sessions and the environment.
SUBSET = "^(fds-|signals-|errors-|session-|env-|lowfd-closed)"


def run(out_json, *extra):
    command = [FDCONFORM, "run", os.path.join(SOURCE_DIR, "scenarios"), "--filter", SUBSET,
               "--impl", "spawn_core-auto", "--impl", "cpython-*", "-j2", "--json", out_json] + list(extra)
    if os.path.exists("/usr/bin/python3"):
        command += ["--with", "/usr/bin/python3"]
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=900)
    with open(out_json) as f:
        return completed.returncode, json.load(f), completed.stdout


class WarmAndCold(unittest.TestCase):
    def test_identical_observations(self):
        tmp = tempfile.mkdtemp(prefix="fdconform-warmcold-")
        try:
            warm_status, warm, warm_out = run(os.path.join(tmp, "warm.json"))
            cold_status, cold, cold_out = run(os.path.join(tmp, "cold.json"), "--cold")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(warm_status, cold_status, warm_out + cold_out)
        key = lambda cell: (cell["scenario"], cell["implementation"])
        warm_cells = dict((key(c), c) for c in warm["cells"])
        cold_cells = dict((key(c), c) for c in cold["cells"])
        self.assertEqual(sorted(warm_cells), sorted(cold_cells))
        self.assertGreaterEqual(len(warm_cells), 30, "the subset should cover many cells")
        ran = 0
        for k in sorted(warm_cells):
            self.assertEqual(warm_cells[k]["verdict"], cold_cells[k]["verdict"], k)
            self.assertEqual(warm_cells[k]["observation"], cold_cells[k]["observation"], k)
            ran += bool(warm_cells[k]["observation"])
        self.assertGreaterEqual(ran, 30, "most cells should have run")


if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
