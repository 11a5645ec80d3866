"""Conformance test of one driver against docs/PROTOCOL.md.

Every column of the matrix is held to the same contract by running this script
against it: the CPython oracle under each interpreter, the spawn_core driver on
each of its paths, and any new runtime's driver.

Usage:
  protocol_test.py --runner FDCONFORM --scenarios DIR --probe PROBE
                   [--variant JSON] [--expect-python INTERPRETER] [--expect-id ID]
                   [--gate-version X.Y] [--known-gap NAME] [--requests FILE]
                   (--driver DESCRIPTOR.json | -- DRIVER ARGV...)
  protocol_test.py --runner FDCONFORM --scenarios DIR --probe PROBE --requests FILE --record-only

  --runner         the fdconform binary: real scenarios are turned into requests
                   by the runner itself (through record_driver.py), not by this script
  --driver         the descriptor file given to `fdconform run --driver`: its argv
                   starts the driver, its variant goes into every request, and
                   its id is what every result must carry (unless given here)
  --variant        the request's "variant" object, as a descriptor would give it
  --expect-python  the interpreter the oracle runs under: the hello must name it
                   (CPython, its exact version, id cpython-<version>)
  --expect-id      the implementation id every result must carry (default: the
                   hello's; the spawn_core driver names the variant's path)
  --known-gap      a documented gap of this driver (see KNOWN_GAPS): its test
                   is an expected failure
  --skip-known-gap the same gap's test is skipped (a slow one, checked in
                   another run of the same driver code)
  --requests       recorded requests (JSON Lines): read when the file exists,
                   else recorded and written there; --record-only just writes it
  --gate-version   the Python version the recorded scenarios are filtered by
                   before they are sent, as the runner's gate would (default:
                   the hello's semantics.python; none: every one is sent)

Standard library only; the test runner is Debian's /usr/bin/python3.
"""
import argparse
import errno
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

OPTIONS = None
DRIVER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"}
STATUSES = ("ran", "skip", "error", "no_api")
OUTCOME_KINDS = ("exited", "signaled", "exception")
SNAPSHOT_KEYS = ("pid", "ppid", "sid", "pgid", "cwd", "umask", "env", "uid", "euid", "suid", "gid", "egid", "sgid",
                 "groups", "signals", "fds")
FD_KEYS = ("fd", "kind", "access", "flags", "cloexec", "offset", "dev", "ino", "rdev", "path", "ofd")
FD_KINDS = ("file", "dir", "pipe", "socket", "chr", "blk", "fifo", "eventfd", "memfd", "epoll", "signalfd", "timerfd",
            "pidfd", "inotify", "anon", "unknown")
ACCESS_MODES = ("rdonly", "wronly", "rdwr", "path")
RESULT_CHANNEL_FD = 1023
# Scenarios replayed by every driver: each spawn kind, fds, signals, sessions,
# errors, credentials, gates. Ids that disappear from the corpus are tolerated
# (at least MIN_REAL of them must be found).
REAL_SCENARIOS = ("umask-set-077", "spawn-setsid", "pass-fds-file-keeps-offset", "fds-close-fds-true-drops-inheritable",
                  "fds-close-fds-false-leaks-inheritable", "inherit-fork-exec-std-and-state",
                  "signals-ignored-and-blocked", "stdio-pipe-all-three", "lowfd-closed-std-all-pipes",
                  "exec-missing-executable", "env-replace", "cwd-dir-resource", "session-start-new-session",
                  "spawn-file-action-dup2", "creds-user-nobody", "session-process-group-zero", "exec-shell-true",
                  "pass-fds-socketpair-and-eventfd", "spawn-file-action-closefrom",
                  "steps-later-child-never-holds-earlier-pipes", "steps-parent-os-calls-between-spawns",
                  "steps-poll-terminate-wait")
MIN_REAL = 12
ANSWER_SECONDS = 20.0   # how long any single answer may take on a loaded machine
HANG_TIMEOUT_MS = 400   # the timeout_ms given to the hanging scenarios
HANG_BOUND = 8.0        # the error result must come within this many seconds


def version_text(interpreter):
    """The interpreter's version, as platform.python_version() spells it."""
    return subprocess.check_output([interpreter, "-I", "-S", "-c", "import platform; print(platform.python_version())"],
                                   universal_newlines=True).strip()


def version_numbers(text):
    return tuple(int(n) for n in re.match(r"(\d+(?:\.\d+)*)", text).group(1).split("."))


# ---------------------------------------------------------------- the driver process

