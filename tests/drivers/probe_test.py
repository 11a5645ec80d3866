"""The probe, run directly with a state this test builds itself: its report
(docs/PROBE.md, docs/PROTOCOL.md "The probe's report") must say exactly that.

Usage: probe_test.py PROBE [unittest arguments]

Each test forks; the child builds the state (fds at fixed numbers, umask,
signal dispositions and mask, session, cwd, environment) with plain system
calls and execs the probe. Standard library only (Debian's /usr/bin/python3).
"""
import ctypes
import fcntl
import json
import os
import resource
import shutil
import signal
import socket
import stat
import sys
import tempfile
import unittest

PROBE = None
LIBC = ctypes.CDLL(None, use_errno=True)
SYS_RT_SIGACTION = 13
SIGRTMIN = 34


def reset_all_signals():
    """Every disposition to SIG_DFL through the kernel call (glibc refuses 32 and 33), mask empty."""
    action = (ctypes.c_ulong * 4)()
    for number in range(1, 65):
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            LIBC.syscall(SYS_RT_SIGACTION, number, ctypes.byref(action), None, 8)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def close_all_but(keep):
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def run_probe(setup, argv, env, cwd):
    """Forks; the child runs setup() (which returns the fds to keep), then execs the probe.
    Returns the probe's exit status (or -signal)."""
    pid = os.fork()
    if pid == 0:
        try:
            reset_all_signals()
            keep = setup()
            os.chdir(cwd)
            close_all_but(keep)
            os.execve(PROBE, argv, env)
        except BaseException as error:  # report through the exit status only
            try:
                os.write(2, ("probe_test child: %r\n" % (error,)).encode())
            finally:
                os._exit(120)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status), pid


