"""Harness self-tests: fdconform itself must not leak, hang or leave debris.

Each test runs the real `fdconform` binary as a subprocess under a child
subreaper, so anything it orphans (a driver, a scenario parent, a probe)
becomes our child and is counted, and with a private TMPDIR, so any work
directory it forgets is found.

Usage: test_harness_hygiene.py FDCONFORM SOURCE_DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from leftover_processes import become_subreaper, reap_and_list_leftovers  # noqa: E402

FDCONFORM = None
SOURCE_DIR = None
RUN_BOUND_SECONDS = 300  # a hang detector, not a speed check


def oracle_args():
    return ["--with", "/usr/bin/python3"] if os.path.exists("/usr/bin/python3") else []


class HarnessHygiene(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fdconform-selftest-")
        self.run_tmp = os.path.join(self.tmp, "tmpdir")
        os.mkdir(self.run_tmp)
        self.out = os.path.join(self.tmp, "out")
        self.scenarios = os.path.join(SOURCE_DIR, "tests", "selftest", "scenarios")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, *args, **popen_kwargs):
        env = dict(os.environ, TMPDIR=self.run_tmp)
        cmd = [FDCONFORM, "run", "--allow-unconfined"] + list(args)  # selftest-hangs runs /bin/sh
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, **popen_kwargs)

    def finish(self, process):
        try:
            output, _ = process.communicate(timeout=RUN_BOUND_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            self.fail("fdconform did not finish within %ds:\n%s" % (RUN_BOUND_SECONDS, output))
        return process.returncode, output

    def results(self):
        with open(os.path.join(self.out, "results.json")) as f:
            return json.load(f)

    def assert_no_debris(self, output):
        self.assertEqual(reap_and_list_leftovers(), [], "processes left behind\n" + output)
        self.assertEqual(sorted(os.listdir(self.run_tmp)), [], "temporary files left in TMPDIR\n" + output)

    def cells(self, document, scenario):
        return [c for c in document["cells"] if c["scenario"] == scenario]

    def test_no_harness_fd_reaches_the_probe(self):
        # An inheritable fd of our own must not survive into the runner's children either.
        leak_read, leak_write = os.pipe()
        os.set_inheritable(leak_write, True)
        try:
            process = self.start(os.path.join(self.scenarios, "selftest-quiet.yaml"), "-j2",
                                 "--out", self.out, *oracle_args(), pass_fds=(leak_write,))
        finally:
            os.close(leak_read)
            os.close(leak_write)
        status, output = self.finish(process)
        self.assertEqual(status, 0, output)
        cells = [c for c in self.cells(self.results(), "selftest-quiet") if c["verdict"] != "skip"]
        self.assertGreaterEqual(len(cells), 2, output)
        for cell in cells:
            self.assertEqual(cell["verdict"], "match", (cell["implementation"], cell.get("reason")))
            self.assertEqual(cell["observation"]["child.fds"], "0,1,2", cell["implementation"])
        for report in ("results.json", "results.xml", "report.html"):
            self.assertTrue(os.path.getsize(os.path.join(self.out, report)) > 0, report)
        self.assert_no_debris(output)

    def test_hung_child_is_killed_and_the_run_goes_on(self):
        process = self.start(self.scenarios, "-j2", "--out", self.out, *oracle_args())
        status, output = self.finish(process)
        self.assertNotEqual(status, 0, "a timed-out cell is an error, so the run must fail\n" + output)
        document = self.results()
        self.assertTrue(document["complete"])
        hung = self.cells(document, "selftest-hangs")
        self.assertGreaterEqual(len(hung), 2, output)
        for cell in hung:
            self.assertEqual(cell["verdict"], "error", cell)
            self.assertIn("timed out", cell["reason"], cell)
        for cell in self.cells(document, "selftest-quiet"):
            self.assertIn(cell["verdict"], ("match", "skip"), cell)
        self.assert_no_debris(output)

    def test_sigint_stops_the_run_and_keeps_partial_results(self):
        process = self.start(self.scenarios, os.path.join(SOURCE_DIR, "scenarios"), "-j2",
                             "--out", self.out, *oracle_args())
        # Interrupt once the first cell is judged (its progress line), whatever the machine's speed:
        # the columns are up and workers are inside cells, far from the end of the run.
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("fdconform: ["):
                break
        process.send_signal(signal.SIGINT)
        status, output = self.finish(process)
        output = "".join(seen) + output
        self.assertEqual(status, 130, output)
        document = self.results()
        self.assertFalse(document["complete"], "an interrupted run must say it is incomplete")
        self.assert_no_debris(output)


if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    become_subreaper()
    unittest.main(verbosity=2)
