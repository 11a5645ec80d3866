"""The runner under resource limits (issue 7).

`fdconform run` is started with a low RLIMIT_NOFILE, or as nobody with a low
RLIMIT_NPROC (root ignores NPROC), set in preexec_fn so the runner, its
drivers and their children all inherit it. The cells the limit breaks must be
errors with a message (never a verdict), the other cells must still run, the
exit status must be 1, the three reports must be written, and nothing may be
left behind (processes, TMPDIR debris).

Usage: test_runner_limits.py FDCONFORM SOURCE_DIR
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from leftover_processes import become_subreaper, reap_and_list_leftovers  # noqa: E402

FDCONFORM = None
SOURCE_DIR = None
RUN_BOUND_SECONDS = 300  # a hang detector, not a speed check
NOBODY = 65534
# The scenario parent keeps its result channel at fd 1023 (docs/PROTOCOL.md).
NOFILE_LIMIT = 512


class RunnerUnderLimits(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fdconform-limits-")
        os.chmod(self.tmp, 0o777)  # the NPROC run is nobody's
        self.run_tmp = os.path.join(self.tmp, "tmpdir")
        self.out = os.path.join(self.tmp, "out")
        for d in (self.run_tmp, self.out):
            os.mkdir(d)
            os.chmod(d, 0o777)
        self.scenarios = os.path.join(SOURCE_DIR, "tests", "limits", "scenarios")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_limited(self, limit, value, as_nobody, *extra):
        def preexec():
            resource.setrlimit(limit, (value, value))
            if as_nobody:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)

        env = dict(os.environ, TMPDIR=self.run_tmp)
        cmd = [FDCONFORM, "run", self.scenarios, "--impl", "spawn_core-*", "--reference", "spawn_core-auto",
               "--no-expectations",
               "--out", self.out] + list(extra)
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, preexec_fn=preexec, cwd=self.tmp)
        try:
            output, _ = process.communicate(timeout=RUN_BOUND_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            self.fail("fdconform did not finish within %ds under the limit:\n%s" % (RUN_BOUND_SECONDS, output))
        return process.returncode, output

    def check_run(self, status, output):
        """Exit 1 (not a crash, not usage), complete reports, no debris. Returns the results."""
        self.assertEqual(status, 1, "expected exit status 1 (cells in error)\n" + output)
        for report in ("results.json", "results.xml", "report.html"):
            path = os.path.join(self.out, report)
            self.assertTrue(os.path.exists(path) and os.path.getsize(path) > 0, report + " missing\n" + output)
        with open(os.path.join(self.out, "results.json")) as f:
            document = json.load(f)
        self.assertTrue(document["complete"], "the run must finish every cell\n" + output)
        self.assertEqual(reap_and_list_leftovers(), [], "processes left behind\n" + output)
        self.assertEqual(sorted(os.listdir(self.run_tmp)), [], "temporary files left in TMPDIR\n" + output)
        return document

    def cells(self, document, scenario):
        return [c for c in document["cells"] if c["scenario"] == scenario]

    def assert_all_errors(self, document, output):
        cells = [c for c in document["cells"] if c["verdict"] != "skip"]
        self.assertGreaterEqual(len(cells), 4, output)
        for cell in cells:
            # A spawn the limit refused is the harness failing, not an observation: never a verdict.
            self.assertEqual(cell["verdict"], "error", cell)
            self.assertTrue(cell.get("reason"), cell)
        return cells

    def test_fd_limit_makes_every_cell_an_error_and_the_run_goes_on(self):
        # Below 1024 no scenario parent can put its result channel at fd 1023.
        status, output = self.run_limited(resource.RLIMIT_NOFILE, NOFILE_LIMIT, False, "-j2")
        document = self.check_run(status, output)
        for cell in self.assert_all_errors(document, output):
            self.assertIn("RLIMIT_NOFILE", cell["reason"], "the reason names the limit")

    def test_process_limit_makes_cells_errors_and_the_run_goes_on(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run fdconform as nobody (root ignores RLIMIT_NPROC)")
        for limit in NPROC_LIMITS:
            with self.subTest(nproc=limit):
                shutil.rmtree(self.out)
                os.mkdir(self.out)
                os.chmod(self.out, 0o777)
                status, output = self.run_limited(resource.RLIMIT_NPROC, limit, True, "-j2")
                document = self.check_run(status, output)
                self.assert_all_errors(document, output)


# The runner, its python3 version query and a driver or two fit; worker
# threads, further drivers, scenario parents and probes do not (threads count
# against RLIMIT_NPROC too).
NPROC_LIMITS = (2, 3)

if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    become_subreaper()
    unittest.main(verbosity=2)