def lift(fd):
    """The same open file on a number far above every target (close-on-exec); the old number is closed."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 200)
    os.close(fd)
    return high


def place(fd, target, inheritable=True):
    """Moves fd to target, through a high number first, so that a fresh fd the
    kernel put on some other target's number is never overwritten by a later
    place(). Create everything with lift() before placing when several fds
    are made at once."""
    if fd < 200:
        fd = lift(fd)
    if fd != target:
        os.dup2(fd, target, inheritable=inheritable)
        os.close(fd)
    os.set_inheritable(target, inheritable)
    return target


class ProbeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fdconform-probetest-")
        self.report = os.path.join(self.tmp, "report.json")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def read_report(self):
        with open(self.report) as f:
            return json.load(f)

    def std_files(self):
        """fds 0, 1, 2 on /dev/null and two files the probe must leave empty."""
        for name in ("out", "err"):
            open(self.path(name), "w").close()
        place(os.open(os.devnull, os.O_RDONLY), 0)
        place(os.open(self.path("out"), os.O_WRONLY), 1)
        place(os.open(self.path("err"), os.O_WRONLY), 2)

    def assert_std_untouched(self):
        for name in ("out", "err"):
            self.assertEqual(os.path.getsize(self.path(name)), 0, "the probe wrote to its %s" % name)

    # ------------------------------------------------------------ one known state

    def test_known_state_is_reported_exactly(self):
        data = self.path("data.txt")
        with open(data, "w") as f:
            f.write("0123456789")
        log = self.path("log.txt")
        with open(log, "w") as f:
            f.write("old\n")
        cwd = self.path("cwd")
        os.mkdir(cwd)
        has_eventfd = hasattr(os, "eventfd")
        has_memfd = hasattr(os, "memfd_create")

        def setup():
            self.std_files()
            # everything is created first, then moved: place() goes through high numbers
            fd = lift(os.open(data, os.O_RDWR))
            os.lseek(fd, 4, os.SEEK_SET)
            read_end, write_end = [lift(end) for end in os.pipe()]
            place(fd, 5)
            place(read_end, 6)
            place(write_end, 7)
            fcntl.fcntl(7, fcntl.F_SETFL, fcntl.fcntl(7, fcntl.F_GETFL) | os.O_NONBLOCK)
            a, b = [lift(end.detach()) for end in socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)]
            place(a, 8)
            os.close(b)
            place(os.open(log, os.O_WRONLY | os.O_APPEND), 9)
            os.dup2(5, 10)                                         # shares 5's open file description
            place(os.open(data, os.O_RDONLY), 11, inheritable=False)   # close-on-exec: must not appear
            place(os.open(data, os.O_RDONLY), 12)                  # same file, its own description
            place(os.open(cwd, os.O_RDONLY | os.O_DIRECTORY), 13)
            keep = [0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13]
            if has_eventfd:
                keep.append(place(os.eventfd(0), 14))
            if has_memfd:
                keep.append(place(os.memfd_create("probe-test", 0), 15))
            os.umask(0o037)
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
            signal.signal(signal.SIGUSR1, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGWINCH, lambda *a: None)        # caught: exec resets it to default
            signal.pthread_sigmask(signal.SIG_SETMASK, [signal.SIGUSR2, SIGRTMIN + 2])
            os.setsid()
            return keep

        env = {"ZED": "last-but-first", "A": "1", "SPACED": "two words", "EMPTY": ""}
        argv = [PROBE, "x y", "--report=" + self.path("ignored.json"), "--report=" + self.report]
        status, child = run_probe(setup, argv, env, cwd)
        self.assertEqual(status, 0)
        self.assert_std_untouched()
        self.assertFalse(os.path.exists(self.path("ignored.json")), "the last --report wins")
        report = self.read_report()
        self.assertEqual(stat.S_IMODE(os.stat(self.report).st_mode), 0o666, "the report is readable by anyone")

        self.assertEqual(report["probe"], 1)
        self.assertEqual(report["argv"], argv)
        self.assertEqual((report["pid"], report["ppid"]), (child, os.getpid()))
        self.assertEqual((report["sid"], report["pgid"]), (child, child), "setsid() in the child")
        self.assertEqual(report["cwd"], cwd)
        self.assertEqual(report["umask"], "037")
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        self.assertEqual(report["rlimit_nofile"],
                         {"soft": 64, "hard": None if hard == resource.RLIM_INFINITY else hard})
        self.assertEqual(report["env"], ["ZED=last-but-first", "A=1", "SPACED=two words", "EMPTY="], "environ order")
        uid, gid = os.getresuid(), os.getresgid()
        self.assertEqual([report[k] for k in ("uid", "euid", "suid")], list(uid))
        self.assertEqual([report[k] for k in ("gid", "egid", "sgid")], list(gid))
        self.assertEqual(sorted(report["groups"]), sorted(os.getgroups()))
        self.assertEqual(report["signals"], {"ignored": ["SIGUSR1", "SIGTERM"], "caught": [],
                                             "blocked": ["SIGUSR2", "SIGRTMIN+2"]})

        fds = dict((e["fd"], e) for e in report["fds"])
        expected = [0, 1, 2, 5, 6, 7, 8, 9, 10, 12, 13] + ([14] if has_eventfd else []) + ([15] if has_memfd else [])
        self.assertEqual([e["fd"] for e in report["fds"]], expected,
                         "exactly the inheritable fds, ascending; not 11 (cloexec), not the probe's own")
        for entry in report["fds"]:
            self.assertFalse(entry["cloexec"], entry)
            # pipe_size for pipes and FIFOs only: their capacity (F_GETPIPE_SZ).
            capacity = ["pipe_size"] if entry["kind"] in ("pipe", "fifo") else []
            self.assertEqual(sorted(entry), sorted(["fd", "kind", "access", "flags", "cloexec", "offset", "dev", "ino",
                                                    "rdev", "path", "ofd"] + capacity), entry)
            if capacity:
                self.assertIsInstance(entry["pipe_size"], int, entry)
                self.assertGreaterEqual(entry["pipe_size"], 4096, entry)

        null = os.stat(os.devnull)
        self.assertEqual((fds[0]["kind"], fds[0]["access"], fds[0]["path"], fds[0]["rdev"]),
                         ("chr", "rdonly", "/dev/null", null.st_rdev))
        for fd, name in ((1, "out"), (2, "err")):
            self.assertEqual((fds[fd]["kind"], fds[fd]["access"], fds[fd]["path"]), ("file", "wronly", self.path(name)))

        data_stat = os.stat(data)
        file_fields = lambda e: (e["kind"], e["access"], e["flags"], e["offset"], e["path"], e["dev"], e["ino"])
        self.assertEqual(file_fields(fds[5]), ("file", "rdwr", [], 4, data, data_stat.st_dev, data_stat.st_ino))
        self.assertEqual(file_fields(fds[10]), file_fields(fds[5]), "a dup is the same file at the same offset")
        self.assertEqual(file_fields(fds[12]), ("file", "rdonly", [], 0, data, data_stat.st_dev, data_stat.st_ino))
        log_stat = os.stat(log)
        self.assertEqual(file_fields(fds[9]), ("file", "wronly", ["append"], 0, log, log_stat.st_dev, log_stat.st_ino))

        self.assertEqual((fds[6]["kind"], fds[6]["access"], fds[6]["flags"]), ("pipe", "rdonly", []))
        self.assertEqual((fds[7]["kind"], fds[7]["access"], fds[7]["flags"]), ("pipe", "wronly", ["nonblock"]))
        self.assertEqual(fds[6]["ino"], fds[7]["ino"], "two ends of one pipe: one pipefs inode")
        self.assertEqual(fds[6]["path"], "pipe:[%d]" % fds[6]["ino"])
        self.assertEqual((fds[8]["kind"], fds[8]["access"]), ("socket", "rdwr"))
        self.assertTrue(fds[8]["path"].startswith("socket:["), fds[8]["path"])
        self.assertEqual((fds[13]["kind"], fds[13]["access"], fds[13]["path"]), ("dir", "rdonly", cwd))
        if has_eventfd:
            self.assertEqual(fds[14]["kind"], "eventfd")
        if has_memfd:
            self.assertEqual(fds[15]["kind"], "memfd")
            self.assertTrue(fds[15]["path"].startswith("/memfd:probe-test"), fds[15]["path"])

        # open file descriptions: only 5 and 10 share one
        self.assertEqual(fds[5]["ofd"], fds[10]["ofd"], "a dup shares the open file description")
        classes = [e["ofd"] for e in report["fds"] if e["fd"] != 10]
        self.assertEqual(len(classes), len(set(classes)), "every other fd has its own description: %s" % classes)

    def test_std_fd_dups_share_one_description(self):
        """2>&1 style: fds 1 and 2 one description, fd 0 another opened on the same file."""
        target = self.path("both")
        open(target, "w").close()

        def setup():
            place(os.open(target, os.O_RDWR), 1)
            os.dup2(1, 2)
            place(os.open(target, os.O_RDWR), 0)
            os.dup2(1, 20)
            return [0, 1, 2, 20]

        status, _ = run_probe(setup, [PROBE, "--report=" + self.report], {}, self.tmp)
        self.assertEqual(status, 0)
        report = self.read_report()
        fds = dict((e["fd"], e) for e in report["fds"])
        self.assertEqual(sorted(fds), [0, 1, 2, 20])
        self.assertEqual(fds[1]["ofd"], fds[2]["ofd"])
        self.assertEqual(fds[1]["ofd"], fds[20]["ofd"])
        self.assertNotEqual(fds[0]["ofd"], fds[1]["ofd"], "same inode, separate open()")
        self.assertEqual((fds[0]["ino"], fds[0]["dev"]), (fds[1]["ino"], fds[1]["dev"]))
        self.assertEqual(report["env"], [])
        self.assertEqual(os.path.getsize(target), 0, "fds 0-2 untouched")

    def test_non_ascii_bytes_round_trip(self):
        """Well-formed UTF-8 in env entries, argv and paths is written as the same text; any other byte
        >= 0x80 as U+0080..U+00FF (probe/report_json.cpp), so valid text reads as written and
        invalid bytes are still told apart."""
        name = os.fsencode(self.tmp) + b"/caf\xc3\xa9-\xff"
        with open(name, "wb") as f:
            f.write(b"x")

        def setup():
            place(os.open(name, os.O_RDONLY), 4)
            return [4]

        env = {b"U": b"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x90\x8d", b"RAW": b"\xff\xfe",
               b"CUT": b"a\xc3", b"OVERLONG": b"\xc0\xaf", b"SURROGATE": b"\xed\xa0\x80", b"CTRL": b"a\tb\x01"}
        argv = [os.fsencode(PROBE), b"\xc3\xa9", b"--report=" + os.fsencode(self.report)]
        status, _ = run_probe(setup, argv, env, self.tmp)
        self.assertEqual(status, 0)
        with open(self.report, "rb") as f:
            raw = f.read()
        report = json.loads(raw.decode("utf-8"))
        self.assertEqual(report["env"], ["U=caf\u00e9 \u2603 \U0001f40d", "RAW=\u00ff\u00fe", "CUT=a\u00c3",
                                         "OVERLONG=\u00c0\u00af", "SURROGATE=\u00ed\u00a0\u0080", "CTRL=a\tb\x01"])
        self.assertEqual(report["argv"][1], "\u00e9")
        self.assertEqual([e["fd"] for e in report["fds"]], [4])
        self.assertEqual(report["fds"][0]["path"], os.fsdecode(os.fsencode(self.tmp)) + "/caf\u00e9-\u00ff")

    def test_access_modes_and_status_flags(self):
        data = self.path("flags.txt")
        with open(data, "w") as f:
            f.write("abc")
        opens = {20: os.O_PATH, 21: os.O_WRONLY | os.O_SYNC | os.O_APPEND, 22: os.O_RDONLY | os.O_DSYNC | os.O_NONBLOCK,
                 23: os.O_RDWR | os.O_NOATIME, 24: os.O_WRONLY}

        def setup():
            for target, flags in sorted(opens.items()):
                place(os.open(data, flags), target)
            return list(opens)

        status, _ = run_probe(setup, [PROBE, "--report=" + self.report], {}, self.tmp)
        self.assertEqual(status, 0)
        fds = dict((e["fd"], (e["access"], e["flags"])) for e in self.read_report()["fds"])
        self.assertEqual(fds, {20: ("path", []), 21: ("wronly", ["append", "sync"]), 22: ("rdonly", ["nonblock", "dsync"]),
                               23: ("rdwr", ["noatime"]), 24: ("wronly", [])})

    def test_many_fds_up_to_1023(self):
        """More fds than one getdents64 buffer holds, up to the last number below 1024."""
        targets = list(range(3, 1000, 2)) + [1023]

        def setup():
            first = place(os.open(os.devnull, os.O_RDONLY), targets[0])
            for target in targets[1:]:
                os.dup2(first, target)
            return targets

        status, _ = run_probe(setup, [PROBE, "--report=" + self.report], {}, self.tmp)
        self.assertEqual(status, 0)
        report = self.read_report()
        self.assertEqual([e["fd"] for e in report["fds"]], targets)
        self.assertEqual(len(set(e["ofd"] for e in report["fds"])), 1, "all dups of one open file description")

    def test_closed_stdin_is_absent_and_the_listing_fd_is_left_out(self):
        """With fd 0 closed, the probe's own /proc/self/fd listing takes fd 0: it must not be reported."""
        def setup():
            self.std_files()
            os.close(0)
            return [1, 2]

        status, _ = run_probe(setup, [PROBE, "--report=" + self.report], {"K": "v"}, self.tmp)
        self.assertEqual(status, 0)
        report = self.read_report()
        self.assertEqual([e["fd"] for e in report["fds"]], [1, 2])
        self.assert_std_untouched()

    # ------------------------------------------------------------ the report path

    def run_plain(self, argv):
        def setup():
            self.std_files()
            return [0, 1, 2]
        return run_probe(setup, [PROBE] + argv, {}, self.tmp)[0]

    def test_report_in_a_missing_directory_fails_with_status_3(self):
        bad = self.path("no-such-dir/report.json")
        self.assertEqual(self.run_plain(["--report=" + bad]), 3)
        self.assertFalse(os.path.exists(os.path.dirname(bad)))
        self.assert_std_untouched()  # documented: fds 0-2 are never written, not even for an error

    def test_existing_report_is_not_overwritten(self):
        with open(self.report, "w") as f:
            f.write("keep me")
        self.assertEqual(self.run_plain(["--report=" + self.report]), 3)
        with open(self.report) as f:
            self.assertEqual(f.read(), "keep me", "O_EXCL: an existing report is left alone")
        self.assert_std_untouched()

    def test_empty_report_path_fails(self):
        self.assertEqual(self.run_plain(["--report="]), 3)
        self.assert_std_untouched()

    def test_without_report_the_json_goes_to_stdout(self):
        self.assertEqual(self.run_plain(["just", "words"]), 0)
        with open(self.path("out")) as f:
            report = json.loads(f.read())
        self.assertEqual(report["argv"], [PROBE, "just", "words"])
        self.assertEqual(os.path.getsize(self.path("err")), 0)


if __name__ == "__main__":
    PROBE = os.path.abspath(sys.argv[1])
    del sys.argv[1]
    unittest.main(verbosity=2)
