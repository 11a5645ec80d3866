"""The harness proves it can fail: each test-only deviation of the spawn_core
driver (variant.deviate) must show as a `differ` on exactly the fields it
changes, on the child side and on the parent-after side, and nowhere else.

Usage: test_planted_differences.py FDCONFORM SOURCE_DIR
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
SCENARIOS = ["fds-defaults-std-only", "exec-missing-executable", "cwd-missing"]
# Several named children each, one of them spawned from threads at once.
STEPS_SCENARIOS = ["steps-later-child-never-holds-earlier-pipes", "together-spawns-keep-their-own-pass-fds"]


def run_with(deviation, scenarios=SCENARIOS):
    tmp = tempfile.mkdtemp(prefix="fdconform-planted-")
    try:
        out = os.path.join(tmp, "results.json")
        files = [os.path.join(SOURCE_DIR, "scenarios", name + ".yaml") for name in scenarios]
        command = [FDCONFORM, "run"] + files + ["--impl", "spawn_core-*", "-j2", "--json", out,
                                                "--deviate", "spawn_core-fork=" + deviation]
        completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, timeout=600)
        with open(out) as f:
            return completed.returncode, json.load(f), completed.stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def deviant_cells(results):
    return [cell for cell in results["cells"] if cell["implementation"] == "spawn_core-fork"]


class PlantedDifferences(unittest.TestCase):
    def test_scenarios_exist(self):
        for name in SCENARIOS + STEPS_SCENARIOS:
            self.assertTrue(os.path.exists(os.path.join(SOURCE_DIR, "scenarios", name + ".yaml")), name)

    def test_a_leaked_parent_fd_is_a_parent_after_difference(self):
        status, results, output = run_with("parent_leak")
        self.assertEqual(status, 1, output)
        cells = deviant_cells(results)
        self.assertEqual(len(cells), len(SCENARIOS), output)
        for cell in cells:
            self.assertEqual(cell["verdict"], "differ", (cell["scenario"], output))
            fields = sorted(d["field"] for d in cell["diff"])
            leaked = [f for f in fields if f.startswith("parent_after.fd.")]
            self.assertEqual(len(leaked), 1, (cell["scenario"], fields))
            self.assertEqual(fields, sorted(leaked + ["parent_after.fds"]), cell["scenario"])
            after = dict((d["field"], d) for d in cell["diff"])
            self.assertTrue(after["parent_after.fds"]["actual"].endswith(",devnull"), after)
            self.assertEqual(after[leaked[0]]["actual"], "devnull rdonly cloexec")

    def test_a_child_umask_leaves_the_parent_unchanged(self):
        status, results, output = run_with("umask")
        self.assertEqual(status, 1, output)
        ran = [cell for cell in deviant_cells(results) if cell["observation"].get("child.umask")]
        self.assertTrue(ran, output)
        for cell in ran:
            self.assertEqual([d["field"] for d in cell["diff"]], ["child.umask"], cell["scenario"])
            self.assertEqual(cell["observation"]["parent_after.umask"], "unchanged")

    def test_an_extra_fd_shows_in_every_named_child_and_nowhere_else(self):
        status, results, output = run_with("extra_fd", STEPS_SCENARIOS)
        self.assertEqual(status, 1, output)
        cells = deviant_cells(results)
        self.assertEqual(len(cells), len(STEPS_SCENARIOS), output)
        for cell in cells:
            self.assertEqual(cell["verdict"], "differ", (cell["scenario"], output))
            children = sorted(f.split(".")[0] for f in cell["observation"] if f.endswith(".outcome"))
            self.assertGreaterEqual(len(children), 2, cell["scenario"])
            fields = sorted(d["field"] for d in cell["diff"])
            expected = sorted([name + ".fds" for name in children] + [name + ".fd.42" for name in children])
            self.assertEqual(fields, expected, cell["scenario"])
            for name in children:  # /dev/null, opened by the deviation after the parent snapshot
                self.assertTrue(cell["observation"][name + ".fd.42"].endswith(" rdonly"), (cell["scenario"], name))


if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
