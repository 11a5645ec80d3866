"""The CPython oracle under hostile input and hostile environments.

What docs/ORACLE.md promises beyond the protocol test: a string argv is one
command; every failure (a process name that is not UTF-8, a fork that fails,
a line that is not a request, a missing ctypes) is an error result or a
diagnostic, never a traceback; the oracle, its scenario parents and their
children die with the runner; scenario paths stay inside the workdir unless
the scenario is `unconfined`; a probe that could not write its report is an
error, not an observation.

Usage:
  hostile_oracle_test.py --probe PROBE --python INTERPRETER --oracle ORACLE.py
                         [--runner FDCONFORM] [unittest arguments]

  --oracle   the oracle script (point it at an older copy to see these tests fail)
  --runner   the fdconform binary: one more "dies with the runner" test, with
             the real runner as the oracle's parent

Reuses protocol_test.py's driver, workdir and request helpers. Standard
library only; runs under Debian's /usr/bin/python3.
"""
import argparse
import errno
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol_test as protocol  # noqa: E402  (the module only: its TestCases do not run here)

OPTIONS = None
GONE_WITHIN = 1.0   # seconds: nothing of the oracle may outlive its parent longer
HANG_MS = 60000     # a timeout the hanging scenarios never reach


def oracle_argv():
    return [OPTIONS.python, "-I", "-S", OPTIONS.oracle]


def start(argv=None):
    """A driver process as the runner starts it, and its hello."""
    driver = protocol.Driver(argv or oracle_argv())
    return driver, driver.read_message()


def strict_json(line):
    """A line as a strict reader takes it: UTF-8 JSON with no lone surrogate."""
    value = json.loads(line)
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError on a lone surrogate
    return value


def proc_stat(pid):
    """(state, ppid) of a live process, or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0].decode(), int(fields[1])


def alive(pid):
    state = proc_stat(pid)
    return state is not None and state[0] != "Z"


def tree_of(root):
    """`root` and every live process below it, from /proc's parent links."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            state = proc_stat(int(name))
            if state is not None:
                children.setdefault(state[1], []).append(int(name))
    found, pending = [root], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def survivors(pids, seconds):
    """The pids still alive (zombies are dead) after waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        left = [pid for pid in pids if alive(pid)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.02)


def describe(pids):
    lines = []
    for pid in pids:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                lines.append("%d %r" % (pid, f.read().replace(b"\0", b" ")[:120]))
        except OSError:
            lines.append("%d (gone)" % pid)
    return "; ".join(lines)


class OracleSession(unittest.TestCase):
    """One warm oracle for the tests of a class, as the runner uses it."""

    @classmethod
    def setUpClass(cls):
        cls.driver, cls.hello = start()
        cls.workdirs = protocol.Workdirs()

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()
        cls.workdirs.remove()

    def ask(self, scenario, prepare=None, timeout_ms=10000):
        self.workdir = self.workdirs.new()
        if prepare:
            prepare(self.workdir)
        self.driver.send(protocol.request_for(scenario, self.workdir, timeout_ms))
        return self.driver.read_message()

    def assert_still_serving(self):
        after = self.ask(protocol.minimal_scenario("after"))
        self.assertEqual(after.get("status"), "ran", after)
        self.assertIsNone(self.driver.process.poll(), "the driver must keep serving")

    def report_argument(self):
        return "--report=" + os.path.join(self.workdir, "probe.json")


# ---------------------------------------------------------------- 1. a string argv

class StringArgvTest(OracleSession):
    """The format allows a string argv: it is one command (or program), as the
    spawn_core driver takes it, never a list of its letters."""

    def assert_probe_argv(self, result, expected, what):
        self.assertEqual(result.get("status"), "ran", "%s: %s" % (what, result))
        self.assertEqual(result["outcome"], {"kind": "exited", "returncode": 0}, what)
        self.assertIsNotNone(result["probe"], what)
        self.assertEqual(result["probe"]["argv"], expected, what)

    def test_popen_shell_string(self):
        result = self.ask(protocol.minimal_scenario("shell-string", spawn={"popen": {"argv": "{probe}",
                                                                                     "shell": True}}))
        self.assert_probe_argv(result, [OPTIONS.probe, self.report_argument()], "shell: true, argv a string")

    def test_popen_string_without_shell(self):
        result = self.ask(protocol.minimal_scenario("plain-string", spawn={"popen": {"argv": "{probe}"}}))
        self.assert_probe_argv(result, [OPTIONS.probe, self.report_argument()], "argv a string")

    def test_fork_exec_string(self):
        result = self.ask(protocol.minimal_scenario("fork-exec-string", spawn={"fork_exec": {"argv": "{probe}"}}))
        self.assert_probe_argv(result, [OPTIONS.probe, self.report_argument()], "fork_exec argv a string")

    def test_posix_spawn_string(self):
        if "posix_spawn" not in self.hello["features"]:
            self.skipTest("no os.posix_spawn in this interpreter")
        result = self.ask(protocol.minimal_scenario("posix-spawn-string",
                                                    spawn={"posix_spawn": {"argv": "{probe}"}}))
        self.assert_probe_argv(result, [OPTIONS.probe, self.report_argument()], "posix_spawn argv a string")

    def test_shell_list_appends_the_report_to_the_command(self):
        """shell: true with a list: the report argument ends argv[0], the command
        string; the other items stay the shell's $0, $1 (spawn_core does the same)."""
        spawn = {"popen": {"argv": ["{probe} \"$0\"", "zero"], "shell": True}}
        result = self.ask(protocol.minimal_scenario("shell-list", spawn=spawn))
        self.assert_probe_argv(result, [OPTIONS.probe, "zero", self.report_argument()], "shell: true, argv a list")


