"""Harness self-tests: fdconform on a hostile machine.

The CI machine may be full, slow, killed or misconfigured, and the input may
hold bytes that are not text. Each test runs the real `fdconform` binary as a
subprocess under a child subreaper (so whatever it leaves behind becomes our
child and is counted) with a private TMPDIR, and checks what the run must do
then: keep its results, say what went wrong, exit with the right status,
leave nothing running and nothing in TMPDIR. docs/RELIABILITY.md lists which
test proves which guarantee.

Some tests need root to mount small tmpfs filesystems (full and read-only
disks); they fall back to a file size limit where one does the same, and are
skipped otherwise.

Usage: test_hostile_environment.py FDCONFORM SOURCE_DIR
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from leftover_processes import become_subreaper, our_descendants, reap_and_list_leftovers  # noqa: E402

FDCONFORM = None
SOURCE_DIR = None
RUN_BOUND_SECONDS = 300  # a hang detector, not a speed check
HANG_BOUND_SECONDS = 30  # for the tests whose failure mode is a hang
PYTHON = "/usr/bin/python3"

# A child that outlives its scenario parent's timeout; the scenario is unconfined because the probe
# never sleeps (docs/SCENARIO_FORMAT.md, "Confinement").
SLEEPER = """format: 1
id: {id}
title: the spawned shell and its children sleep far longer than any test waits
description: >
  Written by tests/selftest/test_hostile_environment.py: {why}
covers: [E12]
source: tests/selftest/test_hostile_environment.py
tags: [selftest]
timeout: {timeout}
unconfined: a harness self-test needs children that do not exit, and the probe always does
spawn:
  popen:
    argv: ["/bin/sh", "-c", "{command}"]
    start_new_session: {new_session}