class Driver(object):
    """One driver process, started as the runner starts it (PROTOCOL.md, Transport)."""

    def __init__(self, argv):
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        env=DRIVER_ENV, cwd="/", start_new_session=True)
        self.buffer = b""
        self.broken = None  # set once the driver missed an answer: later exchanges fail at once

    def send_line(self, text):
        if self.broken:
            raise AssertionError("the driver stopped answering earlier: " + self.broken)
        try:
            self.process.stdin.write(text.encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            self.broken = "the driver exited (status %s)" % self.process.poll()
            raise AssertionError("%s; stderr: %s" % (self.broken, self.diagnostics()))

    def send(self, message):
        self.send_line(json.dumps(message))

    def read_line(self, seconds=ANSWER_SECONDS):
        """The next line as text, or None at EOF; fails the test after `seconds`."""
        if self.broken:
            raise AssertionError("the driver stopped answering earlier: " + self.broken)
        deadline = time.monotonic() + seconds
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.broken = "no answer within %.1f s" % seconds
                raise AssertionError("the driver did not answer within %.1f s; stderr: %s" % (seconds, self.diagnostics()))
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                if self.buffer:
                    raise AssertionError("the driver's last line has no newline: %r" % self.buffer[:200])
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode("utf-8")

    def read_message(self, seconds=ANSWER_SECONDS):
        line = self.read_line(seconds)
        if line is None:
            raise AssertionError("the driver closed its stdout; stderr: %s" % self.diagnostics())
        try:
            return json.loads(line)
        except ValueError:
            raise AssertionError("not a JSON line: %r" % line[:300])

    def close_stdin(self):
        self.process.stdin.close()

    def wait(self, seconds):
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def diagnostics(self):
        self.stderr.seek(0)
        return self.stderr.read()[-2000:].decode("utf-8", "replace")

    def stop(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
            except (OSError, ValueError):
                pass
            if self.wait(5) is None:
                # the driver and its scenario parents: one process group (started with a new session)
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.process.wait()
        for pid in session_members(self.process.pid):  # what the driver left behind in its session
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.process.stdout.close()
        self.stderr.close()


def start_driver():
    driver = Driver(OPTIONS.driver_argv)
    hello = driver.read_message()
    return driver, hello


# ---------------------------------------------------------------- requests

class Workdirs(object):
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="fdconform-drvtest-")
        os.chmod(self.root, 0o755)
        self.count = 0

    def new(self):
        self.count += 1
        path = os.path.join(self.root, "cell-%d" % self.count)
        os.mkdir(path)
        os.chmod(path, 0o777)
        return path

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def request_for(scenario, workdir, timeout_ms=10000):
    return {"request": 1, "scenario": scenario, "workdir": workdir, "probe": OPTIONS.probe,
            "timeout_ms": timeout_ms, "variant": OPTIONS.variant}


def minimal_scenario(scenario_id, spawn=None, parent=None, requires=None):
    """A protocol-valid scenario written by hand (docs/SCENARIO_FORMAT.md; optional keys left out)."""
    scenario = {"format": 1, "id": scenario_id, "title": "written by tests/drivers", "description": "test",
                "covers": ["T0"], "source": "tests/drivers/protocol_test.py",
                "spawn": spawn if spawn is not None else {"popen": {"argv": ["{probe}"]}}}
    if parent is not None:
        scenario["parent"] = parent
    if requires is not None:
        scenario["requires"] = requires
    return scenario


_recorded = None


def recorded_requests():
    """REAL_SCENARIOS as the runner sends them: from --requests FILE when it
    exists (ctest records it once for every driver), otherwise recorded now."""
    global _recorded
    if _recorded is not None:
        return _recorded
    if OPTIONS.requests and os.path.exists(OPTIONS.requests) and not OPTIONS.record_only:
        with open(OPTIONS.requests) as f:
            _recorded = [json.loads(line) for line in f if line.strip()]
        return _recorded
    tmp = tempfile.mkdtemp(prefix="fdconform-record-")
    try:
        out = os.path.join(tmp, "requests.jsonl")
        descriptor = os.path.join(tmp, "recorder.json")
        with open(descriptor, "w") as f:
            json.dump({"id": "recorder", "argv": [sys.executable, "-I", "-S",
                                                  os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "record_driver.py"), out]}, f)
        pattern = "^(%s)$" % "|".join(re.escape(i) for i in REAL_SCENARIOS)
        completed = subprocess.run([OPTIONS.runner, "run", OPTIONS.scenarios, "--driver", descriptor,
                                    "--impl", "recorder", "--filter", pattern, "--no-expectations", "-j1",
                                    "--json", os.path.join(tmp, "results.json")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                   timeout=120)
        requests = []
        if os.path.exists(out):
            with open(out) as f:
                requests = [json.loads(line) for line in f if line.strip()]
        if len(requests) < MIN_REAL:
            raise AssertionError("the runner recorded %d requests (want >= %d); its output:\n%s"
                                 % (len(requests), MIN_REAL, completed.stdout[-3000:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    order = dict((name, i) for i, name in enumerate(REAL_SCENARIOS))
    requests.sort(key=lambda r: order.get(r["scenario"]["id"], 999))
    _recorded = requests
    if OPTIONS.requests:
        partial = OPTIONS.requests + ".%d.tmp" % os.getpid()
        with open(partial, "w") as f:
            for request in requests:
                f.write(json.dumps(request) + "\n")
        os.rename(partial, OPTIONS.requests)
    return requests


# ---------------------------------------------------------------- leftovers

def session_members(sid):
    """Live (non-zombie) pids whose session is `sid`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:  # bytes: a process name need not be UTF-8
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != b"Z" and int(fields[3]) == sid:  # state ppid pgrp session
            found.append(int(name))
    return found


def processes_with(marker):
    """Pids whose command line contains `marker`."""
    found = []
    needle = marker.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmdline = f.read()
            with open("/proc/%s/stat" % name, "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmdline and state != b"Z":
            found.append(int(name))
    return found


# ---------------------------------------------------------------- shape checks

class ShapeChecks(object):
    """Assertions on the documented shape of hello and result lines."""

    def check_snapshot(self, snapshot, where, is_probe):
        self.assertIsInstance(snapshot, dict, where)
        keys = SNAPSHOT_KEYS + (("argv",) if is_probe else ())
        for key in keys:
            self.assertTrue(key in snapshot, "%s: missing %r" % (where, key))
        if is_probe:
            self.assertEqual(snapshot.get("probe"), 1, where)
        for key in ("pid", "ppid", "sid", "pgid", "uid", "euid", "suid", "gid", "egid", "sgid"):
            self.assertIsInstance(snapshot[key], int, "%s.%s" % (where, key))
        self.assertRegex(snapshot["umask"], r"^[0-7]{3,4}$", where + ".umask")
        self.assertIsInstance(snapshot["env"], list, where + ".env")
        self.assertTrue(all(isinstance(e, str) for e in snapshot["env"]), where + ".env")
        self.assertTrue(all(isinstance(g, int) for g in snapshot["groups"]), where + ".groups")
        self.assertEqual(sorted(snapshot["signals"]), ["blocked", "caught", "ignored"], where + ".signals")
        for key, names in snapshot["signals"].items():
            self.assertTrue(all(isinstance(n, str) and n.startswith("SIG") for n in names), where + ".signals." + key)
        self.check_fds(snapshot["fds"], where + ".fds")

    def check_fds(self, fds, where):
        self.assertIsInstance(fds, list, where)
        numbers = [entry.get("fd") for entry in fds]
        self.assertEqual(numbers, sorted(set(numbers)), where + ": fd numbers ascending and unique")
        for entry in fds:
            here = "%s[fd %s]" % (where, entry.get("fd"))
            for key in FD_KEYS:
                self.assertTrue(key in entry, "%s: missing %r in %s" % (here, key, entry))
            self.assertIn(entry["kind"], FD_KINDS, here)
            self.assertIn(entry["access"], ACCESS_MODES, here)
            self.assertIsInstance(entry["flags"], list, here)
            self.assertNotIn("largefile", entry["flags"], here)
            self.assertIsInstance(entry["cloexec"], bool, here)
            for key in ("offset", "dev", "ino", "rdev", "ofd"):
                self.assertIsInstance(entry[key], int, "%s.%s" % (here, key))
            self.assertNotEqual(entry["fd"], RESULT_CHANNEL_FD, here + ": the result channel is left out")

    def check_result(self, result, scenario_id, implementation):
        where = "result for %s" % scenario_id
        self.assertIsInstance(result, dict, where)
        self.assertEqual(result.get("result"), 1, where)
        self.assertEqual(result.get("scenario"), scenario_id, where + ": results must come in request order")
        self.assertEqual(result.get("implementation"), implementation, where)
        self.assertIn(result.get("status"), STATUSES, where)
        for key in ("reason", "outcome", "parent", "parent_after", "probe"):
            self.assertTrue(key in result, "%s: missing %r" % (where, key))
        if result["status"] == "no_api":
            # What the runtime's public API cannot express, in one line: the cell's verdict names it.
            capability = result.get("capability")
            self.assertIsInstance(capability, str, where + ": a no_api result names its capability")
            self.assertTrue(capability.strip(), where + ": empty capability")
            self.assertNotIn("\n", capability, where + ": the capability is one line")
            return
        if result["status"] != "ran":
            self.assertIsInstance(result["reason"], str, where + ": skip and error carry a reason")
            self.assertTrue(result["reason"].strip(), where + ": empty reason")
            self.assertNotIn("\n", result["reason"].strip(), where + ": the reason is one line")
        if result["status"] == "skip":
            return
        if result["status"] == "ran":
            self.assertIsNone(result["reason"], where)
            self.check_parent_snapshots(result, where)
            if "spawns" in result:  # a steps scenario (docs/PROTOCOL.md, "A steps scenario")
                self.assertIsNone(result["outcome"], where + ": a steps result has no single outcome")
                self.assertIsNone(result["probe"], where + ": a steps result has no single probe")
                self.check_steps(result, where)
            else:
                self.check_spawn(result["outcome"], result["probe"], where)

    def check_outcome(self, outcome, where):
        self.assertIsInstance(outcome, dict, where + ".outcome")
        self.assertIn(outcome.get("kind"), OUTCOME_KINDS, where)
        # The class is "error_class"; the member's former name is refused by the runner.
        self.assertIsNone(outcome.get("exception"), where + ".outcome: the error class is \"error_class\"")
        if outcome["kind"] == "exited":
            self.assertIsInstance(outcome["returncode"], int, where)
            self.assertGreaterEqual(outcome["returncode"], 0, where)
        elif outcome["kind"] == "signaled":
            self.assertLess(outcome["returncode"], 0, where)
        else:
            self.assertIsInstance(outcome.get("error_class"), str, where)
            self.assertTrue(outcome["error_class"], where + ".outcome: an empty error_class")
            for key in ("errno", "filename", "message"):
                self.assertTrue(key in outcome, "%s.outcome: missing %r" % (where, key))
            if outcome["errno"] is not None:
                self.assertIsInstance(outcome["errno"], int, where)
                self.assertEqual(outcome.get("errno_name"), errno.errorcode.get(outcome["errno"]), where)

    def check_spawn(self, outcome, probe, where):
        self.check_outcome(outcome, where)
        if probe is not None:
            self.check_snapshot(probe, where + ".probe", True)
        elif outcome["kind"] == "exited" and outcome["returncode"] == 0:
            self.fail(where + ": the child exited 0 but there is no probe report")

    def check_resources(self, snapshot, where):
        resources = snapshot.get("resources")
        self.assertIsInstance(resources, dict, where + ".resources")
        parent_fds = set(e["fd"] for e in snapshot["fds"])
        for name, fd in resources.items():
            self.assertIsInstance(fd, int, "%s.resources.%s" % (where, name))
            self.assertIn(fd, parent_fds, "%s: resource %s names fd %d, not in the snapshot" % (where, name, fd))

    def check_parent_snapshots(self, result, where):
        self.check_snapshot(result["parent"], where + ".parent", False)
        self.check_resources(result["parent"], where + ".parent")
        # The parent after the spawn is a full snapshot, like the one before it,
        # plus the children it has not reaped (none, once the driver waited).
        self.check_snapshot(result["parent_after"], where + ".parent_after", False)
        children = result["parent_after"].get("children")
        self.assertIsInstance(children, list, where + ".parent_after.children")
        for child in children:
            self.assertIsInstance(child.get("pid"), int, where + ".parent_after.children[]")
            self.assertIsInstance(child.get("state"), str, where + ".parent_after.children[]")

    def check_steps(self, result, where):
        spawns, steps = result["spawns"], result.get("steps")
        self.assertIsInstance(spawns, list, where + ".spawns")
        self.assertIsInstance(steps, list, where + ".steps")
        # A spawn step, or a spawn inside a together step's list, is null; a spawn a fork_exec child
        # made has no step of its own, so there may be more spawns than nulls.
        nulls = sum(1 if s is None else (s.count(None) if isinstance(s, list) else 0) for s in steps)
        self.assertLessEqual(nulls, len(spawns), where + ": one null step per spawn step")
        for entry in spawns:
            here = "%s.spawns[%s]" % (where, entry.get("name"))
            self.assertIsInstance(entry.get("name"), str, here)
            self.assertTrue(entry.get("pid") is None or isinstance(entry["pid"], int), here + ".pid")
            self.check_snapshot(entry.get("parent"), here + ".parent", False)
            self.check_resources(entry["parent"], here + ".parent")
            self.check_spawn(entry.get("outcome"), entry.get("probe"), here)
            if entry.get("probe") is not None:
                self.assertEqual(entry["probe"]["pid"], entry["pid"], here + ": the probe runs as the spawn's pid")
        for index, step in enumerate(steps):
            for entry in (step if isinstance(step, list) else [step]):
                if entry is not None:
                    self.assertEqual(len(entry), 1, "%s.steps[%d]: %r" % (where, index, entry))
                    self.assertIn(list(entry)[0], ("returned", "raised", "skipped"), "%s.steps[%d]" % (where, index))
                    if "raised" in entry:
                        self.assertIsInstance(entry["raised"].get("error_class"), str,
                                              "%s.steps[%d]: a raised step names its error_class" % (where, index))


def expected_fds_hold(test, scenario, result):
    """The scenario's own expect block, on what the result says directly."""
    expect = scenario.get("expect") or {}
    where = scenario["id"]
    if "spawns" in result:
        fields = expect.get("fields") or {}
        for entry in result["spawns"]:
            key = entry["name"] + ".fds"
            if key in fields and entry.get("probe") is not None:
                test.assertEqual(",".join(str(e["fd"]) for e in entry["probe"]["fds"]), fields[key], where + ": " + key)
        return
    outcome = result["outcome"]
    if expect.get("outcome"):
        test.assertEqual(outcome["kind"], expect["outcome"], where + ": " + json.dumps(outcome))
    if expect.get("returncode") is not None:
        test.assertEqual(outcome["returncode"], expect["returncode"], where)
    if expect.get("exception"):
        test.assertEqual(outcome["error_class"], expect["exception"], where)
    if expect.get("errno"):
        test.assertEqual(outcome.get("errno_name"), expect["errno"], where)
    probe = result["probe"]
    if expect.get("fds") and probe is not None:
        test.assertEqual(sorted(int(k) for k in expect["fds"]), [e["fd"] for e in probe["fds"]],
                         where + ": the child's fds")
    fields = expect.get("fields") or {}
    if probe is not None:
        if "child.umask" in fields:
            test.assertEqual(probe["umask"], fields["child.umask"], where)
        for field, key in (("child.session", "sid"), ("child.pgroup", "pgid")):
            if field in fields:
                value = "self" if probe[key] == probe["pid"] else (
                    "parent" if probe[key] == result["parent"][key] else "other")
                test.assertEqual(value, fields[field], "%s: %s" % (where, field))


# ---------------------------------------------------------------- the tests

class HelloTest(unittest.TestCase):
    def test_hello_line_then_exit_zero_at_eof(self):
        driver, hello = start_driver()
        try:
            self.assertEqual(hello.get("fdconform_driver"), 1, hello)
            implementation = hello.get("implementation")
            self.assertIsInstance(implementation, dict, hello)
            for key in ("id", "name", "version", "language", "detail"):
                self.assertIsInstance(implementation.get(key), str, "implementation.%s" % key)
                self.assertTrue(implementation[key], "implementation.%s is empty" % key)
            features = hello.get("features")
            self.assertIsInstance(features, list, hello)
            self.assertTrue(all(isinstance(f, str) and f for f in features), features)
            self.assertEqual(len(features), len(set(features)), "features repeat: %s" % features)
            unknown = sorted(set(features) - set(feature_names()))
            self.assertEqual(unknown, [], "features not listed in docs/FEATURES.md")
            semantics = hello.get("semantics", {})
            self.assertIsInstance(semantics, dict, "semantics: an object such as {\"python\": \"3.13\"}")
            for standard, version in semantics.items():
                self.assertRegex(version, r"^\d+(\.\d+)*", "semantics.%s: a dotted version" % standard)
            if OPTIONS.expect_python:
                version = version_text(OPTIONS.expect_python)
                self.assertEqual(implementation["name"], "CPython")
                self.assertEqual(implementation["language"], "python")
                self.assertEqual(implementation["version"], version, "the hello must carry the interpreter's version")
                self.assertEqual(implementation["id"], "cpython-" + version)
                self.assertEqual(semantics.get("python"), version, "a CPython column follows its own version")
            # EOF with no request at all: nothing more on stdout, exit 0, nothing left behind
            driver.close_stdin()
            self.assertIsNone(driver.read_line(10), "nothing may follow the hello when no request came")
            self.assertEqual(driver.wait(10), 0, "a driver exits 0 at EOF on stdin; stderr: " + driver.diagnostics())
            self.assert_nothing_left(driver)
        finally:
            driver.stop()

    def assert_nothing_left(self, driver):
        """The driver ran in a session of its own: once it exited, nothing of that session may remain."""
        left = session_members(driver.process.pid)
        for _ in range(10):
            if not left:
                break
            time.sleep(0.05)
            left = session_members(driver.process.pid)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.assertEqual(left, [], "processes of the driver's session outlived it")

    def test_exit_zero_at_eof_after_requests(self):
        """EOF right after a request: the pending answer still comes, then exit 0."""
        driver, hello = start_driver()
        workdirs = Workdirs()
        try:
            driver.send(request_for(minimal_scenario("eof-after-request"), workdirs.new()))
            driver.close_stdin()
            result = driver.read_message()
            self.assertEqual(result.get("scenario"), "eof-after-request")
            self.assertEqual(result.get("status"), "ran", result.get("reason"))
            self.assertIsNone(driver.read_line(10), "exactly one result line per request")
            self.assertEqual(driver.wait(10), 0, "a driver exits 0 at EOF on stdin; stderr: " + driver.diagnostics())
            self.assert_nothing_left(driver)
        finally:
            driver.stop()
            workdirs.remove()


class SessionTest(unittest.TestCase, ShapeChecks):
    """One warm driver for every request of this class, as the runner uses it."""

    @classmethod
    def setUpClass(cls):
        cls.driver, cls.hello = start_driver()
        cls.implementation = OPTIONS.expect_id or cls.hello["implementation"]["id"]
        cls.workdirs = Workdirs()

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()
        cls.workdirs.remove()

    def ask(self, scenario, timeout_ms=10000, seconds=ANSWER_SECONDS, prepare=None):
        self.workdir = self.workdirs.new()
        if prepare:
            prepare(self.workdir)
        self.driver.send(request_for(scenario, self.workdir, timeout_ms))
        return self.driver.read_message(seconds)

    def gate_version(self):
        return OPTIONS.gate_version or self.hello.get("semantics", {}).get("python")

    # -- real scenarios

    def test_real_scenarios_pipelined_in_order(self):
        """All requests written before any answer is read: one result each, in order."""
        # The runner sends a column only the scenarios its gate admits; so does this test.
        version = self.gate_version()
        features = set(self.hello.get("features") or [])
        requests = [r for r in recorded_requests()
                    if (not version or admitted(version, (r["scenario"].get("requires") or {}).get("python")))
                    and features.issuperset((r["scenario"].get("requires") or {}).get("features") or [])]
        for request in requests:
            request = dict(request, workdir=self.workdirs.new(), probe=OPTIONS.probe, variant=OPTIONS.variant)
            self.driver.send(request)
        results = []
        for request in requests:
            result = self.driver.read_message()
            if not isinstance(result, dict) or result.get("scenario") != request["scenario"]["id"]:
                self.driver.broken = "results out of order"  # the session cannot be trusted any more
                self.fail("result %d is for %r, request %d was %r: results must come in request order"
                          % (len(results) + 1, result.get("scenario") if isinstance(result, dict) else result,
                             len(results) + 1, request["scenario"]["id"]))
            results.append(result)
        ran = 0
        for request, result in zip(requests, results):
            scenario = request["scenario"]
            self.check_result(result, scenario["id"], self.implementation)
            if result["status"] == "error":
                self.fail("%s: error result: %s" % (scenario["id"], result["reason"]))
            if result["status"] == "ran":
                ran += 1
                expected_fds_hold(self, scenario, result)
        self.assertGreaterEqual(ran, 5, "most real scenarios should run")

    # -- hand-written gates and requirements

    def test_requires_is_the_runners_to_judge(self):
        """A driver runs what it is sent: the runner alone evaluates `requires` (one gate for every column)."""
        root = os.geteuid() == 0
        requires = {"python": "<0.1", "kernel": "999.0", "non_root" if root else "root": True}
        result = self.ask(minimal_scenario("requires-nothing-here", requires=requires))
        self.check_result(result, "requires-nothing-here", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))

    def test_announced_features_are_not_skipped(self):
        for feature in self.hello["features"]:
            result = self.ask(minimal_scenario("has-" + feature, requires={"features": [feature]}))
            self.check_result(result, "has-" + feature, self.implementation)
            self.assertEqual(result["status"], "ran", "%s is in the hello's features: %s" % (feature, result))

    # -- malformed requests

    def test_malformed_requests_get_an_error_and_the_driver_keeps_serving(self):
        workdir = self.workdirs.new()
        good = request_for(minimal_scenario("after-malformed"), self.workdirs.new())
        missing = dict(good)
        del missing["scenario"]
        lines = [
            ("not JSON", "this is {not json"),
            ("a JSON array", "[1, 2, 3]"),
            ("missing scenario", json.dumps(missing)),
            ("missing workdir and probe", json.dumps({"request": 1, "scenario": minimal_scenario("no-workdir")})),
            ("protocol version 2", json.dumps(dict(good, request=2))),
            ("unknown spawn kind", json.dumps(request_for(minimal_scenario("bad-spawn", spawn={"teleport": {}}),
                                                          workdir))),
            ("a resource on the result channel's fd", json.dumps(request_for(minimal_scenario("fd-1023", parent={
                "resources": [{"name": "f", "kind": "file", "fd": RESULT_CHANNEL_FD, "inheritable": True}]}),
                self.workdirs.new()))),
            ("a workdir that does not exist", json.dumps(request_for(minimal_scenario("no-such-workdir"),
                                                                     os.path.join(workdir, "missing")))),
        ]
        for _, line in lines:
            self.driver.send_line(line)
        self.driver.send(good)
        for what, _ in lines:
            result = self.driver.read_message()
            self.assertEqual(result.get("result"), 1, what)
            self.assertEqual(result.get("status"), "error", "%s: %s" % (what, result))
            self.assertIsInstance(result.get("reason"), str, what)
            self.assertTrue(result["reason"].strip(), what)
            if what == "unknown spawn kind":
                self.assertEqual(result.get("scenario"), "bad-spawn", what)
        result = self.driver.read_message()
        self.check_result(result, "after-malformed", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertIsNone(self.driver.process.poll(), "the driver must keep serving")

    # -- a known parent state, end to end

    def test_known_parent_state_reaches_the_probe(self):
        scenario = minimal_scenario("known-state", parent={
            "umask": "027",
            "env": {"set": {"FDCONFORM_T": "x{workdir}y"}, "unset": ["LANG"]},
            "signals": {"ignore": ["SIGUSR1"], "block": ["SIGHUP"]},
            "resources": [
                {"name": "log", "kind": "file", "content": "hello world\n", "offset": 3, "fd": 7,
                 "inheritable": True, "flags": ["append"]},
                {"name": "hidden", "kind": "file", "fd": 8},
                {"name": "sub", "kind": "dir"},
            ], "cwd": "sub", "nofile_limit": 48}, spawn={"popen": {"argv": ["{probe}", "first"], "close_fds": False}})
        result = self.ask(scenario)
        self.check_result(result, "known-state", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertEqual(result["outcome"]["kind"], "exited", result["outcome"])
        self.assertEqual(result["outcome"]["returncode"], 0, result["outcome"])
        parent, probe = result["parent"], result["probe"]
        workdir = self.workdir
        # What the runtime set up or changed itself at start-up (docs/PROTOCOL.md, hello runtime_owned:
        # a column whose scenario parent is a runtime started in the prepared state) is left out of the
        # parent's checks, and so out of what its child inherits from it; every other column owns nothing.
        owned = result.get("runtime_owned") or {}
        owned_fds, owned_signals = set(owned.get("fds", [])), set(owned.get("signals", []))
        owned_process = set(owned.get("process", []))
        # A scenario fd whose close-on-exec flag alone the runtime turned over at start-up.
        reflagged_fds = set(owned.get("reflagged_fds", []))
        self.assertEqual(parent["cwd"], os.path.join(workdir, "sub"), "parent.cwd names a dir resource")
        self.assertEqual(parent["umask"], "027")
        self.assertEqual(parent["resources"].get("log"), 7, parent["resources"])
        self.assertEqual(parent["resources"].get("hidden"), 8, parent["resources"])
        self.assertEqual(parent["resources"].get("parent.stdout"), 1, parent["resources"])
        parent_fds = dict((e["fd"], e) for e in parent["fds"])
        if 7 not in owned_fds | reflagged_fds:
            self.assertFalse(parent_fds[7]["cloexec"])
        self.assertTrue(parent_fds[8]["cloexec"], "resources are non-inheritable by default")
        if "SIGUSR1" not in owned_signals:
            self.assertIn("SIGUSR1", parent["signals"]["ignored"])
        if "SIGHUP" not in owned_signals:
            self.assertIn("SIGHUP", parent["signals"]["blocked"])
        if "rlimit_nofile" not in owned_process:
            self.assertEqual(parent["rlimit_nofile"]["soft"], 48, "parent.nofile_limit lowers the soft limit")
        # the child
        self.assertEqual(probe["rlimit_nofile"], parent["rlimit_nofile"], "resource limits are inherited")
        self.assertEqual(probe["umask"], "027")
        self.assertEqual(probe["cwd"], os.path.join(workdir, "sub"))
        self.assertEqual(probe["ppid"], parent["pid"], "the scenario parent spawned the probe")
        self.assertEqual(probe["argv"][1:], ["first", "--report=" + os.path.join(workdir, "probe.json")])
        env = probe["env"]
        self.assertIn("FDCONFORM_T=x%sy" % workdir, env, "placeholders in parent.env.set")
        self.assertIn("FDCONFORM_SCENARIO=known-state", env)
        self.assertIn("PATH=/usr/local/bin:/usr/bin:/bin", env)
        self.assertFalse([e for e in env if e.startswith("LANG=")], "LANG was unset")
        if "SIGUSR1" not in owned_signals:
            self.assertIn("SIGUSR1", probe["signals"]["ignored"])
        if "SIGHUP" not in owned_signals:
            self.assertIn("SIGHUP", probe["signals"]["blocked"])
        fds = dict((e["fd"], e) for e in probe["fds"])
        expected_fds = [0, 1, 2] + ([7] if 7 not in owned_fds | reflagged_fds else [])
        self.assertEqual(sorted(fds), expected_fds, "close_fds=False: the std fds and the inheritable file only")
        if 7 in fds:
            log = fds[7]
            self.assertEqual((log["kind"], log["access"], log["flags"], log["offset"]), ("file", "rdwr", ["append"], 3))
            self.assertEqual(log["path"], os.path.join(workdir, "log"))
            self.assertEqual((log["dev"], log["ino"]), (parent_fds[7]["dev"], parent_fds[7]["ino"]))
        for fd, name in enumerate(("stdin", "stdout", "stderr")):
            self.assertEqual(fds[fd]["path"], os.path.join(workdir, "parent." + name))
            self.assertEqual(fds[fd]["access"], "rdonly" if fd == 0 else "wronly")
        after = set(e["fd"] for e in result["parent_after"]["fds"])
        self.assertTrue(set([0, 1, 2, 7, 8]) <= after, "the parent keeps its fds: %s" % sorted(after))

    def test_each_spawn_kind_runs_the_probe(self):
        kinds = [("popen", {"popen": {}}), ("fork-exec", {"fork_exec": {"steps": [{"dup2": {"fd": "log", "to": 9}}]}})]
        if "posix_spawn" in self.hello["features"]:
            kinds.append(("posix-spawn", {"posix_spawn": {"file_actions": [{"dup2": ["log", 9]}]}}))
            # posix_spawnp searches the caller's PATH (glibc), so the parent's PATH names the probe's directory
            kinds.append(("posix-spawnp", {"posix_spawnp": {"path": os.path.basename(OPTIONS.probe)}}))
        for name, spawn in kinds:
            scenario = minimal_scenario("kind-" + name, spawn=spawn, parent={
                "env": {"set": {"PATH": "{probe_dir}:/usr/bin:/bin"}},
                "resources": [{"name": "log", "kind": "file", "content": "abc"}]})
            result = self.ask(scenario)
            self.check_result(result, "kind-" + name, self.implementation)
            # Popen's block is every column's; a runtime that cannot fork itself (or has no file
            # actions) answers no_api for the others, which check_result has held to its shape.
            if result["status"] == "no_api" and name != "popen":
                continue
            self.assertEqual(result["status"], "ran", result.get("reason"))
            self.assertEqual(result["outcome"]["kind"], "exited", "%s: %s" % (name, result["outcome"]))
            probe_fds = [e["fd"] for e in result["probe"]["fds"]]
            self.assertEqual(probe_fds, [0, 1, 2, 9] if "dup2" in json.dumps(spawn) else [0, 1, 2], name)

    def test_exception_outcome(self):
        result = self.ask(minimal_scenario("missing-exe", spawn={"popen": {"argv": ["{workdir}/no-such-program"]}}))
        self.check_result(result, "missing-exe", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        outcome = result["outcome"]
        self.assertEqual(outcome["kind"], "exception", outcome)
        # The class is the runtime's own (docs/PROTOCOL.md, Result): CPython's name only where the
        # column follows CPython's semantics; any other names one (check_outcome holds it non-empty).
        if (self.hello.get("semantics") or {}).get("python"):
            self.assertEqual(outcome["error_class"], "FileNotFoundError", outcome)
        self.assertEqual((outcome["errno"], outcome["errno_name"]), (errno.ENOENT, "ENOENT"), outcome)
        self.assertTrue(outcome["filename"].endswith("/no-such-program"), outcome)
        self.assertIsNone(result["probe"])

    def test_non_ascii_text(self):
        """UTF-8 in a request (the corpus has it in descriptions) under LANG=C, and in the parent's environment."""
        scenario = minimal_scenario("non-ascii-description")
        scenario["description"] = "semantics doc \u00a75 item 9 \u2192 \u2603"
        self.driver.send_line(json.dumps(request_for(scenario, self.workdirs.new()), ensure_ascii=False))
        result = self.driver.read_message()
        self.check_result(result, "non-ascii-description", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))

    def test_non_ascii_environment(self):
        value = "caf\u00e9 \u2603"
        result = self.ask(minimal_scenario("non-ascii-env", parent={"env": {"set": {"FDCONFORM_U": value}}}))
        self.check_result(result, "non-ascii-env", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertIn("FDCONFORM_U=" + value, result["parent"]["env"])
        # well-formed UTF-8 reaches the probe's report as the same text (docs/PROBE.md)
        reported = [e for e in result["probe"]["env"] if e.startswith("FDCONFORM_U=")]
        self.assertEqual(reported, ["FDCONFORM_U=" + value])

    def test_scenario_parent_that_dies_is_a_harness_error(self):
        """The child SIGKILLs its parent: an error result with harness_error naming the signal, then service as usual."""
        spawn = {"popen": {"argv": ["/bin/sh", "-c", "kill -9 $PPID", "sh"]}}
        result = self.ask(minimal_scenario("parent-killed", spawn=spawn))
        self.assertEqual(result.get("result"), 1, result)
        self.assertEqual(result.get("scenario"), "parent-killed")
        self.assertEqual(result.get("status"), "error", result)
        harness = result.get("harness_error")
        self.assertTrue(isinstance(harness, str) and ("9" in harness or "KILL" in harness.upper()),
                        "PROTOCOL.md: harness_error names the signal; got %r (reason %r)" % (harness, result.get("reason")))
        after = self.ask(minimal_scenario("parent-killed-after"))
        self.assertEqual(after["status"], "ran", after.get("reason"))

    # -- steps

    def steps_scenario(self, scenario_id, steps):
        scenario = minimal_scenario(scenario_id)
        scenario["spawn"] = None
        scenario["steps"] = steps
        return scenario

    def test_steps_holding_child_is_alive_during_later_steps(self):
        """A child whose probe holds is running (not a zombie, not reaped) when the next spawn's snapshot is taken."""
        result = self.ask(self.steps_scenario("steps-alive", [
            {"spawn": {"name": "holder", "popen": {"argv": ["{probe}", "--hold=stdin"], "stdin": "pipe"}}},
            {"spawn": {"name": "second", "popen": {"argv": ["{probe}", "holder={pid:holder}"]}}},
            {"call": {"child": "holder", "method": "poll", "signal": None}},
            {"call": {"child": "holder", "method": "communicate", "signal": None}}]))
        self.check_result(result, "steps-alive", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        holder, second = result["spawns"]
        states = dict((c["pid"], c["state"]) for c in second["parent"]["children"])
        self.assertIn(holder["pid"], states, "the holder is the parent's unreaped child when the second spawns")
        self.assertNotEqual(states[holder["pid"]], "Z", "the holder is still running when the second spawns")
        self.assertIn("holder=%d" % holder["pid"], second["probe"]["argv"], "{pid:holder} is the holder's pid")
        self.assertEqual(result["steps"][2], {"returned": None}, "poll() of a running child")
        self.assertEqual(result["steps"][3], {"returned": {"stdout": None, "stderr": None}})
        self.assertEqual(holder["outcome"]["returncode"], 0)
        self.assertIn("holder.stdin", second["parent"]["resources"], "the holder's pipe end is a named resource")
        self.assertEqual(result["parent_after"]["children"], [], "every child is reaped at the end")

    def test_steps_child_that_outlives_the_deadline_is_named_and_killed(self):
        """A holding child nobody ends: an error naming it, and no process left behind."""
        marker = "hold-%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
        started = time.monotonic()
        result = self.ask(self.steps_scenario("steps-deadline", [
            {"spawn": {"name": "forever", "popen": {"argv": ["{probe}", "--hold=signal", marker]}}},
            {"call": {"child": "forever", "method": "poll", "signal": None}}]),
            timeout_ms=HANG_TIMEOUT_MS, seconds=HANG_BOUND)
        self.check_result(result, "steps-deadline", self.implementation)
        self.assertEqual(result["status"], "error", result)
        self.assertIn("forever", result["reason"], "the reason names the child")
        self.assertLess(time.monotonic() - started, HANG_BOUND)
        leftovers = processes_with(marker)
        for _ in range(10):
            if not leftovers:
                break
            time.sleep(0.05)
            leftovers = processes_with(marker)
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        self.assertEqual(leftovers, [], "the holding child outlived its scenario")

    def test_steps_nested_spawn_is_the_forked_childs_child(self):
        """A spawn inside a fork_exec child: listed after its outer spawn, its probe's parent is that child."""
        result = self.ask(self.steps_scenario("steps-nested", [
            {"spawn": {"name": "outer", "fork_exec": {"argv": ["{probe}"], "steps": [
                {"spawn": {"name": "inner", "fork_exec": {"argv": ["{probe}"], "steps": []}}}]}}}]))
        self.check_result(result, "steps-nested", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        outer, inner = result["spawns"]
        self.assertEqual((outer["name"], inner["name"]), ("outer", "inner"))
        self.assertEqual(inner["probe"]["ppid"], outer["pid"], "the grandchild's parent is the forked child")
        self.assertEqual(inner["parent"], outer["parent"], "the grandchild is named by its outer spawn's snapshot")
        self.assertEqual(result["steps"], [None], "a nested spawn has no step result of its own")

    def test_steps_child_step_naming_a_failed_spawns_pipe_is_refused(self):
        """A failed Popen leaves no pipe ends behind: a later child step naming one is a malformed
        scenario, refused in the parent before that child is forked (never a child exiting 126)."""
        result = self.ask(self.steps_scenario("steps-failed-pipe-end", [
            {"spawn": {"name": "failed", "popen": {"argv": ["/nonexistent/fdconform-no-such-program"],
                                                   "stderr": "pipe"}}},
            {"spawn": {"name": "later", "fork_exec": {"argv": ["{probe}"], "steps": [{"close": "failed.stderr"}]}}}]))
        if result.get("status") == "skip":
            self.skipTest("the driver skips steps scenarios: %s" % result.get("reason"))
        self.assertEqual(result.get("status"), "error", result)
        self.assertIn("failed.stderr", result.get("reason", ""))
        self.assertIn("names no resource", result.get("reason", ""))

    def test_steps_parent_call_results(self):
        """os calls in the parent: what each returned or raised."""
        result = self.ask(self.steps_scenario("steps-parent-calls", [
            {"parent": {"close": 700}},
            {"parent": {"get_inheritable": 1}},
            {"spawn": {"name": "only", "fork_exec": {"argv": ["{probe}"], "steps": []}}}]))
        self.check_result(result, "steps-parent-calls", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertEqual(result["steps"][0], {"raised": {"error_class": "OSError", "errno_name": "EBADF"}})
        self.assertEqual(result["steps"][1], {"returned": True})

    def test_probe_without_a_report(self):
        """probe.json already there (not JSON): the probe exits 3 (O_EXCL) and the result has no probe report."""
        def plant(workdir):
            with open(os.path.join(workdir, "probe.json"), "w") as f:
                f.write("planted, not a report")
        result = self.ask(minimal_scenario("probe-no-report"), prepare=plant)
        self.check_result(result, "probe-no-report", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertEqual((result["outcome"]["kind"], result["outcome"]["returncode"]), ("exited", 3), result["outcome"])
        self.assertIsNone(result["probe"], "a file that is not a report is no report")

    def test_preexec_exit_step_ends_the_child_before_exec(self):
        """A preexec `exit: N` step: the child ends with status N, no error record, so no exception and no report."""
        result = self.ask(minimal_scenario("preexec-exit", spawn={"popen": {"argv": ["{probe}"], "preexec": [{"exit": 7}]}}))
        self.check_result(result, "preexec-exit", self.implementation)
        if result["status"] == "skip":
            self.skipTest("this driver does not run a preexec hook here: %s" % result.get("reason"))
        if result["status"] == "no_api":  # a legitimate answer: the runtime has no hook (check_result saw its shape)
            self.skipTest("this column's runtime has no preexec hook: %s" % result["capability"])
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertEqual((result["outcome"]["kind"], result["outcome"]["returncode"]), ("exited", 7), result["outcome"])
        self.assertIsNone(result["probe"], "the child never reached the probe")

    def test_posix_spawn_scheduler_and_typed_flags(self):
        """posix_spawn's scheduler reaches the probe's sched; a {str: ...} setsid is taken by its truth value."""
        if "posix_spawn" not in self.hello["features"]:
            self.skipTest("no posix_spawn")
        semantics = self.hello.get("semantics") or {}
        if tuple(int(part) for part in str(semantics.get("python", "99")).split(".")[:2]) < (3, 12):
            self.skipTest("a str setsid is a TypeError before 3.12")
        spawn = {"posix_spawn": {"scheduler": {"policy": "SCHED_FIFO", "priority": 3}, "setsid": {"str": "yes"}}}
        if os.geteuid() != 0:
            spawn["posix_spawn"]["scheduler"] = {"policy": None, "priority": 0}
        result = self.ask(minimal_scenario("scheduler-typed-flag", spawn=spawn))
        self.check_result(result, "scheduler-typed-flag", self.implementation)
        self.assertEqual(result["status"], "ran", result.get("reason"))
        self.assertEqual(result["outcome"]["kind"], "exited", result["outcome"])
        probe = result["probe"]
        expected = {"policy": "SCHED_FIFO", "priority": 3} if os.geteuid() == 0 else {"policy": "SCHED_OTHER", "priority": 0}
        self.assertEqual(probe["sched"], expected)
        self.assertEqual(probe["sid"], probe["pid"], "setsid {str: yes} is true")

    # -- hangs

    def hang(self, scenario_id, command, new_session):
        marker = "%d.%06d" % (40 + os.getpid() % 50, int(time.time() * 1000) % 1000000)
        argv = ["/bin/sh", "-c", command.replace("MARK", marker), "sh"]
        spawns = [{"popen": {"argv": argv, "start_new_session": new_session}}]
        if new_session and "posix_spawn" in self.hello["features"]:
            # a forced spawn path may be unable to start a session from Popen: then os.posix_spawn's setsid
            spawns.append({"posix_spawn": {"path": "/bin/sh", "argv": argv, "setsid": True}})
        try:
            for spawn in spawns:
                started = time.monotonic()
                result = self.ask(minimal_scenario(scenario_id, spawn=spawn), timeout_ms=HANG_TIMEOUT_MS,
                                  seconds=HANG_BOUND)
                elapsed = time.monotonic() - started
                self.check_result(result, scenario_id, self.implementation)
                if result["status"] != "skip" or spawn is spawns[-1]:
                    break
            self.assertEqual(result["status"], "error", result)
            self.assertGreaterEqual(elapsed, HANG_TIMEOUT_MS / 1000.0 * 0.9, "answered before the timeout: %s" % result)
            self.assertLess(elapsed, HANG_BOUND)
            leftovers = processes_with(marker)
            for _ in range(10):  # the kernel may take a moment to tear them down
                if not leftovers:
                    break
                time.sleep(0.05)
                leftovers = processes_with(marker)
            self.assertEqual(leftovers, [], "%s: processes left behind after the timeout" % scenario_id)
        finally:
            for pid in processes_with(marker):  # never leave them to the next test
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        # and the driver still serves
        after = self.ask(minimal_scenario(scenario_id + "-after"))
        self.assertEqual(after["status"], "ran", after.get("reason"))

    def test_hanging_child_is_killed_with_an_error_result(self):
        self.hang("hang-child", "exec /bin/sleep MARK", False)

    def test_hanging_process_group_is_killed(self):
        self.hang("hang-group", "/bin/sleep MARK & exec /bin/sleep MARK", True)

    def test_hanging_grandchild_in_the_parents_group_is_killed(self):
        """The child's tree shares the scenario parent's process group: nothing of it may outlive the timeout."""
        self.hang("hang-tree", "/bin/sleep MARK & exec /bin/sleep MARK", False)


class TimeoutValueTest(unittest.TestCase):
    """Out-of-range timeout_ms values, on a driver of their own (a driver that
    hangs on one must not take the other tests with it). The zero one goes
    last: a driver that waits forever on it has nothing left to break."""

    @classmethod
    def setUpClass(cls):
        cls.driver, _ = start_driver()
        cls.workdirs = Workdirs()

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()
        cls.workdirs.remove()

    def answer_within_bound(self, timeout_ms):
        marker = "%d.%06d" % (40 + os.getpid() % 50, int(time.time() * 1000 + timeout_ms) % 1000000)
        try:
            spawn = {"popen": {"argv": ["/bin/sh", "-c", "exec /bin/sleep " + marker, "sh"]}}
            self.driver.send(request_for(minimal_scenario("timeout-%s" % timeout_ms, spawn=spawn),
                                         self.workdirs.new(), timeout_ms=timeout_ms))
            result = self.driver.read_message(3.0)  # nothing to wait for: the answer is immediate
            # as for any malformed request, which implementation id it carries is not checked
            self.assertEqual(result.get("result"), 1, result)
            self.assertEqual(result.get("status"), "error", "timeout_ms %r with a child that never exits: %s"
                             % (timeout_ms, result.get("reason")))
            self.assertTrue(isinstance(result.get("reason"), str) and result["reason"].strip(), result)
        finally:
            for pid in processes_with(marker):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def test_1_negative_timeout_is_an_error(self):
        self.answer_within_bound(-5)

    def test_2_zero_timeout_is_an_error_not_a_wait_forever(self):
        self.answer_within_bound(0)


class ConfinementTest(unittest.TestCase):
    """A scenario is untrusted input: unless it is marked `unconfined`, no path it
    names may create, truncate or open anything outside the cell's workdir, even
    when the runner's validator is bypassed (PROTOCOL.md, "Confinement")."""

    @classmethod
    def setUpClass(cls):
        cls.driver, _ = start_driver()
        cls.workdirs = Workdirs()

    @classmethod
    def tearDownClass(cls):
        cls.driver.stop()
        cls.workdirs.remove()

    def setUp(self):
        # Outside every cell: a victim file with known content, and an empty folder.
        self.outside = tempfile.mkdtemp(prefix="fdconform-outside-")
        self.addCleanup(shutil.rmtree, self.outside, True)
        self.victim = os.path.join(self.outside, "victim")
        with open(self.victim, "w") as f:
            f.write("keep")

    def ask(self, parent=None, spawn=None, unconfined=None, prepare=None):
        workdir = self.workdirs.new()
        if prepare:
            prepare(workdir)
        scenario = minimal_scenario("confine", parent=parent, spawn=spawn)
        if unconfined is not None:
            scenario["unconfined"] = unconfined
        self.driver.send(request_for(scenario, workdir))
        return workdir, self.driver.read_message()

    def assert_refused(self, result, what):
        self.assertEqual(result.get("status"), "error", "%s must be refused, got %s" % (what, result))
        self.assertIn("workdir", result.get("reason", ""), result)
        with open(self.victim) as f:
            self.assertEqual(f.read(), "keep", "%s reached a file outside the workdir" % what)
        self.assertEqual(sorted(os.listdir(self.outside)), ["victim"], "%s created something outside" % what)

    def file_resource(self, path, kind="file"):
        resource = {"name": "r", "kind": kind, "path": path}
        if kind == "file":
            resource["content"] = "pwned"
        return {"resources": [resource]}

    def test_absolute_resource_path(self):
        _, result = self.ask(parent=self.file_resource(self.victim))
        self.assert_refused(result, "an absolute file resource path")

    def test_dotdot_resource_path(self):
        relative = os.path.relpath(os.path.join(self.outside, "created"), self.workdirs.root + "/cell-x")
        _, result = self.ask(parent=self.file_resource(relative))
        self.assert_refused(result, "a '..' file resource path")

    def test_dotdot_dir_resource(self):
        relative = os.path.relpath(os.path.join(self.outside, "made"), self.workdirs.root + "/cell-x")
        _, result = self.ask(parent=self.file_resource(relative, kind="dir"))
        self.assert_refused(result, "a '..' dir resource path")

    def test_symlinked_folder_inside_the_workdir(self):
        prepare = lambda workdir: os.symlink(self.outside, os.path.join(workdir, "link"))
        _, result = self.ask(parent=self.file_resource("link/created"), prepare=prepare)
        self.assert_refused(result, "a path through a symlinked folder")

    def test_symlinked_file_inside_the_workdir(self):
        prepare = lambda workdir: os.symlink(self.victim, os.path.join(workdir, "leaf"))
        _, result = self.ask(parent=self.file_resource("leaf"), prepare=prepare)
        self.assert_refused(result, "a symlink as the resource itself")

    def test_parent_cwd_above_the_workdir(self):
        parent = {"cwd": "..", "resources": [{"name": "r", "kind": "file", "content": "x"}]}
        workdir, result = self.ask(parent=parent)
        self.assertEqual(result.get("status"), "error", result)
        self.assertIn("workdir", result.get("reason", ""), result)
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(workdir), "r")))

    def test_file_action_outside_the_workdir(self):
        target = os.path.join(self.outside, "by-file-action")
        spawn = {"posix_spawn": {"path": "{probe}", "argv": ["{probe}"],
                                 "file_actions": [{"open": {"fd": 5, "path": target, "flags": ["wronly", "creat"],
                                                            "mode": "0644"}}]}}
        _, result = self.ask(spawn=spawn)
        # Confinement comes first: a column whose runtime has no posix_spawn still refuses the path
        # (docs/PROTOCOL.md, "Confinement"); only a variant that skips the block never looks at it.
        if result.get("status") == "skip":
            self.skipTest("this driver does not run posix_spawn: %s" % result.get("reason"))
        self.assert_refused(result, "a file action opening a path outside the workdir")

    def test_fifo_resource_outside_the_workdir(self):
        _, result = self.ask(parent={"resources": [{"name": "f", "kind": "fifo",
                                                    "path": os.path.join(self.outside, "by-fifo")}]})
        self.assert_refused(result, "a FIFO resource path outside the workdir")

    def test_preexec_open_outside_the_workdir(self):
        target = os.path.join(self.outside, "by-preexec")
        spawn = {"popen": {"argv": ["{probe}"],
                           "preexec": [{"open": {"path": target, "flags": ["wronly", "creat"], "fd": 7}}]}}
        _, result = self.ask(spawn=spawn)
        if result.get("status") == "skip":
            self.skipTest("this driver does not run a preexec hook here: %s" % result.get("reason"))
        # Checked before any no_api answer, as the file action above.
        self.assert_refused(result, "a preexec step opening a path outside the workdir")

    def test_shell_command_report_path_with_space_and_quote(self):
        """The report argument appended to a shell command is one word, whatever the workdir's path holds."""
        workdir = os.path.join(self.workdirs.new(), "it's a dir")
        os.mkdir(workdir)
        os.chmod(workdir, 0o777)
        scenario = minimal_scenario("shell-quoting", spawn={"popen": {"argv": ["{probe}"], "shell": True}})
        self.driver.send(request_for(scenario, workdir))
        result = self.driver.read_message()
        self.assertEqual(result.get("status"), "ran", result)
        self.assertTrue(isinstance(result.get("probe"), dict), "no probe report: %s" % result)
        self.assertEqual(result["outcome"].get("returncode"), 0, result)
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(workdir), "it's")), "report written outside")

    def test_unconfined_scenario_may_leave_the_workdir(self):
        """The same absolute path works when the scenario says why it needs it."""
        target = os.path.join(self.outside, "allowed")
        _, result = self.ask(parent=self.file_resource(target), unconfined="tests/drivers: the escape is the point")
        self.assertEqual(result.get("status"), "ran", result)
        with open(target) as f:
            self.assertEqual(f.read(), "pwned")


# Known gaps a driver may be run with (--known-gap NAME): the test is marked
# expected-failure, and an unexpected success fails the run, so the marker
# goes away with the fix. The CPython oracle had all five until e1db403;
# none is declared for any driver now.
KNOWN_GAPS = {
    # on a timeout only the child and a process group other than the scenario
    # parent's are killed: a grandchild in the parent's own group survives.
    "hung-tree": (SessionTest, "test_hanging_grandchild_in_the_parents_group_is_killed"),
    # a non-ASCII parent.env value cannot be set under LANG=C (CPython 3.6's
    # ASCII filesystem encoding) and the cell is an error.
    "c-locale-env": (SessionTest, "test_non_ascii_environment"),
    # a scenario parent that dies is an error without the harness_error field.
    "harness-error": (SessionTest, "test_scenario_parent_that_dies_is_a_harness_error"),
    # timeout_ms 0 taken as "no timeout": a child that never exits is waited for forever.
    "timeout-zero": (TimeoutValueTest, "test_2_zero_timeout_is_an_error_not_a_wait_forever"),
}


def admitted(version, gate):
    """requires.python as the runner judges it: each clause compared at its own precision."""
    if not gate:
        return True
    mine = version_numbers(version)
    for clause in gate.split(","):
        clause = clause.strip()
        operator = next(o for o in (">=", "<=", "==", "!=", ">", "<") if clause.startswith(o))
        bound = version_numbers(clause[len(operator):].strip())
        have = tuple(mine[:len(bound)]) + (0,) * max(0, len(bound) - len(mine))
        if not {">=": have >= bound, "<=": have <= bound, "==": have == bound, "!=": have != bound,
                ">": have > bound, "<": have < bound}[operator]:
            return False
    return True


def feature_names():
    """The one list of feature names, docs/FEATURES.md (list items "- `name`: meaning")."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "FEATURES.md")
    with open(path, encoding="utf-8") as f:
        return [m.group(1) for m in re.finditer(r"^[-*] `([a-z][a-z0-9_]*)`:", f.read(), re.M)]


def parse_options(argv):
    """Options before "--"; the driver's argv after it, or from --driver FILE (a runner descriptor)."""
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--driver", help="a driver descriptor file, as given to 'fdconform run --driver'")
    parser.add_argument("--variant")
    parser.add_argument("--expect-python")
    parser.add_argument("--expect-id")
    parser.add_argument("--gate-version")
    parser.add_argument("--requests", help="JSON Lines file of recorded requests (read if it exists)")
    parser.add_argument("--record-only", action="store_true", help="record the requests into --requests and exit")
    parser.add_argument("--known-gap", action="append", default=[], choices=sorted(KNOWN_GAPS))
    parser.add_argument("--skip-known-gap", action="append", default=[], choices=sorted(KNOWN_GAPS),
                        help="skip that test (the gap is checked in another run of the same driver code)")
    options, rest = parser.parse_known_args(argv[:split])
    options.variant = json.loads(options.variant) if options.variant else None
    options.driver_argv = argv[split + 1:]
    if options.driver:
        if options.driver_argv:
            raise SystemExit("protocol_test.py: give the driver either with --driver FILE or after --, not both")
        with open(options.driver) as f:
            descriptor = json.load(f)
        if isinstance(descriptor, list):
            if len(descriptor) != 1:
                raise SystemExit("protocol_test.py: %s holds %d descriptors; test one at a time"
                                 % (options.driver, len(descriptor)))
            descriptor = descriptor[0]
        options.driver_argv = descriptor["argv"]
        if options.variant is None:
            options.variant = descriptor.get("variant") or {}
        if options.expect_id is None:
            options.expect_id = descriptor["id"]
    if options.variant is None:
        options.variant = {}
    if not options.driver_argv and not options.record_only:
        raise SystemExit("usage: protocol_test.py OPTIONS (--driver FILE | -- DRIVER ARGV...)")
    return options, rest


if __name__ == "__main__":
    OPTIONS, unittest_args = parse_options(sys.argv[1:])
    if OPTIONS.record_only:
        if not OPTIONS.requests:
            raise SystemExit("--record-only needs --requests FILE")
        print("recorded %d requests into %s" % (len(recorded_requests()), OPTIONS.requests))
        sys.exit(0)
    for gap in OPTIONS.known_gap:
        gap_class, gap_test = KNOWN_GAPS[gap]
        setattr(gap_class, gap_test, unittest.expectedFailure(getattr(gap_class, gap_test)))
        del gap_class
    for gap in OPTIONS.skip_known_gap:
        gap_class, gap_test = KNOWN_GAPS[gap]
        setattr(gap_class, gap_test, unittest.skip("known gap %s, checked in another run" % gap)(
            getattr(gap_class, gap_test)))
        del gap_class
    unittest.main(argv=[sys.argv[0]] + unittest_args, verbosity=2)