# ---------------------------------------------------------------- 2. failures are results

class MalformedInputTest(OracleSession):
    def test_lines_that_are_no_request(self):
        good = protocol.request_for(protocol.minimal_scenario("bytes"), self.workdirs.new())
        not_utf8 = json.dumps(good).encode().replace(b'"bytes"', b'"\xff\xfe"')
        lines = [
            ("not UTF-8", not_utf8),
            ("nested too deep", b"[" * 200000 + b"]" * 200000),
            ("a scenario that is a list", json.dumps(dict(good, scenario=[], workdir=self.workdirs.new())).encode()),
            ("a workdir that is a number", json.dumps(dict(good, workdir=5)).encode()),
        ]
        for what, line in lines:
            self.driver.process.stdin.write(line + b"\n")
            self.driver.process.stdin.flush()
            answer = self.driver.read_line()
            self.assertIsNotNone(answer, "%s: the driver died; stderr: %s" % (what, self.driver.diagnostics()))
            result = strict_json(answer)
            self.assertEqual(result.get("result"), 1, what)
            self.assertEqual(result.get("status"), "error", "%s: %s" % (what, result))
            self.assertTrue(result.get("reason"), what)
        self.assert_still_serving()

    def test_sigint_to_the_scenario_parent_is_an_error_result(self):
        """The child interrupts its parent (CPython's SIGINT handler raises
        KeyboardInterrupt): the scenario parent still answers, with a reason."""
        spawn = {"popen": {"argv": ["/bin/sh", "-c", "kill -INT $PPID", "sh"]}}
        result = self.ask(protocol.minimal_scenario("interrupted", spawn=spawn))
        self.assertEqual(result.get("status"), "error", result)
        self.assertIn("KeyboardInterrupt", result.get("reason") or "", result)
        self.assertNotIn("harness_error", result, "the scenario parent must answer, not die")
        self.assert_still_serving()