"""


def oracle_args():
    return ["--with", PYTHON] if os.path.exists(PYTHON) else []


def descriptor_file(path, entries):
    with open(path, "w") as f:
        json.dump(entries, f)
    return path


class Hostile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fdconform-hostile-")
        self.run_tmp = os.path.join(self.tmp, "tmpdir")
        os.mkdir(self.run_tmp)
        self.out = os.path.join(self.tmp, "out")
        self.mounts = []
        self.quiet = os.path.join(SOURCE_DIR, "tests", "selftest", "scenarios", "selftest-quiet.yaml")
        self.hangs = os.path.join(SOURCE_DIR, "tests", "selftest", "scenarios", "selftest-hangs.yaml")
        with open(self.quiet) as f:
            self.quiet_text = f.read()

    def tearDown(self):
        # A failing test may leave a runner's tree behind: end it so the next test counts only its own.
        for pid, _ in our_descendants():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap_and_list_leftovers(grace_seconds=2)
        for mount in reversed(self.mounts):
            subprocess.call(["umount", "-l", mount])
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- running fdconform ------------------------------------------------------------------------

    def environment(self, **overrides):
        env = dict(os.environ, TMPDIR=self.run_tmp)
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def start(self, *args, env=None, **popen_kwargs):
        popen_kwargs.setdefault("stdout", subprocess.PIPE)
        popen_kwargs.setdefault("stderr", subprocess.STDOUT)
        cmd = [FDCONFORM, "run"] + [os.fsdecode(a) if isinstance(a, bytes) else a for a in args]
        return subprocess.Popen(cmd, env=env or self.environment(), encoding="utf-8", errors="replace",
                                **popen_kwargs)

    def finish(self, process, bound=RUN_BOUND_SECONDS):
        try:
            output, _ = process.communicate(timeout=bound)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            self.fail("fdconform did not finish within %ds:\n%s" % (bound, output))
        return process.returncode, output or ""

    def run_fdconform(self, *args, bound=RUN_BOUND_SECONDS, **kwargs):
        return self.finish(self.start(*args, **kwargs), bound)

    def results(self, path=None):
        with open(path or os.path.join(self.out, "results.json"), "rb") as f:
            raw = f.read()
        raw.decode("utf-8")  # strict: every byte of it must be UTF-8
        return json.loads(raw)

    def cells(self, document, scenario=None):
        return [c for c in document["cells"] if scenario is None or c["scenario"] == scenario]

    def assert_not_killed(self, status, output):
        self.assertGreaterEqual(status, 0, "fdconform died by signal %d\n%s" % (-status, output))
        self.assertNotIn("terminate called", output)

    def assert_no_debris(self, output):
        self.assertEqual(reap_and_list_leftovers(), [], "processes left behind\n" + output)
        self.assertEqual(sorted(os.listdir(self.run_tmp)), [], "temporary files left in TMPDIR\n" + output)

    # -- building inputs --------------------------------------------------------------------------

    def corpus(self, name, scenarios):
        """A directory (name: str or bytes) holding the given {id: yaml text} scenarios."""
        directory = os.path.join(os.fsencode(self.tmp), os.fsencode(name))
        os.makedirs(directory, exist_ok=True)
        for scenario_id, text in scenarios.items():
            with open(os.path.join(directory, os.fsencode(scenario_id + ".yaml")), "w") as f:
                f.write(text)
        return directory

    def quiet_copy(self, scenario_id):
        return self.quiet_text.replace("id: selftest-quiet", "id: " + scenario_id)

    def sleeper(self, scenario_id, command, timeout=60, new_session=False, why="a sleeping tree"):
        return SLEEPER.format(id=scenario_id, command=command, timeout=timeout, why=why,
                              new_session="true" if new_session else "false")

    def mount_tmpfs(self, name, size_kb, read_only=False):
        """A small tmpfs at self.tmp/name, or None where mounting is not allowed (not root)."""
        path = os.path.join(self.tmp, name)
        os.makedirs(path, exist_ok=True)
        options = "size=%dk,mode=0777%s" % (size_kb, ",ro" if read_only else "")
        if subprocess.call(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) != 0:
            return None
        self.mounts.append(path)
        return path

    @staticmethod
    def fill(directory):
        """Fills the filesystem of `directory` to the last byte."""
        fd = os.open(os.path.join(directory, "filler"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for size in (65536, 4096, 1):
                try:
                    while os.write(fd, b"\0" * size) > 0:
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)

    # -- issue 5: bytes that are not UTF-8 --------------------------------------------------------

    def test_invalid_utf8_in_the_scenario_directory_name(self):
        corpus = self.corpus(b"scenarios-\xff", {"selftest-quiet": self.quiet_text})
        status, output = self.run_fdconform(corpus, "--out", self.out, *oracle_args())
        self.assert_not_killed(status, output)
        self.assertEqual(status, 0, output)
        document = self.results()
        self.assertIn("scenarios-\u00ff", document["scenarios"][0]["file"])
        for report in ("results.xml", "report.html"):
            self.assertGreater(os.path.getsize(os.path.join(self.out, report)), 0, report)
        self.assert_no_debris(output)

    @unittest.skipUnless(os.path.exists(PYTHON), "needs " + PYTHON)
    def test_invalid_utf8_in_an_offered_interpreter_path_is_refused(self):
        link = os.path.join(os.fsencode(self.tmp), b"python-\xff")
        os.symlink(PYTHON, link)
        status, output = self.run_fdconform(self.quiet, "--with", link, "--out", self.out)
        self.assert_not_killed(status, output)
        # Discovery answers in JSON text, which cannot name the path: refused before anything runs, the
        # byte shown as U+00FF as every report shows it.
        self.assertEqual(status, 2, output)
        self.assertIn("--with " + self.tmp + "/python-\u00ff: not valid UTF-8", output)
        self.assert_no_debris(output)

    def test_invalid_utf8_tmpdir_is_refused_with_a_message(self):
        tmpdir = os.path.join(os.fsencode(self.tmp), b"tmp-\xff")
        os.mkdir(tmpdir)
        status, output = self.run_fdconform(self.quiet, "--out", self.out, *oracle_args(),
                                            env=self.environment(TMPDIR=os.fsdecode(tmpdir)))
        self.assert_not_killed(status, output)
        self.assertEqual(status, 2, output)
        self.assertIn("not valid UTF-8", output)
        self.assertEqual(os.listdir(tmpdir), [], "the run directory was left behind")

    def test_invalid_utf8_in_a_driver_stderr(self):
        script = os.path.join(self.tmp, "bytes_driver.py")
        with open(script, "w") as f:
            f.write(
                "import json, os, sys\n"
                "sys.stdout.write(json.dumps({'fdconform_driver': 1, 'implementation': {'id': 'fake-bytes',"
                " 'name': 'Fake', 'version': '1.0', 'language': 'python', 'detail': ''}, 'features': []})"
                " + '\\n')\n"
                "sys.stdout.flush()\n"
                "sys.stdin.readline()\n"
                "os.write(2, b'broken \\xff\\xfe bytes\\n')\n"
                "os._exit(1)\n")
        drivers = descriptor_file(os.path.join(self.tmp, "drivers.json"),
                                  [{"id": "fake-bytes", "argv": [PYTHON, script]}])
        status, output = self.run_fdconform(self.quiet, "--driver", drivers, "--impl", "fake-bytes",
                                            "--reference", "fake-bytes", "--out", self.out)
        self.assert_not_killed(status, output)
        self.assertEqual(status, 1, output)
        [cell] = self.cells(self.results())
        self.assertEqual(cell["verdict"], "error")
        self.assertIn("broken \u00ff\u00fe bytes", cell["reason"])
        self.assert_no_debris(output)

    def test_invalid_utf8_in_an_expectation_value(self):
        expectations = os.path.join(self.tmp, "expectations")
        os.mkdir(expectations)
        with open(os.path.join(expectations, "bytes.yaml"), "wb") as f:
            f.write(b'applies_to:\n  implementation: "spawn_core-fork"\nentries:\n'
                    b'  - scenario: selftest-quiet\n    fields:\n      child.umask: "0\xff7"\n'
                    b'    reason: "a value that is not UTF-8"\n    link: "https://example.org/x"\n')
        status, output = self.run_fdconform(self.quiet, "--expectations", expectations, "--out", self.out,
                                            *oracle_args())
        self.assert_not_killed(status, output)
        self.assertNotEqual(status, 0, output)
        if os.path.exists(os.path.join(self.out, "results.json")):
            self.results()  # valid UTF-8 JSON
        else:
            self.assertIn("bytes.yaml:", output, "refused without saying where")
        self.assert_no_debris(output)

    # -- issue 7: results lost or corrupted -------------------------------------------------------

    def test_out_that_is_a_file_is_refused_before_running(self):
        target = os.path.join(self.tmp, "a-file")
        with open(target, "w") as f:
            f.write("keep me")
        status, output = self.run_fdconform(self.quiet, "--out", target, *oracle_args())
        self.assertEqual(status, 2, output)
        self.assertIn(target, output)
        self.assertIn("Not a directory", output)
        self.assertNotIn("fdconform: results:", output)
        self.assertNotIn("passed", output, "it ran although its results could not be kept")
        with open(target) as f:
            self.assertEqual(f.read(), "keep me")

    def test_outputs_on_a_read_only_filesystem_are_refused_before_running(self):
        read_only = self.mount_tmpfs("ro", 64, read_only=True)
        if read_only is None:
            self.skipTest("cannot mount a tmpfs (needs root)")
        for args in (["--out", os.path.join(read_only, "out")], ["--json", os.path.join(read_only, "r.json")]):
            status, output = self.run_fdconform(self.quiet, *args, *oracle_args())
            self.assertEqual(status, 2, output)
            self.assertIn("Read-only file system", output)
            self.assertIn(read_only, output)
            self.assertNotIn("fdconform: results:", output)

    def test_a_full_disk_keeps_the_previous_results(self):
        disk = self.mount_tmpfs("disk", 2048)
        if disk is None:
            self.skipTest("cannot mount a tmpfs (needs root); the EFBIG case is runner_tests' Outputs.*")
        out = os.path.join(disk, "out")
        status, output = self.run_fdconform(self.quiet, "--out", out, *oracle_args())
        self.assertEqual(status, 0, output)
        with open(os.path.join(out, "results.json"), "rb") as f:
            previous = f.read()
        self.fill(disk)
        # A bigger document than the previous one: truncating the old file must not make room for it.
        more = self.corpus("more", {"selftest-quiet": self.quiet_text, "quiet-again": self.quiet_copy("quiet-again")})
        status, output = self.run_fdconform(more, "--out", out, *oracle_args())
        self.assertNotEqual(status, 0, output)
        self.assertIn("No space left on device", output)
        self.assertNotIn("fdconform: results: " + os.path.join(out, "results.json"), output,
                         "it claims a file it could not write")
        with open(os.path.join(out, "results.json"), "rb") as f:
            self.assertEqual(f.read(), previous, "the previous results.json was damaged")
        leftovers = [n for n in os.listdir(out) if not n.endswith(".lock")
                     and n not in ("results.json", "results.xml", "report.html")]
        self.assertEqual(leftovers, [], "temporary files left in --out")
        self.assert_no_debris(output)

    def test_a_second_run_on_the_same_out_is_refused(self):
        first = self.start(self.hangs, "--impl", "spawn_core-auto", "--reference", "spawn_core-auto",
                           "--allow-unconfined", "--out", self.out, *oracle_args())
        lock = os.path.join(self.out, ".results.json.lock")
        deadline = time.monotonic() + 10
        while not os.path.exists(lock) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)  # the first run is inside its 2 s cell now, whichever version this is
        second_status, second_output = self.run_fdconform(self.quiet, "--out", self.out, *oracle_args())
        first_status, first_output = self.finish(first)
        self.assertEqual(second_status, 2, second_output)
        self.assertIn("another fdconform run (pid %d" % first.pid, second_output)
        self.assertEqual(first_status, 1, first_output)  # its cell timed out, as it should
        self.assertEqual([c["scenario"] for c in self.cells(self.results())], ["selftest-hangs"])
        self.assert_no_debris(first_output + second_output)

    # -- issue 8: a probe that could not report is an error ---------------------------------------

    def test_a_probe_that_cannot_write_its_report_is_an_error(self):
        full = self.mount_tmpfs("fulltmp", 64)
        env, limit = None, None
        if full is not None:
            self.fill(full)
            env = self.environment(TMPDIR=full)
        else:
            # No tmpfs: a file size limit makes the probe's report write fail the same way (EFBIG).
            limit = 1000

        def preexec():
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        # Without an `expect` block nothing but the runner can notice that no column saw a child.
        no_expect = self.quiet_text[:self.quiet_text.index("expect:")]
        corpus = self.corpus("no-expect", {"selftest-quiet": no_expect})
        status, output = self.run_fdconform(corpus, "--impl", "spawn_core-*", "--impl", "cpython-*",
                                            "--out", self.out, *oracle_args(), env=env, preexec_fn=preexec)
        self.assert_not_killed(status, output)
        self.assertEqual(status, 1, output)
        if limit is None:
            cells = [c for c in self.cells(self.results()) if c["verdict"] != "skip"]
            self.assertGreaterEqual(len(cells), 4, output)
            for cell in cells:
                self.assertEqual(cell["verdict"], "error", cell)
                self.assertIn("could not write its report", cell["reason"], cell)
            self.assertEqual(os.listdir(full), ["filler"], "run directory left in the full TMPDIR")
        else:
            self.assertIn("could not write its report", output)

    # -- issue 9: a missing reference observation -------------------------------------------------

    def test_a_reference_that_errored_makes_the_row_an_error(self):
        fake = os.path.join(SOURCE_DIR, "tests", "runner", "fake_drivers", "fake_driver.py")
        drivers = descriptor_file(os.path.join(self.tmp, "drivers.json"), [
            {"id": "fake-ref", "argv": [PYTHON, fake, "crash", "fake-ref"]},
            {"id": "fake-other", "argv": [PYTHON, fake, "ok", "fake-other"]}])
        scenarios = os.path.join(SOURCE_DIR, "tests", "runner", "e2e_scenarios")
        status, output = self.run_fdconform(scenarios, "--driver", drivers, "--impl", "fake-*",
                                            "--reference", "fake-ref", "--out", self.out)
        self.assertEqual(status, 1, output)
        document = self.results()
        [plain] = [c for c in self.cells(document, "plain-spawn") if c["implementation"] == "fake-other"]
        self.assertEqual(plain["verdict"], "error", plain)
        self.assertIn("not compared: the reference fake-ref has no observation", plain["reason"])
        [wrong] = [c for c in self.cells(document, "wrong-expectation") if c["implementation"] == "fake-other"]
        self.assertEqual(wrong["verdict"], "differ", wrong)
        self.assertIn("expect outcome: expected 'exited 3', got 'exited 0'", wrong["reason"])
        self.assertEqual(document["summary"]["match"], 0, "a cell matched a reference that never ran")
        self.assert_no_debris(output)

    # -- issue 10: closed standard fds ------------------------------------------------------------

    def test_closed_stdin_and_stdout_do_not_interrupt_the_run(self):
        # Enough rows that progress lines are printed while cells still run.
        corpus = self.corpus("many", {"quiet-%02d" % i: self.quiet_copy("quiet-%02d" % i) for i in range(40)})

        def close_stdin_stdout():
            os.close(0)
            os.close(1)

        process = self.start(corpus, "-j2", "--out", self.out, *oracle_args(), stdout=None,
                             stderr=subprocess.PIPE, preexec_fn=close_stdin_stdout)
        status, output = self.finish(process)
        document = self.results()
        interrupted = [c for c in document["cells"] if "interrupted" in (c["reason"] or "")]
        self.assertEqual(interrupted, [], "cells cut short although nobody interrupted the run")
        self.assertTrue(document["complete"])
        self.assertEqual(status, 0, output)
        self.assertEqual(len(document["cells"]), 40 * len(document["implementations"]))
        self.assert_no_debris(output)

    # -- issue 11: hang at exit -------------------------------------------------------------------

    def test_a_daemonised_tree_does_not_hang_the_exit(self):
        script = os.path.join(self.tmp, "daemon_driver.py")
        with open(script, "w") as f:
            f.write(
                "import json, os, signal, sys, time\n"
                "def daemon():\n"
                "    os.setsid()\n"
                "    signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
                "    null = os.open('/dev/null', os.O_RDWR)\n"
                "    for fd in (0, 1, 2): os.dup2(null, fd)\n"
                "sys.stdout.write(json.dumps({'fdconform_driver': 1, 'implementation': {'id': 'fake-daemon',"
                " 'name': 'Fake', 'version': '1.0', 'language': 'python', 'detail': ''}, 'features': []})"
                " + '\\n')\n"
                "sys.stdout.flush()\n"
                "for line in sys.stdin:\n"
                "    request = json.loads(line)\n"
                "    if os.fork() == 0:\n"
                "        daemon()\n"
                "        if os.fork() == 0:\n"
                "            daemon()\n"
                "            time.sleep(300)\n"
                "            os._exit(0)\n"
                "        time.sleep(300)\n"
                "        os._exit(0)\n"
                "    sys.stdout.write(json.dumps({'result': 1, 'scenario': request['scenario']['id'],"
                " 'implementation': 'fake-daemon', 'status': 'skip', 'reason': 'left a daemon'}) + '\\n')\n"
                "    sys.stdout.flush()\n")
        drivers = descriptor_file(os.path.join(self.tmp, "drivers.json"),
                                  [{"id": "fake-daemon", "argv": [PYTHON, script]}])
        started = time.monotonic()
        status, output = self.run_fdconform(self.quiet, "--driver", drivers, "--impl", "fake-daemon",
                                            "--reference", "fake-daemon", "--out", self.out,
                                            bound=HANG_BOUND_SECONDS)
        self.assertEqual(status, 0, output)
        self.assertLess(time.monotonic() - started, 15, "slow to exit")
        self.assertIn("fdconform: 0 passed, 0 failed, 1 skipped", output, "the closing summary never arrived")
        self.assert_no_debris(output)

    def test_sigint_while_a_new_session_tree_runs_ends_promptly(self):
        corpus = self.corpus("tree", {"hostile-new-session-tree": self.sleeper(
            "hostile-new-session-tree", "/bin/sleep 300 & /bin/sleep 300", new_session=True,
            why="a child in a session of its own, with children, when SIGINT arrives")})
        process = self.start(corpus, "--impl", "spawn_core-fork", "--allow-unconfined", "--out", self.out,
                             *oracle_args())
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        status, output = self.finish(process, HANG_BOUND_SECONDS)
        self.assertEqual(status, 130, output)
        self.assertLess(time.monotonic() - started, 15, "slow to stop")
        self.assertFalse(self.results()["complete"])
        self.assertIn("passed", output, "the closing summary never arrived")
        self.assert_no_debris(output)

    # -- issue 12: the runner killed by SIGKILL ---------------------------------------------------

    def sigkill_mid_run(self, *columns):
        corpus = self.corpus("sleepers", {
            "hostile-sleeps-%d" % i: self.sleeper("hostile-sleeps-%d" % i, "/bin/sleep 120 & /bin/sleep 120",
                                                  new_session=(i % 2 == 1),
                                                  why="the runner is killed while it runs")
            for i in range(4)})
        process = self.start(corpus, "-j2", "--allow-unconfined", "--no-expectations", *columns,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2.5)  # drivers, scenario parents and sleepers all running
        self.assertIsNone(process.poll(), "the run ended by itself")
        process.kill()
        process.wait()
        killed = time.monotonic()
        # Everything the runner started is reparented to us as it is orphaned: wait for none to be alive.
        while True:
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
            alive = [p for p in our_descendants() if p[1] != "Z"]
            debris = os.listdir(self.run_tmp)
            if (not alive and not debris) or time.monotonic() - killed > 10:
                break
            time.sleep(0.02)
        took = time.monotonic() - killed
        sys.stderr.write("(tree ended %.2f s after SIGKILL) " % took)
        self.assertEqual(alive, [], "still running 10 s after the runner was killed")
        self.assertEqual(debris, [], "run directory left in TMPDIR")
        self.assertLess(took, 1.5, "the tree took %.2f s to end" % took)

    def test_sigkill_of_the_runner_ends_the_spawn_core_tree(self):
        self.sigkill_mid_run("--impl", "spawn_core-*", *oracle_args())

    @unittest.skipUnless(os.path.exists(PYTHON), "needs " + PYTHON)
    def test_sigkill_of_the_runner_ends_the_cpython_tree(self):
        self.sigkill_mid_run("--impl", "cpython-*", "--with", PYTHON)

    # -- the rest of the issue's list -------------------------------------------------------------

    def test_sighup_keeps_partial_results(self):
        process = self.start(self.hangs, os.path.join(SOURCE_DIR, "scenarios"), "-j2", "--allow-unconfined",
                             "--out", self.out, *oracle_args())
        # Hang up once the first cell is judged (its progress line): a fixed delay was outrun by a slow start.
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("fdconform: ["):
                break
        process.send_signal(signal.SIGHUP)
        status, output = self.finish(process)
        output = "".join(seen) + output
        self.assertEqual(status, 129, output)
        document = self.results()
        self.assertFalse(document["complete"])
        self.assertGreater(len(document["cells"]), 0)
        self.assert_no_debris(output)

    def test_running_nothing_is_an_error_that_says_why(self):
        empty = self.corpus("empty", {})
        yml_only = self.corpus("yml", {})
        with open(os.path.join(yml_only, b"selftest-quiet.yml"), "w") as f:
            f.write(self.quiet_text)
        cases = [([empty], "no scenario file (*.yaml)"),
                 ([yml_only], "no scenario file (*.yaml)"),
                 ([self.quiet, "--filter", "^nothing-like-this$"], "--filter '^nothing-like-this$' matches none")]
        for args, why in cases:
            status, output = self.run_fdconform(*args, *oracle_args())
            self.assertEqual(status, 2, (args, output))
            self.assertIn("nothing to run: ", output)
            self.assertIn(why, output)
        self.assert_no_debris("")

    def test_a_missing_expectations_directory_is_an_error(self):
        missing = os.path.join(self.tmp, "no-such-expectations")
        status, output = self.run_fdconform(self.quiet, "--expectations", missing, *oracle_args())
        self.assertEqual(status, 2, output)
        self.assertIn("--expectations %s: No such file or directory" % missing, output)

    def test_expectation_entries_that_match_nothing_are_reported(self):
        gate = "non_root" if os.geteuid() == 0 else "root"
        gated = self.quiet_copy("hostile-gated").replace("spawn:\n", "requires:\n  %s: true\nspawn:\n" % gate, 1)
        corpus = self.corpus("gated", {"selftest-quiet": self.quiet_text, "hostile-gated": gated})
        expectations = os.path.join(self.tmp, "expectations")
        os.mkdir(expectations)
        entries = os.path.join(expectations, "unused.yaml")
        with open(entries, "w") as f:
            f.write('applies_to:\n  implementation: "spawn_core-fork"\nentries:\n'
                    '  - scenario: hostile-gated\n    fields:\n      child.umask: "077"\n'
                    '    reason: "its every cell is skipped here"\n    link: "https://example.org/1"\n'
                    '  - scenario: no-such-scenario\n    fields:\n      child.umask: "077"\n'
                    '    reason: "names a scenario that does not exist"\n    link: "https://example.org/2"\n')
        status, output = self.run_fdconform(corpus, "--expectations", expectations, "--out", self.out,
                                            *oracle_args())
        self.assertEqual(status, 0, output)
        self.assertIn("%s:4: warning: expectation entry matched no cell: scenario 'hostile-gated' ran on none"
                      % entries, output)
        self.assertIn("%s:9: warning: expectation entry matched no cell: scenario 'no-such-scenario' is not in"
                      % entries, output)
        unmatched = self.results()["unmatched_expectations"]
        self.assertEqual([(u["file"], u["line"], u["scenario"]) for u in unmatched],
                         [(entries, 4, "hostile-gated"), (entries, 9, "no-such-scenario")])
        # Narrowed by --filter, most entries legitimately apply to nothing: not reported, and it says so.
        status, output = self.run_fdconform(corpus, "--filter", "quiet", "--expectations", expectations,
                                            "--out", self.out, *oracle_args())
        self.assertEqual(status, 0, output)
        self.assertNotIn("warning: expectation entry", output)
        self.assertIn("expectation entries were not checked for use: --filter restricts the run", output)
        self.assertNotIn("unmatched_expectations", self.results())
        self.assert_no_debris(output)

    def test_update_expectations_that_cannot_write_says_so(self):
        expectations = self.mount_tmpfs("expectations", 64, read_only=True)
        if expectations is None:
            self.skipTest("cannot mount a tmpfs (needs root)")
        # --deviate (test-only) makes spawn_core-fork differ, so the update has an entry to write.
        status, output = self.run_fdconform(self.quiet, "--impl", "spawn_core-*", "--deviate", "spawn_core-fork=umask",
                                            "--update-expectations", "--expectations", expectations,
                                            "--out", self.out)
        self.assertEqual(status, 1, output)
        self.assertIn("Read-only file system", output, "the expectation file was not written, silently")
        self.assert_no_debris(output)

    # -- further: a misconfigured machine ---------------------------------------------------------

    def test_tmpdir_that_is_a_file_missing_or_read_only_is_refused_with_a_message(self):
        a_file = os.path.join(self.tmp, "tmp-file")
        open(a_file, "w").close()
        cases = [(a_file, "Not a directory"), (os.path.join(self.tmp, "no-such-dir"), "No such file or directory")]
        read_only = self.mount_tmpfs("ro-tmp", 64, read_only=True)
        if read_only is not None:
            cases.append((read_only, "Read-only file system"))
        for tmpdir, why in cases:
            status, output = self.run_fdconform(self.quiet, "--out", self.out, *oracle_args(),
                                                env=self.environment(TMPDIR=tmpdir))
            self.assertEqual(status, 2, output)
            self.assertIn("cannot create a temporary directory under %s: %s" % (tmpdir, why), output)

    def test_tmpdir_too_deep_for_cell_paths_is_refused_once(self):
        # Room for the run directory and a cell directory, not for the probe's report path in it: every
        # probe would exit 3 in every column alike.
        deep = self.run_tmp
        while len(deep) < 4096 - 30:
            deep = os.path.join(deep, "d" * min(200, 4096 - 30 - len(deep)))
        os.makedirs(deep)
        status, output = self.run_fdconform(self.quiet, "--out", self.out, *oracle_args(),
                                            env=self.environment(TMPDIR=deep))
        self.assertEqual(status, 2, output)
        self.assertIn("TMPDIR is too deep", output)
        shutil.rmtree(os.path.join(self.run_tmp, "d" * 200))
        self.assert_no_debris(output)

    def test_home_unset_and_stdout_a_closed_pipe(self):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            process = self.start(self.quiet, "--out", self.out, *oracle_args(),
                                 env=self.environment(HOME=None), stdout=write_end, stderr=write_end)
        finally:
            os.close(write_end)
        status, _ = self.finish(process)
        self.assertEqual(status, 0, "SIGPIPE or EPIPE must not change the outcome of the run")
        self.assertTrue(self.results()["complete"])
        self.assert_no_debris("")


if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    become_subreaper()
    unittest.main(verbosity=2)
