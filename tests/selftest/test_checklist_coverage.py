"""scenarios/tools/coverage.py on the real corpus, and on a made-up one where it must fail.

Usage: test_checklist_coverage.py SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else os.getcwd()
TOOL = os.path.join(SOURCE, "scenarios", "tools", "coverage.py")

CHECKLIST = """# Checklist
- **X1**: A behaviour a scenario shows. Source: here.
- **X2**: An internal step. Source: here. Not observable by a scenario: nothing outside the
  implementation sees it.
"""


def scenario(name, covers):
    return "format: 1\nid: %s\ncovers: [%s]\n" % (name, ", ".join(covers))


class ChecklistCoverage(unittest.TestCase):
    def run_tool(self, *args):
        return subprocess.run([sys.executable, TOOL] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)

    def test_the_corpus_claims_nothing_marked_not_observable(self):
        result = self.run_tool()
        self.assertEqual(result.returncode, 0, result.stdout[-2000:] + result.stderr)
        self.assertIn("observable checklist items covered", result.stdout)

    def made_up(self, covers):
        folder = tempfile.mkdtemp(prefix="fdconform-coverage-")
        self.addCleanup(lambda: subprocess.call(["rm", "-rf", folder]))
        with open(os.path.join(folder, "CHECKLIST.md"), "w") as f:
            f.write(CHECKLIST)
        os.mkdir(os.path.join(folder, "scenarios"))
        with open(os.path.join(folder, "scenarios", "a.yaml"), "w") as f:
            f.write(scenario("a", covers))
        return self.run_tool("--scenarios", os.path.join(folder, "scenarios"),
                             "--checklist", os.path.join(folder, "CHECKLIST.md"))

    def test_a_not_observable_item_is_counted_apart(self):
        result = self.made_up(["X1"])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("1 of 1 observable checklist items covered (1 more are not observable", result.stdout)
        self.assertIn("Not observable by a scenario (the reason is in the item): X2.", result.stdout)

    def test_covering_an_item_marked_not_observable_fails(self):
        result = self.made_up(["X1", "X2"])
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("Covered although marked not observable (fix one or the other): X2.", result.stdout)


if __name__ == "__main__":
    unittest.main()