class UnusualInterpreterTest(unittest.TestCase):
    """The interpreter runs under a name with spaces, a newline and bytes that
    are not UTF-8 (so do /proc/self/status's Name line and sys.executable)."""

    def test_hello_and_results_are_strict_json(self):
        folder = tempfile.mkdtemp(prefix="fdconform-odd-")
        self.addCleanup(shutil.rmtree, folder, True)
        odd_dir = os.path.join(folder.encode(), b"odd dir \xff\n")
        os.mkdir(odd_dir)
        odd_python = os.path.join(odd_dir, b"py th\xfe\non \xc3\xa9")
        os.symlink(os.fsencode(os.path.realpath(OPTIONS.python)), odd_python)
        driver = protocol.Driver([odd_python, b"-I", b"-S", os.fsencode(OPTIONS.oracle)])
        workdirs = protocol.Workdirs()
        try:
            hello_line = driver.read_line()
            self.assertIsNotNone(hello_line, "no hello; stderr: %s" % driver.diagnostics())
            hello = strict_json(hello_line)
            self.assertEqual(hello.get("fdconform_driver"), 1, hello)
            self.assertIn("odd dir \u00ff\n", hello["implementation"]["detail"],
                          "sys.executable's bytes as the probe writes them")
            scenario = protocol.minimal_scenario("odd-name", parent={
                "resources": [{"name": "f", "kind": "file", "content": "x", "inheritable": True}]})
            driver.send(protocol.request_for(scenario, workdirs.new()))
            result = strict_json(driver.read_line())
            self.assertEqual(result.get("status"), "ran", result)
            self.assertEqual(result["outcome"], {"kind": "exited", "returncode": 0})
            self.assertEqual(driver.diagnostics(), "", "nothing on stderr")
        finally:
            driver.stop()
            workdirs.remove()


FAILING_FORK = """
import errno, os, runpy, sys
oracle, flag = sys.argv[1], sys.argv[2]
real_fork = os.fork
def fork():
    if os.path.exists(flag):
        raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
    return real_fork()
os.fork = fork
sys.argv = [oracle]
runpy.run_path(oracle, run_name="__main__")
"""

# Runs argv[3:] as user argv[1] with the soft RLIMIT_NPROC argv[2] (the hard one
# stays high, so the same user may raise it again: root may lack CAP_SYS_RESOURCE).
AS_USER = """
import os, resource, sys
user, nproc = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setgid(user)
os.setuid(user)
resource.setrlimit(resource.RLIMIT_NPROC, (nproc, 1000))
os.execv(sys.argv[3], sys.argv[3:])
"""

RAISE_NPROC = """
import os, resource, sys
user = int(sys.argv[1])
os.setgroups([])
os.setgid(user)
os.setuid(user)
for pid in sys.argv[2:]:
    resource.prlimit(int(pid), resource.RLIMIT_NPROC, (1000, 1000))
"""


def processes_of(uid):
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat("/proc/" + name).st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


class ForkFailureTest(unittest.TestCase):
    def assert_fork_error_then_service(self, driver, workdirs, allow_fork):
        driver.send(protocol.request_for(protocol.minimal_scenario("no-fork"), workdirs.new()))
        result = strict_json(driver.read_line())
        self.assertEqual(result.get("status"), "error", result)
        self.assertEqual(result.get("scenario"), "no-fork", result)
        reason = result.get("reason") or ""
        self.assertIn("fork", reason, result)
        self.assertIn("EAGAIN", reason, "the reason names the errno: %r" % reason)
        allow_fork()
        driver.send(protocol.request_for(protocol.minimal_scenario("fork-again"), workdirs.new()))
        result = strict_json(driver.read_line())
        self.assertEqual(result.get("status"), "ran", result)

    def test_fork_that_fails_is_an_error_result(self):
        """os.fork() raising EAGAIN (what RLIMIT_NPROC makes it raise) for one request."""
        folder = tempfile.mkdtemp(prefix="fdconform-nofork-")
        self.addCleanup(shutil.rmtree, folder, True)
        flag = os.path.join(folder, "fork-fails")
        driver = protocol.Driver([OPTIONS.python, "-I", "-S", "-c", FAILING_FORK, OPTIONS.oracle, flag])
        workdirs = protocol.Workdirs()
        try:
            self.assertEqual(strict_json(driver.read_line()).get("fdconform_driver"), 1)
            open(flag, "w").close()
            self.assert_fork_error_then_service(driver, workdirs, lambda: os.unlink(flag))
        finally:
            driver.stop()
            workdirs.remove()

    def test_rlimit_nproc(self):
        """The real thing: another user at its RLIMIT_NPROC, then the limit raised."""
        if os.geteuid() != 0:
            self.skipTest("needs root to run the oracle as another user")
        nobody = pwd.getpwnam("nobody").pw_uid
        probe_check = subprocess.run([sys.executable, "-c", AS_USER, str(nobody), "1000", OPTIONS.python, "-I",
                                      "-S", "-c", "import sys; open(sys.argv[1]).close()", OPTIONS.oracle],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if probe_check.returncode != 0:
            self.skipTest("%s cannot run %s as nobody" % (OPTIONS.python, OPTIONS.oracle))
        limit = processes_of(nobody) + 1  # room for the oracle itself, none for a scenario parent
        driver = protocol.Driver([sys.executable, "-c", AS_USER, str(nobody), str(limit)] + oracle_argv())
        workdirs = protocol.Workdirs()

        def raise_the_limit():
            pids = [str(pid) for pid in tree_of(driver.process.pid)]
            subprocess.check_call([sys.executable, "-c", RAISE_NPROC, str(nobody)] + pids)
        try:
            self.assertEqual(strict_json(driver.read_line()).get("fdconform_driver"), 1)
            self.assert_fork_error_then_service(driver, workdirs, raise_the_limit)
        finally:
            driver.stop()
            workdirs.remove()


WITHOUT_CTYPES = """
import runpy, sys
sys.modules["ctypes"] = None   # import ctypes raises ImportError
oracle = sys.argv[1]
sys.argv = [oracle]
runpy.run_path(oracle, run_name="__main__")
"""


class WithoutCtypesTest(unittest.TestCase):
    def test_serves_and_says_so_once(self):
        driver = protocol.Driver([OPTIONS.python, "-I", "-S", "-c", WITHOUT_CTYPES, OPTIONS.oracle])
        workdirs = protocol.Workdirs()
        try:
            line = driver.read_line()
            self.assertIsNotNone(line, "no hello; stderr: %s" % driver.diagnostics())
            self.assertEqual(strict_json(line).get("fdconform_driver"), 1)
            for n in range(2):
                driver.send(protocol.request_for(protocol.minimal_scenario("no-ctypes-%d" % n), workdirs.new()))
                result = strict_json(driver.read_line())
                self.assertEqual(result.get("status"), "ran", result)
                self.assertIsNotNone(result["probe"])
            driver.close_stdin()
            self.assertEqual(driver.wait(10), 0)
            said = driver.diagnostics()
            self.assertEqual(len([line for line in said.splitlines() if "ctypes" in line]), 1,
                             "one line on stderr about ctypes: %r" % said)
        finally:
            driver.stop()
            workdirs.remove()


# ---------------------------------------------------------------- 3. dying with the runner

STAND_IN = """
import json, os, subprocess, sys, time
request = sys.argv[1]
driver = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
                          env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"})
driver.stdout.readline()  # the hello
driver.stdin.write(request.encode() + b"\\n")
driver.stdin.flush()
sys.stdout.write("%d\\n" % driver.pid)
sys.stdout.flush()
time.sleep(600)
"""


def hanging_scenario(marker, new_session):
    command = "/bin/sleep %s & exec /bin/sleep %s" % (marker, marker)
    return protocol.minimal_scenario("hangs", spawn={"popen": {"argv": ["/bin/sh", "-c", command, "sh"],
                                                               "start_new_session": new_session}})


def sleepers(marker):
    found = []
    for pid in protocol.processes_with(marker):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if f.read().startswith(b"/bin/sleep\0"):
                    found.append(pid)
        except OSError:
            pass
    return found


def new_marker():
    return "%d.%06d" % (30 + os.getpid() % 50, int(time.time() * 1000000) % 1000000)


class DieWithParentTest(unittest.TestCase):
    """SIGKILL to the oracle's parent: the oracle, its scenario parent and the
    hung child's whole tree are gone within a second."""

    def setUp(self):
        self.workdirs = protocol.Workdirs()
        self.addCleanup(self.workdirs.remove)

    def wait_for_hang(self, marker):
        deadline = time.monotonic() + protocol.ANSWER_SECONDS
        while len(sleepers(marker)) < 2:  # the child and its background sleep
            if time.monotonic() > deadline:
                self.fail("the hanging child never started")
            time.sleep(0.02)

    def kill_parent_and_check(self, parent, marker):
        tree = [pid for pid in tree_of(parent.pid) if pid != parent.pid]
        self.addCleanup(kill_all, tree)
        self.addCleanup(lambda: kill_all(protocol.processes_with(marker)))
        self.assertGreaterEqual(len(tree), 3, "the oracle, a scenario parent and the child: %s" % describe(tree))
        parent.kill()
        parent.wait()
        left = survivors(tree, GONE_WITHIN)
        self.assertEqual(left, [], "alive %.1f s after their parent was killed: %s" % (GONE_WITHIN, describe(left)))
        self.assertEqual(protocol.processes_with(marker), [])

    def check(self, new_session):
        marker = new_marker()
        request = protocol.request_for(hanging_scenario(marker, new_session), self.workdirs.new(), HANG_MS)
        parent = subprocess.Popen([sys.executable, "-c", STAND_IN, json.dumps(request)] + oracle_argv(),
                                  stdout=subprocess.PIPE)
        self.addCleanup(lambda: parent.poll() is None and parent.kill())
        self.addCleanup(parent.stdout.close)
        int(parent.stdout.readline())
        self.wait_for_hang(marker)
        self.kill_parent_and_check(parent, marker)

    def test_child_in_the_scenario_parents_group(self):
        self.check(False)

    def test_child_in_a_session_of_its_own(self):
        self.check(True)

    def test_real_runner_killed(self):
        if not OPTIONS.runner:
            self.skipTest("no --runner")
        marker = new_marker()
        folder = tempfile.mkdtemp(prefix="fdconform-runner-kill-")
        self.addCleanup(shutil.rmtree, folder, True)
        os.mkdir(os.path.join(folder, "scenarios"))
        with open(os.path.join(folder, "scenarios", "hostile-hangs.yaml"), "w") as f:
            f.write("format: 1\nid: hostile-hangs\ntitle: hangs\ndescription: the child never exits\n"
                    "covers: [E12]\nsource: tests/drivers/hostile_oracle_test.py\n"
                    "unconfined: \"tests/drivers: a shell that hangs\"\ntimeout: 60\n"
                    "spawn:\n  popen:\n    argv: [\"/bin/sh\", \"-c\", \"/bin/sleep %s & exec /bin/sleep %s\", \"sh\"]\n"
                    "    start_new_session: true\n" % (marker, marker))
        descriptor = os.path.join(folder, "oracle.json")
        with open(descriptor, "w") as f:
            json.dump({"id": "hostile-oracle", "argv": oracle_argv()}, f)
        runner = subprocess.Popen([OPTIONS.runner, "run", os.path.join(folder, "scenarios"), "--driver", descriptor,
                                   "--impl", "hostile-oracle", "--allow-unconfined", "--no-expectations", "-j1",
                                   "--out", os.path.join(folder, "out")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=dict(os.environ, TMPDIR=folder))
        self.addCleanup(lambda: runner.poll() is None and runner.kill())
        self.wait_for_hang(marker)
        self.kill_parent_and_check(runner, marker)


# ---------------------------------------------------------------- 4. confined paths

class ConfinedPathTest(OracleSession):
    """Scenario paths stay inside the workdir unless the scenario is
    `unconfined`; nothing outside is created, truncated or opened."""

    def setUp(self):
        self.outside = tempfile.mkdtemp(prefix="fdconform-outside-")
        self.addCleanup(shutil.rmtree, self.outside, True)
        self.victim = os.path.join(self.outside, "victim.txt")
        with open(self.victim, "w") as f:
            f.write("keep")

    def scenario(self, parent=None, spawn=None, unconfined=None):
        scenario = protocol.minimal_scenario("confined", parent=parent, spawn=spawn)
        scenario["unconfined"] = unconfined
        return scenario

    def file_at(self, path):
        return {"resources": [{"name": "f", "kind": "file", "path": path, "content": "overwritten"}]}

    def assert_refused(self, result, what, escaped=None):
        self.assertEqual(result.get("status"), "error", "%s: %s" % (what, result))
        self.assertIn("escapes the workdir", result.get("reason") or "", what)
        self.assertIsNone(result.get("probe"), what)
        with open(self.victim) as f:
            self.assertEqual(f.read(), "keep", what + ": the file outside was changed")
        self.assertEqual(os.listdir(self.outside), ["victim.txt"], what + ": something was created outside")
        if escaped:
            self.assertFalse(os.path.lexists(escaped), what + ": created " + escaped)

    def link(self, name, target):
        return lambda workdir: os.symlink(target, os.path.join(workdir, name))

    def test_dotdot_path(self):
        escaped = os.path.join(self.workdirs.root, "escape.txt")
        result = self.ask(self.scenario(parent=self.file_at("../escape.txt")))
        self.assert_refused(result, "../escape.txt", escaped)

    def test_absolute_path(self):
        self.assert_refused(self.ask(self.scenario(parent=self.file_at(self.victim))), "an absolute path")

    def test_symlink_to_a_file_outside(self):
        result = self.ask(self.scenario(parent=self.file_at("victim-link")), self.link("victim-link", self.victim))
        self.assert_refused(result, "a symlink in the workdir")

    def test_symlinked_directory_on_the_way(self):
        result = self.ask(self.scenario(parent=self.file_at("out/new.txt")), self.link("out", self.outside))
        self.assert_refused(result, "a file below a symlinked directory")
        parent = {"resources": [{"name": "d", "kind": "dir", "path": "out/newdir"}]}
        result = self.ask(self.scenario(parent=parent), self.link("out", self.outside))
        self.assert_refused(result, "a dir below a symlinked directory")

    def test_parent_cwd_through_a_symlink(self):
        result = self.ask(self.scenario(parent={"cwd": "out"}), self.link("out", self.outside))
        self.assert_refused(result, "parent.cwd a symlink")

    def test_file_action_through_a_symlink(self):
        if "posix_spawn" not in self.hello["features"]:
            self.skipTest("no os.posix_spawn in this interpreter")
        action = {"open": {"fd": 5, "path": "out/by-action.txt", "flags": ["wronly", "creat"], "mode": "0644"}}
        result = self.ask(self.scenario(spawn={"posix_spawn": {"file_actions": [action]}}),
                          self.link("out", self.outside))
        self.assert_refused(result, "a file action through a symlink")

    def test_paths_inside_still_work(self):
        parent = {"cwd": "sub/deeper", "resources": [
            {"name": "sub", "kind": "dir"}, {"name": "deeper", "kind": "dir", "path": "sub/./deeper"},
            {"name": "f", "kind": "file", "path": "sub/deeper/data.txt", "content": "abc", "offset": 1,
             "inheritable": True}]}
        spawn = {"popen": {"close_fds": False}}
        result = self.ask(self.scenario(parent=parent, spawn=spawn))
        self.assertEqual(result.get("status"), "ran", result)
        self.assertEqual(result["parent"]["cwd"], os.path.join(self.workdir, "sub", "deeper"))
        fds = [e for e in result["probe"]["fds"] if e["path"].endswith("/data.txt")]
        self.assertEqual([(e["offset"], e["path"]) for e in fds],
                         [(1, os.path.join(self.workdir, "sub", "deeper", "data.txt"))])
        # the resource is on the lowest free fd, as if no directory fd had been open on the way
        self.assertEqual(result["parent"]["resources"]["f"], 5, result["parent"]["resources"])

    def test_unconfined_keeps_the_old_behaviour(self):
        absolute = self.ask(self.scenario(parent=self.file_at(self.victim), unconfined="test"))
        self.assertEqual(absolute.get("status"), "ran", absolute)
        with open(self.victim) as f:
            self.assertEqual(f.read(), "overwritten")
        escaped = os.path.join(self.workdirs.root, "escape-unconfined.txt")
        self.addCleanup(lambda: os.path.exists(escaped) and os.unlink(escaped))
        dotdot = self.ask(self.scenario(parent=self.file_at("../escape-unconfined.txt"), unconfined="test"))
        self.assertEqual(dotdot.get("status"), "ran", dotdot)
        self.assertTrue(os.path.exists(escaped))
        through = self.ask(self.scenario(parent=self.file_at("out/via-link.txt"), unconfined="test"),
                           self.link("out", self.outside))
        self.assertEqual(through.get("status"), "ran", through)
        self.assertTrue(os.path.exists(os.path.join(self.outside, "via-link.txt")))


# ---------------------------------------------------------------- 5. the probe could not report

class ProbeReportFailureTest(OracleSession):
    def assert_report_failure(self, result, stderr_text):
        self.assertEqual(result.get("status"), "error", result)
        reason = result.get("reason") or ""
        self.assertIn("could not write its report", reason)
        self.assertNotIn("\n", reason)
        if stderr_text:
            self.assertIn(stderr_text, reason)
            self.assertIn(stderr_text, result.get("stderr", ""))
        self.assertIsNone(result.get("probe"))

    def test_real_probe_without_a_free_fd(self):
        """The probe's RLIMIT_NOFILE leaves it no fd for its report: status 3, no file."""
        parent = {"nofile_limit": 4, "resources": [{"name": "log", "kind": "file", "fd": 5}]}
        spawn = {"fork_exec": {"steps": [{"dup2": {"fd": "log", "to": 3}}]}}
        result = self.ask(protocol.minimal_scenario("probe-no-fd", parent=parent, spawn=spawn))
        self.assertEqual(result.get("outcome"), {"kind": "exited", "returncode": 3}, result)
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "probe.json")))
        self.assert_report_failure(result, None)
        self.assert_still_serving()

    def test_its_stderr_is_quoted(self):
        for stderr in ("inherit", "pipe"):
            spawn = {"popen": {"argv": ["/bin/sh", "-c", "echo no space left for the report >&2; exit 3", "sh"],
                               "stderr": stderr}}
            result = self.ask(protocol.minimal_scenario("probe-stderr-" + stderr, spawn=spawn))
            self.assert_report_failure(result, "no space left for the report")


def parse_options(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--probe", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--runner")
    options, rest = parser.parse_known_args(argv)
    options.probe = os.path.abspath(options.probe)
    options.oracle = os.path.abspath(options.oracle)
    return options, rest


if __name__ == "__main__":
    OPTIONS, unittest_args = parse_options(sys.argv[1:])
    # What protocol_test.py's helpers read: the probe, the variant, the driver's argv.
    protocol.OPTIONS = argparse.Namespace(probe=OPTIONS.probe, variant={}, driver_argv=oracle_argv())
    unittest.main(argv=[sys.argv[0]] + unittest_args, verbosity=2)
