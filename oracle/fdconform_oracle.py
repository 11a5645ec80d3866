"""fdconform's CPython driver: replays scenarios with this interpreter's
subprocess.Popen, os.posix_spawn(p) and os.fork + os.execv.

Speaks docs/PROTOCOL.md on stdin/stdout. Standard library only; runs on
CPython 3.6 to 3.13 (mind the syntax: nothing newer than 3.6).
"""
import codecs
import errno
import fcntl
import json
import os
import platform
import re
import resource
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import warnings

try:  # kcmp, raw rt_sigaction, the C environ and prctl; everything else works without them
    import ctypes
    LIBC = ctypes.CDLL(None, use_errno=True)
    LIBC_MISSING = None
except Exception as _error:  # ImportError (no _ctypes), OSError (no libc to load)
    ctypes = None
    LIBC = None
    LIBC_MISSING = "%s: %s" % (type(_error).__name__, _error)

RESULT_CHANNEL_FD = 1023
TIMEOUT_REASON = "timed out: the child was still running after %d ms and was killed"
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
VERSION = sys.version_info
if VERSION.releaselevel == "final":
    VERSION_TEXT = "%d.%d.%d" % VERSION[:3]
else:
    VERSION_TEXT = "%d.%d.%d%s%d" % (VERSION[:3] + (VERSION.releaselevel[0], VERSION.serial))
IMPLEMENTATION_ID = "cpython-" + VERSION_TEXT
# 3.12+ warns before a fork when /proc/self/stat's thread count is above 1;
# it splits that line on spaces, so a process name with a space misreads it.
# The oracle has one thread, except while a together step runs, where forking
# from threads is the point: the warning says nothing the scenario wants.
warnings.filterwarnings("ignore", message=r"This process .* is multi-threaded, use of fork\(\)",
                        category=DeprecationWarning)
CLASSIC_SIGNALS = [None, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
                   "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
                   "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
                   "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"]
SIGRTMIN = 34
SIGRTMAX = 64
# The two raw system calls the parent side needs, by machine (`uname -m`): rt_sigaction, because
# glibc's sigaction refuses its own signals 32 and 33, and kcmp, the only way to tell two fds share an
# open file description. Numbers from each architecture's syscall table; a machine not listed makes
# both None, and the callers fall back (signal.signal; no shared-description classes).
RAW_SYSCALLS = {
    "x86_64": (13, 312),
    "aarch64": (134, 272), "riscv64": (134, 272), "loongarch64": (134, 272),  # the generic table
    "i386": (174, 349), "i486": (174, 349), "i586": (174, 349), "i686": (174, 349),
    "armv7l": (174, 378), "armv6l": (174, 378),
    "ppc64le": (173, 354), "ppc64": (173, 354),
    "s390x": (174, 343),
}
SYS_RT_SIGACTION, SYS_KCMP = RAW_SYSCALLS.get(os.uname().machine, (None, None))
F_GETPIPE_SZ = 1032  # Linux, every architecture; fcntl.F_GETPIPE_SZ only exists from 3.10
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
KCMP_FILE = 0
REPORT_EXIT_FAILED = 3   # the probe's status when it could not write its report (docs/PROBE.md)
STDERR_EXCERPT = 300     # characters of the probe's stderr quoted in a one-line reason
STDERR_KEPT = 4000       # bytes of it kept in the result's "stderr"


class Skip(Exception):
    """The scenario asks for something this interpreter does not have."""


class Malformed(Exception):
    """The request does not follow the protocol."""


class Refused(Exception):
    """The scenario asks for something the oracle will not do, such as a path
    outside the workdir in a scenario that is not `unconfined`."""


class Failed(Exception):
    """A step of serving the request failed; the message names the step and the errno."""


def os_error_text(error):
    """"EAGAIN (errno 11: Resource temporarily unavailable)" for an OSError."""
    number = getattr(error, "errno", None)
    if not number:
        return str(error)
    return "%s (errno %d: %s)" % (errno.errorcode.get(number, "E?"), number, os.strerror(number))


def failure_text(error):
    """One line for any exception: its class, and for an OSError the errno by name."""
    if isinstance(error, OSError) and getattr(error, "errno", None):
        text = "%s: %s" % (type(error).__name__, os_error_text(error))
        if getattr(error, "filename", None) is not None:
            text += " [%r]" % (error.filename,)
        return text
    return "%s: %s" % (type(error).__name__, error)


def one_line(text):
    return " ".join(text.split("\n")).strip()


# ---------------------------------------------------------------- text on the wire

def _bytes_as_code_points(error):
    """Decode error handler: each byte that is not well-formed UTF-8 becomes
    the code point of the same value (U+0080..U+00FF), as the probe writes it."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("fdconform-bytes", _bytes_as_code_points)


def text_of(data):
    """Bytes from the OS as the probe reports them: well-formed UTF-8 as that text."""
    return data.decode("utf-8", "fdconform-bytes")


def wire_text(text):
    """A str that may carry surrogate escapes (paths, environ, names decoded
    with surrogateescape, or with ASCII on 3.6 under LANG=C) as the text of
    its bytes, so every line the oracle writes is valid UTF-8 JSON."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    return text_of(data)


def wire(value):
    if isinstance(value, str):
        return wire_text(value)
    if isinstance(value, dict):
        return dict((wire(k), wire(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    return value


def json_line(value):
    """One protocol line (without the newline): ASCII JSON without lone surrogates."""
    text = json.dumps(value)
    if "\\ud" in text:  # a surrogate escape, or a pair for a character above U+FFFF
        text = json.dumps(wire(value))
    return text


_said = set()


def say_once(message):
    """A diagnostic on the driver's stderr, once per process."""
    if message in _said:
        return
    _said.add(message)
    try:
        sys.stderr.write("fdconform_oracle: %s\n" % message)
        sys.stderr.flush()
    except Exception:
        pass


def features():
    found = []
    if hasattr(os, "posix_spawn"):
        found.append("posix_spawn")
    if hasattr(os, "POSIX_SPAWN_CLOSEFROM"):
        found.append("posix_spawn_closefrom")
    if VERSION >= (3, 11):
        found.append("process_group")
    if VERSION >= (3, 9):
        found += ["umask", "user_group"]
    if VERSION >= (3, 10):
        found += ["pipesize", "vfork"]
    # close_fds tries close_range(2) from 3.10 on; the call needs Linux 5.9.
    if VERSION >= (3, 10) and kernel_has_close_range():
        found.append("close_range")
    if hasattr(sys, "addaudithook"):
        found.append("audit_events")
    found.append("python_values")  # the caller is Python: {int_like: N}, a str umask, env=None
    return found


def kernel_has_close_range():
    return numeric_prefix(kernel_release()) >= (5, 9)


def libc_text():
    try:  # reads sys.executable, which may be empty or unreadable
        name, version = platform.libc_ver()
        if name:
            return "%s %s" % (name, version)
    except Exception:
        pass
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or "unknown libc"
    except (ValueError, OSError):
        return "unknown libc"


# What the interpreter sets up for itself as it starts (apply_baseline_signals gives every scenario
# parent the same): CPython's, not the scenario's, so the parent-state check leaves it out against a
# column whose runtime starts otherwise (docs/PROTOCOL.md, runtime_owned). The child still reports it.
RUNTIME_OWNED = {"fds": [], "signals": ["SIGINT", "SIGPIPE", "SIGXFSZ"], "process": []}


def hello():
    return {"fdconform_driver": 1,
            "implementation": {"id": IMPLEMENTATION_ID, "name": "CPython", "version": VERSION_TEXT,
                               "language": "python",
                               "detail": "%s; %s" % (sys.executable or "?", libc_text())},
            "semantics": {"python": VERSION_TEXT},
            "features": features(),
            "runtime_owned": RUNTIME_OWNED}


# ---------------------------------------------------------------- names

def signal_name(number):
    if 1 <= number <= 31:
        return CLASSIC_SIGNALS[number]
    if number == SIGRTMIN:
        return "SIGRTMIN"
    if number == SIGRTMAX:
        return "SIGRTMAX"
    if SIGRTMIN < number < SIGRTMAX:
        return "SIGRTMIN+%d" % (number - SIGRTMIN)
    return "SIG%d" % number


def signal_number(name):
    if name in CLASSIC_SIGNALS:
        return CLASSIC_SIGNALS.index(name)
    if name == "SIGRTMIN":
        return SIGRTMIN
    if name == "SIGRTMAX":
        return SIGRTMAX
    if name.startswith("SIGRTMIN+"):
        return SIGRTMIN + int(name[9:])
    if name.startswith("SIGRTMAX-"):
        return SIGRTMAX - int(name[9:])
    raise Malformed("unknown signal name %r" % name)


# ---------------------------------------------------------------- snapshot

def list_fds(exclude):
    fds = sorted(int(name) for name in os.listdir("/proc/self/fd"))
    live = []
    for fd in fds:
        if fd in exclude:
            continue
        try:
            os.fstat(fd)
        except OSError:
            continue  # the listing's own directory fd, already closed
        live.append(fd)
    return live


def fd_kind(mode, target):
    if target.startswith("anon_inode:"):
        for marker, kind in (("[eventfd]", "eventfd"), ("[eventpoll]", "epoll"), ("[signalfd]", "signalfd"),
                             ("[timerfd]", "timerfd"), ("[pidfd]", "pidfd"), ("inotify", "inotify")):
            if marker in target:
                return kind
        return "anon"
    if stat.S_ISREG(mode):
        return "memfd" if target.startswith("/memfd:") else "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISFIFO(mode):
        return "pipe" if target.startswith("pipe:") else "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "chr"
    if stat.S_ISBLK(mode):
        return "blk"
    return "unknown"


def access_mode(flags):
    if flags & getattr(os, "O_PATH", 0o10000000):
        return "path"
    return {os.O_RDONLY: "rdonly", os.O_WRONLY: "wronly"}.get(flags & os.O_ACCMODE, "rdwr")


def status_flags(flags):
    names = []
    if flags & os.O_APPEND:
        names.append("append")
    if flags & os.O_NONBLOCK:
        names.append("nonblock")
    if flags & os.O_SYNC == os.O_SYNC:
        names.append("sync")
    elif flags & os.O_DSYNC:
        names.append("dsync")
    if flags & getattr(os, "O_DIRECT", 0o40000):
        names.append("direct")
    if flags & getattr(os, "O_NOATIME", 0o1000000):
        names.append("noatime")
    if flags & getattr(os, "O_ASYNC", 0o20000):
        names.append("async")
    return names


def fdinfo_position(fd):
    try:
        with open("/proc/self/fdinfo/%d" % fd, "rb") as info:
            for line in info:
                if line.startswith(b"pos:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return -1


def same_open_file(a, b):
    if LIBC is None or SYS_KCMP is None:
        return False  # no ofd classes: the first entry's self-comparison says so
    pid = os.getpid()
    return LIBC.syscall(SYS_KCMP, pid, pid, KCMP_FILE, a, b) == 0


class DescriptorRoom(object):
    """Room for the few fds a snapshot opens (/proc/self/fd, /proc/self/status):
    a scenario parent may sit at its soft RLIMIT_NOFILE (on purpose, or after a
    failed spawn leaked fds), and its snapshot must see it rather than fail.
    Raises the soft limit to the hard one and puts it back."""

    def __enter__(self):
        self.saved = resource.getrlimit(resource.RLIMIT_NOFILE)
        soft, hard = self.saved
        self.raised = False
        if soft != hard:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                self.raised = True
            except (ValueError, OSError):
                pass
        return self

    def __exit__(self, *exc):
        if self.raised:
            resource.setrlimit(resource.RLIMIT_NOFILE, self.saved)
        return False


def children_of_self():
    """The children this process has not reaped yet, zombies included."""
    children = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/children" % task) as listing:
                pids = [int(pid) for pid in listing.read().split()]
        except OSError:
            continue
        for pid in pids:
            try:
                with open("/proc/%d/stat" % pid) as stat:
                    state = stat.read().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            children.append({"pid": pid, "state": state})
    return sorted(children, key=lambda child: child["pid"])


def fd_table(exclude):
    entries = []
    for fd in list_fds(exclude):
        st = os.fstat(fd)
        try:
            target = os.readlink(b"/proc/self/fd/%d" % fd).decode("utf-8", "surrogateescape")
        except OSError:
            target = ""
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        entries.append({"fd": fd, "kind": fd_kind(st.st_mode, target), "access": access_mode(flags),
                        "flags": status_flags(flags),
                        "cloexec": bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC),
                        "offset": fdinfo_position(fd), "dev": st.st_dev, "ino": st.st_ino,
                        "rdev": st.st_rdev, "path": target})
        if entries[-1]["kind"] in ("pipe", "fifo"):
            entries[-1]["pipe_size"] = fcntl.fcntl(fd, F_GETPIPE_SZ)
    if entries and same_open_file(entries[0]["fd"], entries[0]["fd"]):
        next_class = 0
        for i, entry in enumerate(entries):
            for earlier in entries[:i]:
                if same_open_file(earlier["fd"], entry["fd"]):
                    entry["ofd"] = earlier["ofd"]
                    break
            else:
                entry["ofd"] = next_class
                next_class += 1
    return entries


def signal_masks():
    """SigBlk, SigIgn and SigCgt of /proc/self/status, read as bytes: the Name
    line holds the process name as the kernel has it (any bytes, from the
    interpreter's file name). The last line of each key wins, so nothing a
    name holds can stand in for the kernel's own lines."""
    masks = {}
    with open("/proc/self/status", "rb") as status:
        for line in status:
            key, _, value = line.partition(b":")
            if key in (b"SigBlk", b"SigIgn", b"SigCgt"):
                try:
                    masks[key.decode("ascii")] = int(value.strip(), 16)
                except ValueError:
                    pass
    return masks


def names_in_mask(mask):
    return [signal_name(n) for n in range(1, 65) if mask & (1 << (n - 1))]


def c_environ():
    if LIBC is None:  # os.environ mirrors it (step 3 sets it through os.environ)
        return [(key + b"=" + value).decode("utf-8", "surrogateescape") for key, value in os.environb.items()]
    environ = ctypes.POINTER(ctypes.c_char_p).in_dll(LIBC, "environ")
    entries = []
    i = 0
    while environ[i] is not None:
        entries.append(environ[i].decode("utf-8", "surrogateescape"))
        i += 1
    return entries


def nofile_limits():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    unlimited = resource.RLIM_INFINITY
    return {"soft": None if soft == unlimited else soft, "hard": None if hard == unlimited else hard}


def snapshot(exclude):
    limits = nofile_limits()  # before the room changes the soft limit
    with DescriptorRoom():
        return snapshot_with_room(exclude, limits)


def snapshot_with_room(exclude, limits):
    mask = os.umask(0)
    os.umask(mask)
    masks = signal_masks()
    uid = os.getresuid()
    gid = os.getresgid()
    return {"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0), "pgid": os.getpgid(0),
            "cwd": os.getcwd(), "umask": "%03o" % mask, "env": c_environ(),
            "uid": uid[0], "euid": uid[1], "suid": uid[2], "gid": gid[0], "egid": gid[1], "sgid": gid[2],
            "groups": os.getgroups(), "rlimit_nofile": limits,
            "signals": {"ignored": names_in_mask(masks.get("SigIgn", 0)),
                        "caught": names_in_mask(masks.get("SigCgt", 0)),
                        "blocked": names_in_mask(masks.get("SigBlk", 0))},
            "fds": fd_table(exclude), "children": children_of_self()}


# ---------------------------------------------------------------- the scenario parent

def reset_signal_raw(number):
    """SIG_DFL through the kernel call: glibc refuses its internal signals 32 and 33."""
    if LIBC is None or SYS_RT_SIGACTION is None:
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass  # SIGKILL, SIGSTOP, glibc's own 32 and 33
        return
    action = (ctypes.c_ulong * 4)()  # handler SIG_DFL (0), flags, restorer, mask
    LIBC.syscall(SYS_RT_SIGACTION, number, ctypes.byref(action), None, 8)


def apply_baseline_signals():
    masks = signal_masks()
    not_default = masks.get("SigIgn", 0) | masks.get("SigCgt", 0)
    for number in range(1, 65):
        if not_default & (1 << (number - 1)):
            reset_signal_raw(number)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def set_close_on_exec(fd, inheritable):
    # fcntl rather than os.set_inheritable, which fails on O_PATH fds in 3.6
    # and 3.7 (I6): setting up the parent must work on every version.
    flags = fcntl.fcntl(fd, fcntl.F_GETFD)
    flags = flags & ~fcntl.FD_CLOEXEC if inheritable else flags | fcntl.FD_CLOEXEC
    fcntl.fcntl(fd, fcntl.F_SETFD, flags)


def move_fd(fd, target, inheritable):
    if fd != target:
        os.dup2(fd, target, inheritable=inheritable)
        os.close(fd)
    set_close_on_exec(target, inheritable)
    return target


def redirect_standard_fds(workdir):
    base = os.path.join(workdir, "parent.")
    # Never through a symlink someone left in the workdir.
    common = os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        opened = [os.open(base + "stdin", os.O_RDONLY | os.O_CREAT | common, 0o666),
                  os.open(base + "stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | common, 0o666),
                  os.open(base + "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | common, 0o666)]
    except OSError as error:
        raise Failed("cannot create the parent's standard files in %s: %s" % (workdir, os_error_text(error)))
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3) for fd in opened]
    for number, fd in enumerate(high):
        os.dup2(fd, number, inheritable=True)
    for fd in set(opened + high):
        if fd > 2:
            os.close(fd)
    # Only the fds that are open: os.closerange is a close() per number before 3.10.
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != RESULT_CHANNEL_FD:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own directory fd


# ---------------------------------------------------------------- confined paths
#
# A scenario is untrusted input. Unless it carries an `unconfined` reason,
# every path it makes the scenario parent open or create stays beneath the
# workdir: absolute paths and '..' are refused, and the path is walked one
# component at a time from an fd on the workdir without following any symlink.

WALK_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def is_confined(scenario):
    return scenario.get("unconfined") is None


def confined_components(path, where):
    """The components of a path that must stay beneath the workdir ("." and
    empty ones dropped); Refused for an absolute path or a '..'."""
    if path.startswith("/"):
        raise Refused("%s %r escapes the workdir: it is absolute (a scenario that needs this says why in "
                      "`unconfined`)" % (where, path))
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise Refused("%s %r escapes the workdir: it has a '..' component (a scenario that needs this says why "
                      "in `unconfined`)" % (where, path))
    return parts


def refuse_if_symlink(dir_fd, name, where, path):
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        return
    if stat.S_ISLNK(mode):
        raise Refused("%s %r escapes the workdir: %r is a symlink (a scenario that needs this says why in "
                      "`unconfined`)" % (where, path, name))


def directory_walk(workdir, parts, where, path):
    """An O_PATH fd on the directory reached by `parts` from the workdir, no symlink followed."""
    fd = os.open(workdir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in parts:
            try:
                next_fd = os.open(name, WALK_FLAGS, dir_fd=fd)
            except OSError as error:
                refuse_if_symlink(fd, name, where, path)
                raise Failed("%s %r: cannot open the directory %r: %s" % (where, path, name, os_error_text(error)))
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def lowest_free(fd):
    """The same open file on the lowest free fd: where the kernel would have
    put it had the walk's directory fds not been open."""
    low = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 0)
    if low < fd:
        os.close(fd)
        return low
    os.close(low)
    return fd


def open_confined(workdir, path, flags, where, mode=0o666):
    """os.open of `path` beneath the workdir; the last component is opened with
    O_NOFOLLOW relative to its directory's fd."""
    parts = confined_components(path, where)
    leaf = parts.pop() if parts else "."
    dir_fd = directory_walk(workdir, parts, where, path)
    try:
        try:
            fd = os.open(leaf, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dir_fd)
        except OSError as error:
            refuse_if_symlink(dir_fd, leaf, where, path)
            raise Failed("%s %r: cannot open it: %s" % (where, path, os_error_text(error)))
        if stat.S_ISLNK(os.fstat(fd).st_mode):  # O_PATH | O_NOFOLLOW opens a symlink itself
            os.close(fd)
            raise Refused("%s %r escapes the workdir: %r is a symlink (a scenario that needs this says why in "
                          "`unconfined`)" % (where, path, leaf))
    finally:
        os.close(dir_fd)
    return lowest_free(fd)


def make_dir_confined(workdir, path, where):
    parts = confined_components(path, where)
    if not parts:
        return  # the workdir itself
    leaf = parts.pop()
    dir_fd = directory_walk(workdir, parts, where, path)
    try:
        os.mkdir(leaf, 0o777, dir_fd=dir_fd)
    except OSError as error:
        if error.errno != errno.EEXIST:
            raise Failed("%s %r: cannot create the directory: %s" % (where, path, os_error_text(error)))
        refuse_if_symlink(dir_fd, leaf, where, path)
    finally:
        os.close(dir_fd)


def check_child_open_path(path, workdir, where):
    """A path the child will open (a posix_spawn open action): relative to the
    parent's cwd, or under {workdir}/, without '..', and no component that
    exists already is a symlink. Checked before the spawn, with lstat."""
    relative, base = path, "."
    if path == workdir:
        relative, base = ".", workdir
    elif path.startswith(workdir.rstrip("/") + "/"):
        relative, base = path[len(workdir.rstrip("/")) + 1:], workdir
    parts = confined_components(relative, where)
    fd = os.open(base, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in parts:
            try:
                mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
            except OSError:
                return  # missing: nothing beneath it exists either
            if stat.S_ISLNK(mode):
                raise Refused("%s %r escapes the workdir: %r is a symlink (a scenario that needs this says why "
                              "in `unconfined`)" % (where, path, name))
            if not stat.S_ISDIR(mode):
                return
            try:
                next_fd = os.open(name, WALK_FLAGS, dir_fd=fd)
            except OSError:
                return
            os.close(fd)
            fd = next_fd
    finally:
        os.close(fd)


STANDARD_NAMES = ("parent.stdin", "parent.stdout", "parent.stderr")


class Resources(object):
    def __init__(self):
        self.fds = []      # (name, fd) in creation order
        self.dirs = {}
        self.gone = set()  # names whose fd a steps scenario closed or replaced: left out of resource maps

    def add(self, name, fd):
        self.fds.append((name, fd))

    def forget_fd(self, fd):
        """A parent step closed `fd` or put another file on it: the names it had
        no longer describe it (they still resolve, for the steps that name them)."""
        self.gone.update(name for name, known in self.fds if known == fd)
        if 0 <= fd <= 2:
            self.gone.add(STANDARD_NAMES[fd])

    def fd_of(self, name):
        for known, fd in self.fds:
            if known == name:
                return fd
        return {STANDARD_NAMES[0]: 0, STANDARD_NAMES[1]: 1, STANDARD_NAMES[2]: 2}.get(name)

    def resolve(self, reference):
        if isinstance(reference, bool):
            raise Malformed("expected an fd number or a resource name")
        if isinstance(reference, int):
            return reference
        fd = self.fd_of(reference)
        if fd is None:
            raise Malformed("%r names no resource" % reference)
        return fd


def add_status_flags(fd, names, allow_file_flags):
    extra = 0
    for name in names or []:
        if name == "nonblock":
            extra |= os.O_NONBLOCK
        elif allow_file_flags and name == "append":
            extra |= os.O_APPEND
        elif allow_file_flags and name == "sync":
            extra |= os.O_SYNC
        else:
            raise Malformed("unknown flag %r" % name)
    return extra


def place(fd, spec, sibling=None):
    """Moves a freshly created fd to its fixed number, if any. Its inheritable
    flag is the scenario's when it states one, else the one the creating call
    gave (PEP 446's defaults), so that default is what the child meets."""
    inheritable = spec.get("inheritable")
    if inheritable is None:
        inheritable = not fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    target = spec.get("fd")
    if target is not None and target != fd:
        if sibling is not None and sibling[0] == target:
            sibling[0] = fcntl.fcntl(target, fcntl.F_DUPFD_CLOEXEC, 0)
            os.close(target)
        return move_fd(fd, target, inheritable)
    set_close_on_exec(fd, inheritable)
    return fd


ACCESS = {"rdonly": os.O_RDONLY, "wronly": os.O_WRONLY, "rdwr": os.O_RDWR, "path": os.O_PATH}


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def fifo_ends(path, workdir, confined, where):
    """A FIFO made at `path` in the workdir and both its ends, as os.mkfifo and
    os.open give them (close-on-exec). The read end is opened first without
    blocking, so opening the write end finds a reader; then it blocks again."""
    if confined:
        parts = confined_components(path, where)
        leaf = parts.pop()
        dir_fd = directory_walk(workdir, parts, where, path)
        try:
            os.mkfifo(leaf, 0o666, dir_fd=dir_fd)
        except OSError as error:
            raise Failed("%s %r: cannot make the FIFO: %s" % (where, path, os_error_text(error)))
        finally:
            os.close(dir_fd)
        reader = open_confined(workdir, path, os.O_RDONLY | os.O_NONBLOCK, where)
        writer = open_confined(workdir, path, os.O_WRONLY, where)
    else:
        os.mkfifo(path, 0o666)
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        writer = os.open(path, os.O_WRONLY)
    fcntl.fcntl(reader, fcntl.F_SETFL, fcntl.fcntl(reader, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return [reader, writer]


def create_resource(spec, resources, workdir, confined, index):
    name, kind = spec["name"], spec["kind"]
    where = "scenario.parent.resources[%d].path" % index
    if kind in ("pipe", "fifo", "socketpair", "tcp_connection"):
        first, second = {"pipe": ("read", "write"), "fifo": ("read", "write"), "socketpair": ("a", "b"),
                         "tcp_connection": ("client", "server")}[kind]
        first_spec, second_spec = spec.get(first) or {}, spec.get(second) or {}
        if kind == "pipe":
            ends = list(os.pipe())
        elif kind == "fifo":
            ends = fifo_ends(native(spec.get("path") or name), workdir, confined, where)
        elif kind == "socketpair":
            pair = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            ends = [pair[0].detach(), pair[1].detach()]
        else:
            ends = loopback_connection()
        for fd, end_spec in ((ends[0], first_spec), (ends[1], second_spec)):
            extra = add_status_flags(fd, end_spec.get("flags"), False)
            if extra:
                fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | extra)
        other = [ends[1]]
        ends[0] = place(ends[0], first_spec, other)
        ends[1] = other[0]
        other = [ends[0]]
        ends[1] = place(ends[1], second_spec, other)
        ends[0] = other[0]
        resources.add(name + "." + first, ends[0])
        resources.add(name + "." + second, ends[1])
        return
    if kind == "file":
        path = native(spec.get("path") or name)
        content = spec.get("content", "").encode("utf-8", "surrogateescape")
        flags = ACCESS[spec.get("access", "rdwr")] | add_status_flags(None, spec.get("flags"), True)
        if confined:
            writer = open_confined(workdir, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, where)
            try:
                write_all(writer, content)
                if spec.get("mode") is not None:
                    os.fchmod(writer, int(spec["mode"], 8))  # the umask does not apply
            finally:
                os.close(writer)
            fd = open_confined(workdir, path, flags, where)
        else:
            with open(path, "wb") as writer:
                writer.write(content)
                if spec.get("mode") is not None:
                    os.fchmod(writer.fileno(), int(spec["mode"], 8))
            fd = os.open(path, flags)
        if spec.get("offset", 0):
            os.lseek(fd, spec["offset"], os.SEEK_SET)
    elif kind == "dir":
        path = native(spec.get("path") or name)
        if confined:
            make_dir_confined(workdir, path, where)
            fd = open_confined(workdir, path, os.O_RDONLY | os.O_DIRECTORY, where)
        else:
            if not os.path.isdir(path):
                os.mkdir(path, 0o777)
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        resources.dirs[name] = path
    elif kind == "devnull":
        fd = os.open(os.devnull, ACCESS[spec.get("access", "rdwr")] | add_status_flags(None, spec.get("flags"), True))
    elif kind == "memfd":
        if not hasattr(os, "memfd_create"):
            raise Skip("memfd resources need os.memfd_create (CPython 3.8+)")
        fd = os.memfd_create(name)  # the default flags are MFD_CLOEXEC
    elif kind == "eventfd":
        if not hasattr(os, "eventfd"):
            raise Skip("eventfd resources need os.eventfd (CPython 3.10+)")
        fd = os.eventfd(0)  # the default flags are EFD_CLOEXEC
    elif kind == "dup":
        fd = duplicate(spec, resources)
    elif kind in ("tcp_listener", "udp"):
        fd = loopback_socket(socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
        extra = add_status_flags(fd, spec.get("flags"), False)
        if extra:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | extra)
    else:
        raise Malformed("unknown resource kind %r" % kind)
    resources.add(name, place(fd, spec))


def loopback_socket(kind):
    """A socket bound to 127.0.0.1 on a port the kernel picks, as socket.socket
    makes it (not inheritable); a stream socket also listens."""
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind(("127.0.0.1", 0))
    if kind == socket.SOCK_STREAM:
        sock.listen(1)
    return sock.detach()


def loopback_connection():
    """[client, server]: both ends of a TCP connection over loopback, the
    server end from socket.accept (accept4 with SOCK_CLOEXEC)."""
    listener = socket.socket(fileno=loopback_socket(socket.SOCK_STREAM))
    try:
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.connect(listener.getsockname())
        server, _ = listener.accept()
    finally:
        listener.close()
    return [client.detach(), server.detach()]


def duplicate(spec, resources):
    """A `dup` resource, made with the call a program would use, so the
    inheritable flag is that call's default: os.dup gives a non-inheritable
    fd, os.dup2 an inheritable one, fcntl F_DUPFD inheritable, F_DUPFD_CLOEXEC not."""
    source = resources.resolve(spec["of"])
    call = spec.get("call") or "dup"
    if call == "dup":
        return os.dup(source)
    if call == "dup2":
        if spec.get("fd") is None:
            raise Malformed("call dup2 needs `fd`, the number to duplicate onto")
        os.dup2(source, spec["fd"])  # returns None before 3.7
        return spec["fd"]
    if call == "fcntl_dupfd":
        return fcntl.fcntl(source, fcntl.F_DUPFD, spec.get("min_fd") or 0)
    if call == "fcntl_dupfd_cloexec":
        return fcntl.fcntl(source, fcntl.F_DUPFD_CLOEXEC, spec.get("min_fd") or 0)
    raise Malformed("unknown dup call %r" % call)


def native(text):
    """The str that os functions turn back into this text's UTF-8 bytes.

    The protocol's strings are UTF-8. Under LANG=C, CPython 3.6 encodes str
    for the OS as ASCII with surrogateescape, so a non-ASCII value must be
    decoded that way first; on 3.7+ (UTF-8 under the C locale) this is the
    identity."""
    return os.fsdecode(text.encode("utf-8", "surrogateescape"))


PLACEHOLDER = re.compile(r"\{(probe_dir|probe|workdir|parent_pid|parent_pgid|parent_sid|uid|gid"
                         r"|pid:[a-z][a-z0-9_]*)\}")


def substitute(text, placeholders):
    """One pass, left to right, as the spawn_core driver does: a value that
    itself holds a placeholder's spelling is not substituted again. {pid:NAME}
    of no started spawn (none yet, or its spawn raised) stays as written."""
    return native(PLACEHOLDER.sub(lambda match: placeholders.get(match.group(1), match.group(0)), text))


def noop_handler(signum, frame):
    pass


def set_soft_nofile_limit(limit):
    """The soft RLIMIT_NOFILE only; fds already above it stay open (X11)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and limit > hard:
        raise Skip("parent.nofile_limit %d is above this machine's hard RLIMIT_NOFILE %d" % (limit, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def prepare_parent(scenario, workdir, placeholders):
    parent = scenario.get("parent") or {}
    confined = is_confined(scenario)
    try:
        os.chdir(workdir)
    except OSError as error:
        raise Failed("cannot enter the workdir %s: %s" % (workdir, os_error_text(error)))
    os.umask(int(parent.get("umask", "022"), 8))
    env = parent.get("env") or {}
    startup = env.get("startup") or "clean"
    if startup not in ("clean", "keep"):
        raise Malformed("scenario.parent.env.startup: expected clean or keep, got %r" % (startup,))
    if startup == "clean":
        os.environ.clear()
        os.environ.update({"PATH": BASE_PATH, "LANG": "C"})
    # keep: the environment as the interpreter left it at start-up (3.7+ coerce
    # LANG=C to LC_CTYPE=C.UTF-8, PEP 538); the scenario parent inherited it.
    os.environ["FDCONFORM_SCENARIO"] = native(scenario["id"])
    for key, value in (env.get("set") or {}).items():
        os.environ[native(key)] = substitute(value, placeholders)
    for key in env.get("unset") or []:
        os.environ.pop(native(key), None)
    # The C environ alone: os.environ keeps what it had, as after a program's
    # own os.putenv/os.unsetenv calls.
    for key, value in (env.get("putenv") or {}).items():
        os.putenv(native(key), substitute(value, placeholders))
    for key in env.get("unsetenv") or []:
        os.unsetenv(native(key))
    closed = list(parent.get("close_std") or [])
    for fd in closed:
        os.close(fd)
    limit = parent.get("nofile_limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise Malformed("scenario.parent.nofile_limit: expected a positive number, got %r" % (limit,))
    # A limit above the current soft one is raised first, so resources may take fds up to it;
    # one at or below it is set last, so resources may sit above it (X11).
    raise_first = limit is not None and limit > resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if raise_first:
        set_soft_nofile_limit(limit)
    resources = Resources()
    for index, spec in enumerate(parent.get("resources") or []):
        create_resource(spec, resources, workdir, confined, index)
    signals = parent.get("signals") or {}
    for name in signals.get("ignore") or []:
        signal.signal(signal_number(name), signal.SIG_IGN)
    for name in signals.get("catch") or []:
        signal.signal(signal_number(name), noop_handler)
    for name in signals.get("default") or []:
        signal.signal(signal_number(name), signal.SIG_DFL)
    blocked = [signal_number(name) for name in signals.get("block") or []]
    if blocked:
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    cwd = parent.get("cwd")
    if cwd:
        target = resources.dirs.get(cwd, native(cwd))
        if confined:
            fd = open_confined(workdir, target, os.O_PATH | os.O_DIRECTORY, "scenario.parent.cwd")
            try:
                os.fchdir(fd)
            finally:
                os.close(fd)
        else:
            os.chdir(target)
    if limit is not None and not raise_first:
        set_soft_nofile_limit(limit)
    apply_credentials(parent.get("credentials"))
    return resources, closed


def apply_credentials(credentials):
    """parent.credentials, last of all (it may drop the rights the steps before
    needed): supplementary groups, then group ids, then user ids, each saved id
    following the effective one, as a program dropping privileges would."""
    if not credentials:
        return
    # Codecs load lazily from the interpreter's own tree, which the new ids
    # may not be allowed to read (a pyenv under /root): load them now.
    for name in ("ascii", "utf-8", "latin-1", sys.getfilesystemencoding()):
        codecs.lookup(name)
    if credentials.get("groups") is not None:
        os.setgroups(credentials["groups"])
    gid, egid = credentials.get("gid", os.getgid()), credentials.get("egid", os.getegid())
    os.setresgid(gid, egid, egid)
    uid, euid = credentials.get("uid", os.getuid()), credentials.get("euid", os.geteuid())
    os.setresuid(uid, euid, euid)


def resource_map(resources, closed):
    mapping = {}
    taken = set(fd for _, fd in resources.fds)
    for fd, name in enumerate(STANDARD_NAMES):
        if fd not in closed and fd not in taken and name not in resources.gone:
            mapping[name] = fd
    for name, fd in resources.fds:
        if name not in resources.gone:
            mapping[name] = fd
    return mapping


# ---------------------------------------------------------------- spawning

class Outcome(object):
    def __init__(self):
        self.value = None
        self.error = None
        self.skip = None
        self.stderr = None  # what communicate() read from the child's stderr pipe, when it had one


class Child(object):
    """One spawn: its Popen object or its bare pid once started, and its Outcome
    (the exception the spawn raised, how the child ended, or a timeout error)."""

    def __init__(self, name=None, report_path=None):
        self.name = name
        self.report_path = report_path
        self.process = None   # subprocess.Popen (popen spawns)
        self.pid = None       # None: not started (the spawn raised, or never ran)
        self.code = None      # returncode of a posix_spawn or fork_exec child, once reaped
        self.parent = None    # a steps spawn: the parent snapshot taken right before it
        self.outer = None     # a spawn inside a fork_exec child: that spawn's Child (its parent is that child)
        self.outcome = Outcome()

    def returncode(self):
        """Its returncode once reaped, else None (Popen keeps its own)."""
        if self.process is not None:
            return self.process.returncode
        return self.code

    def running(self):
        """Started and not reaped yet."""
        return self.pid is not None and self.returncode() is None


def attached_text(error, name):
    """An OSError attribute (filename, filename2, strerror) as text, or None."""
    value = getattr(error, name, None)
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    return None if value is None else str(value)


def exception_outcome(error):
    number = getattr(error, "errno", None)
    return {"kind": "exception", "returncode": None, "error_class": type(error).__name__,
            "errno": number, "errno_name": errno.errorcode.get(number) if number else None,
            "filename": attached_text(error, "filename"), "filename2": attached_text(error, "filename2"),
            "strerror": attached_text(error, "strerror") if number else None, "message": str(error)}


def returncode_outcome(code):
    if code < 0:
        return {"kind": "signaled", "returncode": code}
    return {"kind": "exited", "returncode": code}


def adopt_orphans():
    """Makes this scenario parent the reaper of its descendants' orphans, so a
    timed-out child's own children can still be found and ended."""
    if LIBC is not None:
        LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def descendants_of(root):
    """Every live process below `root`, from /proc's parent links."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as stat_file:
                fields = stat_file.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(name))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def kill_tree(pid):
    """SIGKILL to the child's process group (unless it is ours: the scenario
    parent must live to answer), to all its descendants and to the child.
    The caller reaps the child, then calls reap_adopted_orphans()."""
    targets = []
    try:
        if os.getpgid(pid) != os.getpgid(0):
            targets.append(lambda: os.killpg(os.getpgid(pid), signal.SIGKILL))
    except OSError:
        pass
    targets += [lambda member=member: os.kill(member, signal.SIGKILL) for member in descendants_of(pid)]
    targets.append(lambda: os.kill(pid, signal.SIGKILL))
    for target in targets:
        try:
            target()
        except OSError:
            pass


def reap_adopted_orphans():
    """Kills and reaps what a killed child left to this subreaper. Called after
    the child itself was reaped, so every remaining child is such an orphan."""
    while True:
        for orphan in descendants_of(os.getpid()):
            try:
                os.kill(orphan, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


class DeadlinePassed(Exception):
    """Raised by the SIGALRM handler that bounds a blocking wait."""


def raise_deadline_passed(signum, frame):
    raise DeadlinePassed()


THREAD_POLL_SECONDS = 0.001


def poll_until_exited(pid, timeout):
    """wait_until_exited for a together step's threads: signal.signal works in
    the main thread only, so they poll every millisecond instead."""
    deadline = time.monotonic() + timeout
    while not has_exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(THREAD_POLL_SECONDS)
    return True


def wait_until_exited(pid, timeout):
    """Block until the child `pid` has exited, without reaping it; False if
    `timeout` seconds pass first.

    One blocking waitid(WNOWAIT) bounded by a one-shot timer: the scenario
    parent sleeps in the kernel instead of polling, and the caller still reaps
    the child its own way (Popen keeps its returncode bookkeeping). SIGALRM is
    borrowed only after the spawn, so the child never sees the change.
    Outside the main thread (a together step) it polls instead.
    """
    if threading.current_thread() is not threading.main_thread():
        return poll_until_exited(pid, timeout)
    previous_handler = signal.signal(signal.SIGALRM, raise_deadline_passed)
    previous_mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM])
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        return True
    except ChildProcessError:
        # SIGCHLD ignored: the kernel reaped the child as it exited, so it has
        # exited; Popen.wait reports that as returncode 0, and so does the caller.
        return True
    except DeadlinePassed:
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


def wait_with_deadline(pid, timeout):
    """The child's returncode (negative: killed by that signal), or None on timeout."""
    if not wait_until_exited(pid, timeout):
        return None
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return 0  # reaped by the kernel (SIGCHLD ignored): no status to have, as Popen reports it
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


STDIO = {"inherit": None, "pipe": subprocess.PIPE, "devnull": subprocess.DEVNULL, "stdout": subprocess.STDOUT}


def stdio_argument(value, resources):
    if isinstance(value, dict):
        if "fd" in value:
            return value["fd"]
        return resources.resolve(value["resource"])
    return STDIO[value]


class IntLike(object):
    """{int_like: N}: an object with __int__ giving N and no __index__. Int arguments took it
    before 3.10 (with a DeprecationWarning from 3.8); bpo-37999 made it a TypeError."""

    def __init__(self, value):
        self.value = value

    def __int__(self):
        return self.value

    def __repr__(self):
        return "IntLike(%d)" % self.value


def python_value(value):
    """A value the scenario wrote as a typed mapping, wrong on purpose: {"str": TEXT} (that str),
    {"none": true} (None) or {"int_like": N} (an IntLike); anything else as it is."""
    if isinstance(value, dict):
        if "str" in value:
            return native(value["str"])
        if value.get("none") is True:
            return None
        if "int_like" in value:
            return IntLike(value["int_like"])
        raise Malformed("expected {str: TEXT}, {none: true} or {int_like: N}, got %r" % (sorted(value),))
    return value


def octal_or_int(value):
    """Popen's umask: -1, an octal string, or a typed value passed as that Python value."""
    if isinstance(value, dict):
        return python_value(value)
    return int(value, 8) if isinstance(value, str) else value


def argv_from(spec, placeholders, where):
    """The spawn's argv as the spawn_core driver builds it: absent, the probe;
    a string, that one string (placeholders substituted); a list, each item."""
    argv = spec.get("argv")
    if argv is None:
        return [native(placeholders["probe"])]
    if isinstance(argv, str):
        return [substitute(argv, placeholders)]
    if not isinstance(argv, list) or not all(isinstance(item, str) for item in argv):
        raise Malformed("%s.argv: expected a string or a list of strings" % where)
    return [substitute(item, placeholders) for item in argv]


def shell_quoted(text):
    """One shell word, whatever the workdir's path holds; always quoted, as the C++ driver does."""
    return "'" + text.replace("'", "'\\''") + "'"


class TextPath(object):
    """An os.PathLike whose __fspath__ is exactly the scenario's text (pathlib would normalise it:
    "./prog" becomes "prog", which a search then treats as a bare name)."""

    def __init__(self, text):
        self.text = text

    def __fspath__(self):
        return self.text

    def __repr__(self):
        return "TextPath(%r)" % (self.text,)


def as_path_type(path_type):
    """How popen.path_type passes a path or argv item: bytes (os.fsencode) or a TextPath."""
    if path_type == "bytes":
        return os.fsencode
    if path_type == "pathlike":
        return TextPath
    raise Malformed("popen.path_type: expected str, bytes or pathlike, got %r" % (path_type,))


def flag_argument(value):
    """A flag as the scenario wrote it: a bool, or wrong on purpose {"str": TEXT} (that str),
    {"none": true} (None) or {"int_like": N} (an IntLike), passed as is: how the call takes it
    is the observation."""
    return python_value(value)


SCHED_POLICIES = ("SCHED_OTHER", "SCHED_BATCH", "SCHED_IDLE", "SCHED_FIFO", "SCHED_RR")


def scheduler_argument(spec):
    """os.posix_spawn's scheduler: (policy or None, os.sched_param(priority)); a
    tuple_length of 1 or 3 is wrong on purpose: (policy,) or (policy, param, None)."""
    name = spec.get("policy")
    if name is not None and name not in SCHED_POLICIES:
        raise Malformed("scheduler.policy: unknown policy %r" % (name,))
    policy = None if name is None else getattr(os, name)
    items = (policy, os.sched_param(spec.get("priority", 0)))
    length = spec.get("tuple_length", 2)
    if length == 1:
        return items[:1]
    if length == 3:
        return items + (None,)
    return items


def pathlike_args(spec):
    """argv: {pathlike: TEXT}, Popen's whole args as one os.PathLike (bpo-31961): the probe gets no
    --report= argument and writes its report to its stdout, a pipe the runner asks for."""
    return isinstance(spec.get("argv"), dict)


def popen_kwargs(spec, resources, placeholders, report_argument, confined, where="spawn"):
    if pathlike_args(spec):
        argv = [substitute(spec["argv"]["pathlike"], placeholders)]
    else:
        argv = argv_from(spec, placeholders, "scenario.%s.popen" % where)
    kwargs = {"close_fds": spec.get("close_fds", True),
              "restore_signals": flag_argument(spec.get("restore_signals", True)),
              "start_new_session": flag_argument(spec.get("start_new_session", False))}
    # The report argument goes last; with a shell it belongs to the command
    # string, argv[0] (the rest are the shell's $0, $1, ...).
    if pathlike_args(spec):
        argv = TextPath(argv[0])
    elif spec.get("shell") and argv:
        argv[0] += " " + shell_quoted(report_argument)
    else:
        argv.append(report_argument)
    if spec.get("shell"):
        kwargs["shell"] = True
        if isinstance(spec.get("argv"), str):
            argv = argv[0]  # a string argv reaches Popen as one string
    if spec.get("executable") is not None:
        kwargs["executable"] = substitute(spec["executable"], placeholders)
    for stream in ("stdin", "stdout", "stderr"):
        kwargs[stream] = stdio_argument(spec.get(stream, "inherit"), resources)
    if spec.get("pass_fds"):
        kwargs["pass_fds"] = [resources.resolve(r) for r in spec["pass_fds"]]
    if spec.get("cwd") is not None:
        kwargs["cwd"] = resources.dirs.get(spec["cwd"], substitute(spec["cwd"], placeholders))
    if spec.get("env") is not None:
        kwargs["env"] = dict((native(k), substitute(v, placeholders)) for k, v in spec["env"].items())
    path_type = spec.get("path_type", "str")
    if path_type != "str":
        as_type = as_path_type(path_type)
        argv = [as_type(item) for item in argv]
        for key in ("executable", "cwd"):
            if key in kwargs:
                kwargs[key] = as_type(kwargs[key])
    # An argument this interpreter's Popen lacks (process_group before 3.11, user, group,
    # extra_groups and umask before 3.9, pipesize before 3.10) is passed all the same: the TypeError
    # a caller meets is the observation. Scenarios that want the argument's effect gate on
    # requires.python or requires.features, so the runner never sends them here.
    for key in ("process_group", "user", "group", "extra_groups"):
        if spec.get(key) is not None:
            kwargs[key] = python_value(spec[key])
    umask = spec.get("umask", -1)
    if umask != -1:
        kwargs["umask"] = octal_or_int(umask)
    if spec.get("preexec") is not None:
        steps = with_open_paths_resolved(spec["preexec"], placeholders, confined, where + ".popen.preexec")
        steps = with_fds_resolved(steps, resources, where + ".popen.preexec")
        kwargs["preexec_fn"] = lambda: run_child_steps(steps, resources)
    if spec.get("pipesize", -1) != -1:
        kwargs["pipesize"] = spec["pipesize"]
    # spec["close_strategy"] is for implementations that let the caller choose how
    # close_fds closes; CPython always takes its own (close_range, then /proc/self/fd),
    # and the observation must not depend on it.
    return argv, kwargs


class QuietWarnings(object):
    """warnings.catch_warnings() with every warning ignored, in the main thread.
    It swaps process-wide state, so it is not safe across threads: a together
    step holds one in its main thread for all of its threads, and inside a
    thread this does nothing."""

    def __init__(self):
        self.inner = None
        if threading.current_thread() is threading.main_thread():
            self.inner = warnings.catch_warnings()

    def __enter__(self):
        if self.inner is not None:
            self.inner.__enter__()
            warnings.simplefilter("ignore")
        return self

    def __exit__(self, *exc):
        if self.inner is not None:
            return self.inner.__exit__(*exc)
        return False


def start_popen(child, spec, resources, placeholders, report_argument, confined, where):
    argv, kwargs = popen_kwargs(spec, resources, placeholders, report_argument, confined, where)
    with QuietWarnings():
        try:
            child.process = subprocess.Popen(argv, **kwargs)
        except Exception as error:  # what Popen raises is the observation
            child.outcome.value = exception_outcome(error)
            return
    child.pid = child.process.pid
    if pathlike_args(spec):
        report_from_pipe(child.process.stdout, report_argument[len("--report="):])


def report_from_pipe(pipe, path):
    """What the probe wrote to its stdout, up to its exit, put where its report argument would have
    sent it, whole or not at all (the probe links its own report into place the same way)."""
    data = pipe.read()
    if not data:
        return  # not the probe, or it failed before writing: the report is missing, as it is then
    partial = path + ".partial"
    with open(partial, "wb") as stream:
        stream.write(data)
    os.rename(partial, path)


def open_pipes(process):
    """Whether the parent still holds a pipe to the child (communicate() closes them)."""
    return any(stream is not None and not stream.closed for stream in (process.stdin, process.stdout, process.stderr))


def wait_for_popen(process, timeout):
    """Popen.wait(timeout) sleeps in growing steps up to 50 ms; a probe exits in a few."""
    if not wait_until_exited(process.pid, timeout):
        raise subprocess.TimeoutExpired(process.args, timeout)
    process.wait()


OPEN_FLAGS = {"rdonly": os.O_RDONLY, "wronly": os.O_WRONLY, "rdwr": os.O_RDWR, "creat": os.O_CREAT,
              "trunc": os.O_TRUNC, "append": os.O_APPEND, "cloexec": os.O_CLOEXEC, "excl": os.O_EXCL,
              "nonblock": os.O_NONBLOCK}


def file_actions(actions, resources, placeholders, confined, where="spawn"):
    converted = []
    for index, action in enumerate(actions):
        if "open" in action:
            spec = action["open"]
            flags = 0
            for name in spec.get("flags") or ["rdonly"]:
                flags |= OPEN_FLAGS[name]
            path = substitute(spec["path"], placeholders)
            if confined:
                check_child_open_path(path, native(placeholders["workdir"]),
                                      "scenario.%s file_actions[%d].open.path" % (where, index))
            converted.append((os.POSIX_SPAWN_OPEN, spec["fd"], path, flags, int(spec.get("mode", "0644"), 8)))
        elif "close" in action:
            converted.append((os.POSIX_SPAWN_CLOSE, resources.resolve(action["close"])))
        elif "dup2" in action:
            source, target = action["dup2"]
            converted.append((os.POSIX_SPAWN_DUP2, resources.resolve(source), resources.resolve(target)))
        elif "closefrom" in action:
            converted.append((os_attribute("POSIX_SPAWN_CLOSEFROM"), action["closefrom"]))
        else:
            raise Malformed("unknown file action %r" % action)
    return converted


def os_attribute(name):
    """os.NAME as a caller's code reads it: AttributeError when this interpreter lacks it."""
    return getattr(os, name)


def raising(error):
    """A stand-in for a call whose arguments already raised `error` as the caller built them."""
    def call(*args, **kwargs):
        raise error
    call.raises = error
    return call


def posix_spawn_call(spec, search, resources, placeholders, report_argument, confined, where):
    """(function, path, argv, env, kwargs) of an os.posix_spawn(p) call, or
    Skip, Malformed, Refused: everything short of calling it."""
    # A caller's os.posix_spawn(...) looks the function up before it builds the arguments.
    try:
        function = os_attribute("posix_spawnp" if search else "posix_spawn")
    except AttributeError as error:  # before 3.8
        function = raising(error)
    unavailable = hasattr(function, "raises")
    path = substitute(spec.get("path") or "{probe}", placeholders)
    argv = argv_from(spec, placeholders, "scenario.%s.posix_spawn" % where) + [report_argument]
    if spec.get("env") == {"none": True}:  # env=None as written, wrong on purpose before 3.13
        env = None
    elif spec.get("env") is not None:
        env = dict((native(k), substitute(v, placeholders)) for k, v in spec["env"].items())
    else:
        env = None if VERSION >= (3, 13) else os.environ
    try:
        kwargs = {"file_actions": file_actions(spec.get("file_actions") or [], resources, placeholders, confined,
                                               where)}
    except AttributeError as error:  # a file action constant this os module lacks (POSIX_SPAWN_CLOSEFROM before 3.13)
        kwargs = {"file_actions": []}
        if not unavailable:
            function = raising(error)
    if spec.get("setpgroup") is not None:
        kwargs["setpgroup"] = python_value(spec["setpgroup"])
    for key in ("resetids", "setsid"):
        value = spec.get(key, False)
        if isinstance(value, dict):  # a str or None, wrong on purpose (checklist A21)
            kwargs[key] = flag_argument(value)
        elif value:
            kwargs[key] = True
    if spec.get("scheduler") is not None:
        kwargs["scheduler"] = scheduler_argument(spec["scheduler"])
    for key in ("setsigmask", "setsigdef"):
        if spec.get(key) is not None:
            # a name, or a number passed as it is (out of the signal range on purpose)
            kwargs[key] = [item if isinstance(item, int) else signal_number(name=item) for item in spec[key]]
    return function, path, argv, env, kwargs


def start_posix_spawn(child, spec, search, resources, placeholders, report_argument, confined, where):
    function, path, argv, env, kwargs = posix_spawn_call(spec, search, resources, placeholders, report_argument,
                                                         confined, where)
    with QuietWarnings():  # 3.8 and 3.9 warn when an IntLike is converted
        try:
            child.pid = function(path, argv, env, **kwargs)
        except Exception as error:
            child.outcome.value = exception_outcome(error)


def is_spawn_step(step):
    """A fork_exec child step that is a spawn of its own (docs/SCENARIO_FORMAT.md,
    "A spawn from inside the child")."""
    return isinstance(step, dict) and "spawn" in step


def start_fork_exec(child, spec, resources, placeholders, report_argument, where, nested=None):
    """`nested`, when given, runs a spawn step in the forked child (a steps
    scenario's fork_exec spawn step outside a together); without it such a
    step is malformed, refused before the fork."""
    argv = argv_from(spec, placeholders, "scenario.%s.fork_exec" % where) + [report_argument]
    steps = spec.get("steps") or []
    if nested is None and any(is_spawn_step(step) for step in steps):
        raise Malformed("%s.fork_exec.steps: a spawn inside the child is only for a fork_exec spawn step of a "
                        "steps scenario, not in a together, nor in a spawn inside another child" % where)
    steps = [step if is_spawn_step(step) else with_fds_resolved([step], resources, "%s.fork_exec.steps" % where)[0]
             for step in steps]
    try:
        pid = os.fork()
    except OSError as error:  # what os.fork() raises is the observation, as for Popen
        child.outcome.value = exception_outcome(error)
        return
    if pid == 0:
        try:
            for step in steps:
                if nested is not None and is_spawn_step(step):
                    nested(step["spawn"])  # raises only when it could not write what it saw
                else:
                    run_child_steps([step], resources)
        except BaseException:
            os._exit(STEP_FAILED_STATUS)
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(EXEC_FAILED_STATUS)
    child.pid = pid


def start_spawn(child, spawn, resources, placeholders, report_argument, confined, where, nested=None):
    """Starts the spawn `spawn` (one of popen, posix_spawn, posix_spawnp,
    fork_exec) without waiting for it: sets child.pid (and child.process), or
    child.outcome.value to the exception the spawn raised. `nested`: see start_fork_exec."""
    if not isinstance(spawn, dict):
        raise Malformed("%s: expected popen, posix_spawn, posix_spawnp or fork_exec" % where)
    if "popen" in spawn:
        start_popen(child, spawn["popen"], resources, placeholders, report_argument, confined, where)
    elif "posix_spawn" in spawn or "posix_spawnp" in spawn:
        search = "posix_spawnp" in spawn
        start_posix_spawn(child, spawn["posix_spawnp" if search else "posix_spawn"], search, resources,
                          placeholders, report_argument, confined, where)
    elif "fork_exec" in spawn:
        start_fork_exec(child, spawn["fork_exec"], resources, placeholders, report_argument, where, nested)
    else:
        raise Malformed("%s: expected popen, posix_spawn, posix_spawnp or fork_exec" % where)


def check_spawn_arguments(spawn, resources, placeholders, confined, where):
    """Builds the call start_spawn would make and drops it: what it would raise
    before the call (Skip, Malformed, Refused), raised here and now. A spawn
    inside a fork_exec child is checked so in the scenario parent, before the
    outer fork: a skip or a malformed step is then the cell's, as in the parent."""
    report_argument = "--report=" + os.path.join(native(placeholders["workdir"]), "probe.json")
    if "popen" in spawn:
        popen_kwargs(spawn["popen"], resources, placeholders, report_argument, confined, where)
    elif "posix_spawn" in spawn or "posix_spawnp" in spawn:
        search = "posix_spawnp" in spawn
        posix_spawn_call(spawn["posix_spawnp" if search else "posix_spawn"], search, resources, placeholders,
                         report_argument, confined, where)
    elif "fork_exec" in spawn:
        spec = spawn["fork_exec"]
        argv_from(spec, placeholders, "scenario.%s.fork_exec" % where)
        steps = spec.get("steps") or []
        if not isinstance(steps, list):
            raise Malformed("%s.fork_exec.steps: expected a list" % where)
        if any(is_spawn_step(step) for step in steps):
            raise Malformed("%s.fork_exec.steps: a spawn inside the child cannot hold a spawn of its own" % where)
    else:
        raise Malformed("%s: expected popen, posix_spawn, posix_spawnp or fork_exec" % where)


def finish_child(child, timeout):
    """Waits for a started child as the single form does: communicate() while
    the parent holds pipes to it, else a wait, for at most `timeout` seconds,
    and sets its outcome. On timeout: kills its tree, reaps it and returns False
    (the caller sets the error and reaps the orphans once no child it knows is left)."""
    process = child.process
    try:
        if process is None:
            child.code = wait_with_deadline(child.pid, timeout)
            if child.code is None:
                raise subprocess.TimeoutExpired(child.name, timeout)
        elif open_pipes(process):
            try:
                _, child.outcome.stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise
            except Exception:
                # A pipe end a steps scenario closed behind Popen's back (a parent
                # close step): communicate() fails closing it; the child is still to be waited for.
                wait_for_popen(process, timeout)
        else:
            wait_for_popen(process, timeout)
    except subprocess.TimeoutExpired:
        kill_and_reap(child)
        return False
    child.outcome.value = returncode_outcome(child.returncode())
    return True


def kill_and_reap(child):
    """SIGKILL to the child's tree, then reap the child (not the orphans)."""
    kill_tree(child.pid)
    if child.process is not None:
        child.process.wait()
        return
    try:
        _, status = os.waitpid(child.pid, 0)
        child.code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    except ChildProcessError:
        child.code = 0  # reaped by the kernel (SIGCHLD ignored)


# A fork_exec child that dies in a step or in execv: a Python program would die
# with an uncaught exception; these keep the two cases apart (as the spawn_core driver does).
STEP_FAILED_STATUS = 126
EXEC_FAILED_STATUS = 127


class PreexecStepRaised(Exception):
    """The `raise` step of a preexec list: what a preexec_fn that raises does."""


def with_open_paths_resolved(steps, placeholders, confined, where):
    """The steps, each `open` path substituted, confined and made absolute
    (relative to the workdir) in the parent, before the child exists."""
    workdir = native(placeholders["workdir"])
    resolved = []
    for index, step in enumerate(steps):
        if isinstance(step, dict) and isinstance(step.get("open"), dict):
            args = dict(step["open"])
            path = substitute(args.get("path") or "", placeholders)
            if confined:
                check_child_open_path(path, workdir, "%s[%d].open.path" % (where, index))
            args["path"] = path if path.startswith("/") else os.path.join(workdir, path)
            step = {"open": args}
        resolved.append(step)
    return resolved


def with_fds_resolved(steps, resources, where):
    """The child steps with every resource name turned into its fd number, here
    in the parent: a name that resolves to nothing (the pipe of an earlier spawn
    that failed) is a malformed scenario, refused before any fork, as the
    driver kit refuses it, rather than a child that exits with 126."""
    resolved = []
    for step in steps:
        try:
            resolved.append(fds_resolved(step, resources))
        except Malformed as error:
            raise Malformed("%s: %s" % (where, error))
    return resolved


def fds_resolved(step, resources):
    step = dict(step)
    if "set_inheritable" in step:
        step["set_inheritable"] = dict(step["set_inheritable"], fd=resources.resolve(step["set_inheritable"]["fd"]))
    elif "dup2" in step:
        args = step["dup2"]
        step["dup2"] = dict(args, fd=resources.resolve(args["fd"]), to=resources.resolve(args["to"]))
    elif "close" in step:
        step["close"] = resources.resolve(step["close"])
    return step


def run_child_steps(steps, resources):
    """What a Python program does in a fork child before exec, in order:
    os.set_inheritable, os.dup2, os.close, and as a preexec_fn also
    signal.signal (ignore or default), raising, os.open (moved onto `fd`
    with os.dup2 when one is given, or made inheritable if it landed there)
    and os._exit."""
    for step in steps:
        if "set_inheritable" in step:
            os.set_inheritable(resources.resolve(step["set_inheritable"]["fd"]), step["set_inheritable"]["value"])
        elif "dup2" in step:
            args = step["dup2"]
            os.dup2(resources.resolve(args["fd"]), resources.resolve(args["to"]),
                    inheritable=args.get("inheritable", True))
        elif "close" in step:
            os.close(resources.resolve(step["close"]))
        elif "signal" in step:
            action = signal.SIG_IGN if step["signal"]["action"] == "ignore" else signal.SIG_DFL
            signal.signal(signal_number(step["signal"]["name"]), action)
        elif "raise" in step:
            raise PreexecStepRaised("preexec step")
        elif "exit" in step:
            os._exit(step["exit"])  # before exec, with no error record written (checklist E12)
        elif "open" in step:
            args = step["open"]
            flags = 0
            for name in args.get("flags") or ["rdonly"]:
                flags |= OPEN_FLAGS[name]
            fd = os.open(args["path"], flags, int(args.get("mode") or "0644", 8))
            target = args.get("fd")
            if target is not None and fd != target:
                os.dup2(fd, target)
                os.close(fd)
            elif target is not None:
                os.set_inheritable(fd, True)
        else:
            raise Malformed("unknown child step %r" % (sorted(step),))


# ---------------------------------------------------------------- kernel

def numeric_prefix(release):
    """(6, 1, 0) of a kernel release such as "6.1.0-18-amd64"."""
    numbers = []
    for part in release.split("."):
        digits = ""
        for character in part:
            if not character.isdigit():
                break
            digits += character
        if not digits:
            break
        numbers.append(int(digits))
        if len(digits) != len(part):
            break
    return tuple(numbers)


def kernel_release():
    return os.uname().release


# ---------------------------------------------------------------- audit events

AUDITED = ("subprocess.", "os.posix_spawn")


def audit_text(value):
    """One audit argument as a line of text: a mapping (an env) by its sorted keys only, since its
    values hold paths and ids that differ between runs."""
    if value is None:
        return "None"
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(audit_text(item) for item in value) + "]"
    if hasattr(value, "keys"):
        return "{" + ", ".join(sorted(audit_text(key) for key in value.keys())) + "}"
    if hasattr(value, "__fspath__"):
        return audit_text(os.fspath(value))
    return str(value)


def record_audit_events():
    """Adds an audit hook (sys.addaudithook, 3.8+) to this scenario parent and returns the list it
    fills with the spawn events (docs/SCENARIO_FORMAT.md, parent.audit). A hook stays for the life
    of the process; each scenario parent is a fresh fork, so it sees only its own scenario."""
    events = []

    def hook(event, args):
        if event.startswith(AUDITED):
            events.append(" ".join([event] + [audit_text(arg) for arg in args]))
    sys.addaudithook(hook)
    return events


def attach_audit_events(result, events):
    if events is not None and isinstance(result.get("parent_after"), dict):
        result["parent_after"]["audit"] = list(events)


# ---------------------------------------------------------------- one request

def base_result(scenario_id, status, reason=None):
    return {"result": 1, "scenario": scenario_id, "implementation": IMPLEMENTATION_ID, "status": status,
            "reason": None if reason is None else one_line(reason), "outcome": None, "parent": None,
            "parent_after": None, "probe": None}


def read_report(path):
    """(whether a file is at `path`, the report it holds or None)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        return error.errno != errno.ENOENT, None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        return True, None
    finally:
        os.close(fd)
    try:  # UTF-8 whatever this interpreter's locale
        return True, json.loads(b"".join(chunks).decode("utf-8"))
    except Exception:  # not UTF-8, not JSON, nested too deep
        return True, None


def probe_stderr(outcome, workdir):
    """What the child wrote on stderr: the pipe communicate() read, else the
    parent's stderr file, which the child inherited unless the scenario said otherwise."""
    data = outcome.stderr
    if data is None:
        try:
            fd = os.open(os.path.join(workdir, "parent.stderr"), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return ""
        try:
            size = os.fstat(fd).st_size
            if size > STDERR_KEPT:
                os.lseek(fd, size - STDERR_KEPT, os.SEEK_SET)
            data = os.read(fd, STDERR_KEPT)
        except OSError:
            data = b""
        finally:
            os.close(fd)
    return text_of(data[-STDERR_KEPT:])


def report_failure_reason(report_path, stderr_text):
    reason = ("the probe could not write its report: it exited with status %d and left nothing at %s"
              % (REPORT_EXIT_FAILED, report_path))
    excerpt = one_line(stderr_text)
    if not excerpt:
        return reason + "; its stderr was empty"
    if len(excerpt) > STDERR_EXCERPT:
        excerpt = "..." + excerpt[-STDERR_EXCERPT:]
    return reason + "; its stderr: " + excerpt


def replay(request):
    scenario = request["scenario"]
    workdir = native(request["workdir"])
    probe = native(request["probe"])
    timeout_ms = request.get("timeout_ms", 10000)
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or not 1 <= timeout_ms <= 86400000:
        raise Malformed("request.timeout_ms: expected 1..86400000, got %r" % (timeout_ms,))
    timeout = timeout_ms / 1000.0
    # The scenario parent's own values: this runs in it (docs/SCENARIO_FORMAT.md, "Placeholders").
    placeholders = {"probe": probe, "probe_dir": os.path.dirname(probe) or ".", "workdir": workdir,
                    "parent_pid": str(os.getpid()), "parent_pgid": str(os.getpgid(0)),
                    "parent_sid": str(os.getsid(0)), "uid": str(os.getuid()), "gid": str(os.getgid())}
    confined = is_confined(scenario)
    resources, closed = prepare_parent(scenario, workdir, placeholders)
    audit_events = record_audit_events() if (scenario.get("parent") or {}).get("audit") else None
    exclude = (RESULT_CHANNEL_FD,)
    result = base_result(scenario["id"], "ran")
    result["runtime_owned"] = RUNTIME_OWNED
    parent = snapshot(exclude)
    parent["resources"] = resource_map(resources, closed)
    result["parent"] = parent
    adopt_orphans()
    if scenario.get("steps") is not None:
        if scenario.get("spawn") is not None:
            raise Malformed("a scenario has exactly one of spawn and steps")
        StepsReplay(resources, closed, placeholders, confined, timeout, exclude).run(scenario["steps"], result)
        attach_audit_events(result, audit_events)
        return result
    report_path = os.path.join(workdir, "probe.json")
    child = Child(report_path=report_path)
    start_spawn(child, scenario.get("spawn"), resources, placeholders, "--report=" + report_path, confined, "spawn")
    if child.pid is not None and not finish_child(child, timeout):
        child.outcome.error = TIMEOUT_REASON % (timeout * 1000)
        reap_adopted_orphans()
    outcome = child.outcome
    if outcome.error:
        result["status"] = "error"
        result["reason"] = one_line(outcome.error)
    result["outcome"] = outcome.value
    result["parent_after"] = snapshot(exclude)
    attach_audit_events(result, audit_events)
    if not outcome.error:
        present, result["probe"] = read_report(report_path)
        if not present and outcome.value == {"kind": "exited", "returncode": REPORT_EXIT_FAILED}:
            # The probe's own failure, not an observation (docs/PROBE.md: status 3).
            stderr_text = probe_stderr(outcome, workdir)
            result["status"] = "error"
            result["reason"] = report_failure_reason(report_path, stderr_text)
            result["stderr"] = stderr_text
    return result


# ---------------------------------------------------------------- a steps scenario

SPAWN_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
RESERVED_NAMES = ("child", "parent", "parent_after", "outcome", "step", "steps")
POPEN_METHODS = ("poll", "wait", "communicate", "send_signal", "terminate", "kill", "returncode")
SPAWN_RAISED = {"skipped": "the spawn raised"}
REPORT_POLL_SECONDS = 0.001
STEP_KINDS = ("spawn", "call", "wait", "parent", "together")
SPAWN_KINDS = ("popen", "posix_spawn", "posix_spawnp", "fork_exec")
TOGETHER_KINDS = ("spawn", "call", "wait", "parent")
TOGETHER_SIZES = (2, 8)
CHURN_MOST = 10000
# How long after the deadline a together step's threads may take to end
# (every wait in them is bounded by the deadline; this covers the spawn calls
# themselves), then again once every process below the scenario parent was killed.
THREAD_JOIN_MARGIN = 2.0


def has_exited(pid):
    """Whether the child has exited, without reaping it."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True  # SIGCHLD ignored: the kernel reaped it as it exited


def asks_to_hold(spec):
    """Whether the spawn's argv asks the probe to stay alive after its report (--hold=)."""
    for kind, block in spec.items():
        argv = block.get("argv") if isinstance(block, dict) else None
        if isinstance(argv, str):
            return "--hold=" in argv
        if isinstance(argv, list):
            return any(isinstance(word, str) and word.startswith("--hold=") for word in argv)
    return False


def raised(error):
    number = getattr(error, "errno", None)
    return {"raised": {"error_class": type(error).__name__,
                       "errno_name": errno.errorcode.get(number) if number else None}}


def step_kind(step, where, kinds):
    """A step's (kind, spec): a mapping with exactly one of `kinds`."""
    if not isinstance(step, dict) or len(step) != 1 or list(step)[0] not in kinds:
        if kinds is TOGETHER_KINDS and isinstance(step, dict) and list(step) == ["together"]:
            raise Malformed("%s: a together step cannot hold another" % where)
        raise Malformed("%s: expected exactly one of %s" % (where, ", ".join(kinds)))
    return list(step.items())[0]


def churn(count, inheritable):
    """Opens /dev/null `count` times, each fd made inheritable or left as
    os.open gives it (close-on-exec, PEP 446), and closes each at once."""
    for _ in range(count):
        fd = os.open(os.devnull, os.O_RDONLY)
        try:
            if inheritable:
                os.set_inheritable(fd, True)
        finally:
            os.close(fd)
    return count


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= CHURN_MOST


def write_whole(path, value):
    """`value` as one JSON line at `path`, complete when it appears: written
    under another name (never through a symlink), then renamed into place."""
    temporary = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        try:
            os.fchmod(fd, 0o644)  # readable by the scenario parent whatever the scenario's umask
            write_all(fd, (json_line(value) + "\n").encode("ascii"))
        finally:
            os.close(fd)
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def nested_spawn_steps(spec):
    """The spawn steps in the child steps of a spawn step's fork_exec block,
    as (index, step's spawn mapping); [] for any other spawn."""
    if not isinstance(spec, dict) or any(kind in spec for kind in SPAWN_KINDS[:3]):
        return []
    block = spec.get("fork_exec")
    steps = block.get("steps") if isinstance(block, dict) else None
    if not isinstance(steps, list):
        return []
    return [(index, step["spawn"]) for index, step in enumerate(steps) if is_spawn_step(step)]


def kill_everything_below():
    """SIGKILL to every process below the scenario parent (a together step
    whose thread did not end: what it started may be unknown yet)."""
    for pid in descendants_of(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class StepsReplay(object):
    """A steps scenario (docs/SCENARIO_FORMAT.md, "Steps"), run after the parent
    snapshot: named spawns that do not wait for their child, Popen calls, waits
    and os calls in the parent, in order; then every child not yet reaped is
    waited for as the single form does, all within one deadline."""

    def __init__(self, resources, closed, placeholders, confined, timeout, exclude):
        self.resources = resources
        self.closed = closed
        self.placeholders = placeholders
        self.workdir = placeholders["workdir"]
        self.confined = confined
        self.timeout = timeout
        self.exclude = exclude
        self.deadline = time.monotonic() + timeout
        self.children = []     # Child per spawn step, in order (a spawn inside a child right after its outer one)
        self.by_name = {}
        self.nested = {}       # name: Child of each spawn inside a fork_exec child (no call or wait may name one)
        self.pipe_ends = []    # (resource name, file object): popen children's parent-side pipe ends
        self.errors = []       # what makes the cell an error, one reason per child
        self.stopped = None    # why the remaining steps do not run (the deadline passed)
        # A together step: its threads change errors, stopped and children's
        # outcomes under this lock, and leave the fds a parent call replaced in
        # `deferred` (not None only while one runs): the resource table is
        # left as it was until every thread is joined.
        self.lock = threading.Lock()
        self.deferred = None

    def remaining(self):
        """Seconds left before the deadline; never 0, which would disarm the wait's timer."""
        return max(self.deadline - time.monotonic(), 0.001)

    def run(self, steps, result):
        if not isinstance(steps, list):
            raise Malformed("steps: expected a list")
        try:
            outcomes = [self.step(step, "steps[%d]" % index) for index, step in enumerate(steps)]
            self.finish()
        except BaseException:
            self.abandon()
            raise
        result["steps"] = outcomes
        result["parent_after"] = snapshot(self.exclude)
        result["spawns"] = [self.spawn_entry(child, result) for child in self.children]
        if self.errors:
            result["status"] = "error"
            result["reason"] = one_line("; ".join(self.errors))

    def step(self, step, where):
        kind, spec = step_kind(step, where, STEP_KINDS)
        if kind == "spawn":
            self.spawn(spec, where + ".spawn")
            return None
        if kind == "together":
            return self.together(spec, where + ".together")
        return self.act(kind, spec, where)

    def act(self, kind, spec, where):
        """A call, wait or parent step's entry."""
        if kind == "call":
            return self.call(spec, where + ".call")
        if kind == "wait":
            return self.wait(spec, where + ".wait")
        return self.parent_call(spec, where + ".parent")

    # -------- spawn

    def spawn(self, spec, where):
        child = self.reserve(spec, where, self.by_name)
        nested = self.reserve_nested(child, spec, where)
        if self.stopped:
            return
        runner = None
        if nested:
            # The forked child's placeholders are the scenario parent's as they are now.
            placeholders = dict(self.placeholders)
            for inner, inner_spec, inner_where in nested:
                check_spawn_arguments(inner_spec, self.resources, placeholders, self.confined, inner_where)
            runner = self.nested_runner(nested, placeholders)
        child.parent = self.parent_snapshot()
        for inner, _, _ in nested:
            inner.parent = child.parent
        self.start(child, spec, self.placeholders, where, runner)
        self.publish(child)

    # -------- a spawn inside a fork_exec child

    def reserve_nested(self, child, spec, where):
        """The spawns in the child steps of a fork_exec spawn step, each given
        its Child and its place in `spawns`, right after its outer spawn's:
        [(Child, its spawn mapping, where)], [] when there are none."""
        nested = []
        for index, inner_spec in nested_spawn_steps(spec):
            inner_where = "%s.fork_exec.steps[%d].spawn" % (where, index)
            block = spec["fork_exec"]["steps"][index]
            if len(block) != 1:
                raise Malformed("%s: a child step has exactly one key" % inner_where[:-len(".spawn")])
            if not isinstance(inner_spec, dict):
                raise Malformed("%s: expected a mapping" % inner_where)
            kinds = [key for key in inner_spec if key != "name"]
            if len(kinds) != 1 or kinds[0] not in SPAWN_KINDS:
                raise Malformed("%s: expected name and exactly one of %s" % (inner_where, ", ".join(SPAWN_KINDS)))
            inner = self.reserve(inner_spec, inner_where, self.nested)
            inner.outer = child
            nested.append((inner, inner_spec, inner_where))
        return nested

    def nested_path(self, child):
        return os.path.join(self.workdir, "nested-%s.json" % child.name)

    def nested_runner(self, nested, placeholders):
        """What the forked child calls at each of its spawn steps (start_fork_exec's `nested`)."""
        plan = dict((id(inner_spec), (inner, inner_where)) for inner, inner_spec, inner_where in nested)

        def run(inner_spec):
            inner, inner_where = plan[id(inner_spec)]
            self.run_nested(inner, inner_spec, placeholders, inner_where)
        return run

    def run_nested(self, child, spec, placeholders, where):
        """In the forked child of a fork_exec spawn: the spawn, started as any
        other and waited for as the single form does (within what is left of
        the deadline; on expiry its tree is killed), then what it did written
        whole to workdir/nested-NAME.json. What the spawn raised is its outcome;
        only a file that cannot be written raises (the child's step failed)."""
        seen = {"pid": None, "outcome": None, "error": None}
        try:
            start_spawn(child, spec, self.resources, placeholders, "--report=" + child.report_path,
                        self.confined, where)
            seen["pid"] = child.pid
            if child.pid is not None and not finish_child(child, self.remaining()):
                seen["error"] = TIMEOUT_REASON % (self.timeout * 1000)
            else:
                seen["outcome"] = child.outcome.value
        except BaseException as error:  # Skip, Malformed, Refused found only now; anything else
            if isinstance(error, (Skip, Malformed, Refused, Failed)):
                seen["error"] = one_line("%s: %s" % (type(error).__name__.lower(), error))
            else:
                seen["error"] = one_line("the spawn failed: %s" % failure_text(error))
        write_whole(self.nested_path(child), seen)

    def read_nested(self, child):
        """The scenario parent's side, once the outer child was waited for: pid
        and outcome from nested-NAME.json; both stay null when there is none
        (the outer child never got that far)."""
        path = self.nested_path(child)
        present, seen = read_report(path)
        if not present:
            return
        if not isinstance(seen, dict) or set(seen) != set(("pid", "outcome", "error")) \
                or not (seen["pid"] is None or isinstance(seen["pid"], int)) \
                or not (seen["outcome"] is None or isinstance(seen["outcome"], dict)):
            child.outcome.error = "%s holds no spawn's result" % path
        else:
            child.pid = seen["pid"]
            child.outcome.value = seen["outcome"]
            if seen["error"]:
                child.outcome.error = one_line(str(seen["error"]))
        if child.outcome.error:
            self.errors.append("child %s: %s" % (child.name, child.outcome.error))

    def reserve(self, spec, where, names):
        """The spawn's Child, its place in `spawns` taken (in the order written);
        its name goes into `names` (by_name, or a together step's own until its threads end)."""
        if not isinstance(spec, dict):
            raise Malformed("%s: expected a mapping" % where)
        name = spec.get("name")
        if not isinstance(name, str) or not SPAWN_NAME.match(name) or name in RESERVED_NAMES:
            raise Malformed("%s.name: expected [a-z][a-z0-9_]*, at most 32 characters, not a reserved word; got %r"
                            % (where, name))
        if name in self.by_name or name in names or name in self.nested:
            raise Malformed("%s.name: a second spawn named %r" % (where, name))
        child = Child(name, os.path.join(self.workdir, "probe-%s.json" % name))
        self.children.append(child)
        names[name] = child
        return child

    def start(self, child, spec, placeholders, where, nested=None):
        """Starts the child and waits until it has settled. Touches nothing
        shared but `errors` and `stopped` (through time_out), so a together
        step runs several at once. `nested`: see start_fork_exec."""
        start_spawn(child, spec, self.resources, placeholders, "--report=" + child.report_path,
                    self.confined, where, nested)
        if child.pid is None:
            return
        # Done once it has exited (seen without reaping it), or, for a child that
        # holds, once its report is in place (linked whole): either way every
        # later step meets it in a known state.
        holds = asks_to_hold(spec)
        while not (holds and os.path.exists(child.report_path)) and not has_exited(child.pid):
            if time.monotonic() >= self.deadline:
                self.time_out(child, "before its report appeared")
                return
            time.sleep(REPORT_POLL_SECONDS)

    def publish(self, child):
        """What later steps may name once the child started: {pid:NAME} and a
        popen child's pipe ends NAME.stdin/.stdout/.stderr."""
        if child.pid is None:
            return
        self.placeholders["pid:" + child.name] = str(child.pid)
        if child.process is not None:
            for stream in ("stdin", "stdout", "stderr"):
                end = getattr(child.process, stream)
                if end is not None:
                    self.resources.add(child.name + "." + stream, end.fileno())
                    self.pipe_ends.append((child.name + "." + stream, end))

    # -------- together

    def together(self, entries, where):
        """Its entries at once, one thread each, released by a barrier
        (docs/SCENARIO_FORMAT.md, "Threads"). Its spawns are reserved in the
        order written and share one parent snapshot taken before any thread
        starts; a spawn's pid and pipe ends are published, and the fds a parent
        call replaced forgotten, once every thread has ended, so no entry sees
        a sibling's (their order is not known)."""
        low, high = TOGETHER_SIZES
        if not isinstance(entries, list) or not low <= len(entries) <= high:
            raise Malformed("%s: expected a list of %d to %d steps" % (where, low, high))
        plan, own_names = [], {}
        for index, entry in enumerate(entries):
            inner = "%s[%d]" % (where, index)
            kind, spec = step_kind(entry, inner, TOGETHER_KINDS)
            if kind == "spawn" and nested_spawn_steps(spec):
                raise Malformed("%s.spawn.fork_exec.steps: a spawn inside the child is not for a spawn of a "
                                "together step" % inner)
            child = self.reserve(spec, inner + ".spawn", own_names) if kind == "spawn" else None
            plan.append((kind, spec, inner, child))
        shared = None
        if not self.stopped and own_names:
            shared = self.parent_snapshot()
        placeholders = dict(self.placeholders)  # no sibling's {pid:NAME}
        entries_done = [None] * len(plan)  # what each thread's step returned
        failures = [None] * len(plan)
        barrier = threading.Barrier(len(plan))

        def run_entry(index):
            kind, spec, inner, child = plan[index]
            try:
                barrier.wait(self.remaining() + THREAD_JOIN_MARGIN)
                if child is None:
                    entries_done[index] = self.act(kind, spec, inner)
                elif not self.stopped:
                    child.parent = shared
                    self.start(child, spec, placeholders, inner + ".spawn")
            except BaseException as error:  # re-raised in the main thread once all are joined
                failures[index] = error

        self.deferred = []
        threads = []
        with QuietWarnings():  # for every thread: catch_warnings is not thread-safe
            try:
                for index in range(len(plan)):
                    thread = threading.Thread(target=run_entry, args=(index,),
                                              name="fdconform %s[%d]" % (where, index))
                    thread.daemon = True  # one that never ends must not keep the scenario parent
                    thread.start()
                    threads.append(thread)
            except Exception as error:  # RuntimeError: can't start new thread
                barrier.abort()
                for thread in threads:
                    thread.join()
                self.deferred = None
                raise Failed("%s: cannot start a thread: %s" % (where, failure_text(error)))
            stuck = self.join_all(threads, plan)
        forgotten, self.deferred = self.deferred, None
        # Read once: a thread that ended too late changes nothing from here on.
        results = [{"skipped": "its thread did not end by the deadline"} if index in stuck else entries_done[index]
                   for index in range(len(plan))]
        for index, failure in enumerate(failures):
            if failure is not None and index not in stuck:
                raise failure  # the first in the order written, as the steps one by one would
        for fd in forgotten:
            self.resources.forget_fd(fd)
        for kind, spec, inner, child in plan:
            if child is not None:
                self.by_name[child.name] = child
                self.publish(child)
        return results

    def join_all(self, threads, plan):
        """Waits for every thread until the deadline and a margin; one still
        running then makes the cell an error naming its step: every process
        below the scenario parent is killed, which ends any wait it is in.
        The indexes of the threads that did not end in time."""
        for thread in threads:
            thread.join(max(self.deadline + THREAD_JOIN_MARGIN - time.monotonic(), 0))
        stuck = set(index for index, thread in enumerate(threads) if thread.is_alive())
        if not stuck:
            return stuck
        with self.lock:
            for index in stuck:
                self.errors.append("%s: its thread was still running %d ms after the deadline"
                                   % (plan[index][2], THREAD_JOIN_MARGIN * 1000))
            self.stopped = "the deadline passed"
        kill_everything_below()
        for index in sorted(stuck):
            threads[index].join(THREAD_JOIN_MARGIN)
        return stuck

    def parent_snapshot(self):
        """The parent right before a spawn, with the resource map of that moment:
        pipe ends communicate() closed and fds a parent step closed or replaced are left out."""
        for name, end in self.pipe_ends:
            if end.closed:
                self.resources.gone.add(name)
        taken = snapshot(self.exclude)
        taken["resources"] = resource_map(self.resources, self.closed)
        return taken

    # -------- call, wait

    def earlier_child(self, name, where):
        if isinstance(name, str) and name in self.nested:
            raise Malformed("%s: %r is a spawn inside the child %r, which is its parent: the scenario parent can "
                            "neither call nor wait on it" % (where, name, self.nested[name].outer.name))
        if not isinstance(name, str) or name not in self.by_name:
            raise Malformed("%s: %r names no earlier spawn" % (where, name))
        return self.by_name[name]

    def call(self, spec, where):
        if not isinstance(spec, dict):
            raise Malformed("%s: expected a mapping" % where)
        child = self.earlier_child(spec.get("child"), where + ".child")
        method = spec.get("method")
        if method not in POPEN_METHODS:
            raise Malformed("%s.method: expected one of %s, got %r" % (where, ", ".join(POPEN_METHODS), method))
        signum = None
        if method == "send_signal":
            if not isinstance(spec.get("signal"), str):
                raise Malformed("%s.signal: send_signal needs a signal name" % where)
            signum = signal_number(spec["signal"])
        if self.stopped:
            return {"skipped": self.stopped}
        if child.pid is None:
            return SPAWN_RAISED
        process = child.process
        if process is None:
            raise Malformed("%s.child: %r is not a popen spawn" % (where, child.name))
        try:
            if method == "poll":
                value = process.poll()
            elif method == "wait":
                wait_for_popen(process, self.remaining())
                value = process.wait()
            elif method == "communicate":
                out, err = process.communicate(timeout=self.remaining())
                if err is not None:
                    child.outcome.stderr = err
                value = {"stdout": None if out is None else len(out), "stderr": None if err is None else len(err)}
            elif method == "send_signal":
                value = process.send_signal(signum)
            elif method == "terminate":
                value = process.terminate()
            elif method == "kill":
                value = process.kill()
            else:
                value = process.returncode
        except subprocess.TimeoutExpired:
            return self.time_out(child, "in %s()" % method)
        except Exception as error:
            return raised(error)
        return {"returned": value}

    def wait(self, name, where):
        child = self.earlier_child(name, where)
        if self.stopped:
            return {"skipped": self.stopped}
        if child.pid is None:
            return SPAWN_RAISED
        try:
            if child.process is not None:
                wait_for_popen(child.process, self.remaining())
                value = child.process.wait()
            else:
                if child.code is None:  # once reaped, its returncode, as Popen.wait answers
                    code = wait_with_deadline(child.pid, self.remaining())
                    if code is None:
                        raise subprocess.TimeoutExpired(child.name, self.timeout)
                    child.code = code
                value = child.code
        except subprocess.TimeoutExpired:
            return self.time_out(child, "in a wait step")
        except Exception as error:
            return raised(error)
        return {"returned": value}

    def time_out(self, child, when):
        """The deadline passed while waiting for `child`: it and its tree are
        killed and reaped, the cell is an error naming it, no further step runs.
        Under the lock: two threads of a together step may both wait for it."""
        with self.lock:
            if not child.outcome.error:
                kill_and_reap(child)
                child.outcome.error = TIMEOUT_REASON % (self.timeout * 1000)
                self.errors.append("child %s: %s (%s)" % (child.name, child.outcome.error, when))
            self.stopped = "the deadline passed"
        return {"skipped": "the deadline passed: child %s was killed" % child.name}

    # -------- parent

    def parent_fd(self, reference, where):
        fd = self.resources.resolve(reference)
        if fd == RESULT_CHANNEL_FD:
            raise Malformed("%s: fd %d is the driver's result channel" % (where, RESULT_CHANNEL_FD))
        return fd

    def parent_call(self, spec, where):
        if not isinstance(spec, dict) or len(spec) != 1:
            raise Malformed("%s: expected exactly one of close, set_inheritable, get_inheritable, dup2, churn" % where)
        call, args = list(spec.items())[0]
        replaced = None  # the fd whose names no longer describe it once the call succeeded
        if call in ("close", "get_inheritable"):
            fd = self.parent_fd(args, "%s.%s" % (where, call))
            replaced = fd if call == "close" else None
            action = os.close if call == "close" else os.get_inheritable
            arguments, keywords = (fd,), {}
        elif call == "set_inheritable" and isinstance(args, dict) and isinstance(args.get("value"), bool):
            arguments, keywords = (self.parent_fd(args.get("fd"), where + ".set_inheritable.fd"), args["value"]), {}
            action = os.set_inheritable
        elif call == "dup2" and isinstance(args, dict) and isinstance(args.get("inheritable", True), bool):
            fd = self.parent_fd(args.get("fd"), where + ".dup2.fd")
            target = self.parent_fd(args.get("to"), where + ".dup2.to")
            replaced = target if target != fd else None
            action = os.dup2
            arguments, keywords = (fd, target), {"inheritable": args.get("inheritable", True)}
        elif call == "churn":
            if not isinstance(args, dict) or not is_count(args.get("count")) \
                    or not isinstance(args.get("inheritable"), bool):
                raise Malformed("%s.churn: expected {count: 1..%d, inheritable: true or false}; got %r"
                                % (where, CHURN_MOST, args))
            action = churn
            arguments, keywords = (args["count"], args["inheritable"]), {}
        else:
            raise Malformed("%s: expected close: FD, set_inheritable: {fd, value}, get_inheritable: FD, "
                            "dup2: {fd, to, inheritable} or churn: {count, inheritable}; got %r" % (where, spec))
        if self.stopped:
            return {"skipped": self.stopped}
        try:
            value = action(*arguments, **keywords)  # os.dup2 returns None before 3.7, the fd after
        except Exception as error:
            return raised(error)
        if replaced is not None:
            self.forget_fd(replaced)
        return {"returned": value}

    def forget_fd(self, fd):
        """Resources.forget_fd, left for after the join inside a together step."""
        with self.lock:
            if self.deferred is not None:
                self.deferred.append(fd)
                return
        self.resources.forget_fd(fd)

    # -------- the end

    def finish(self):
        """Every child not yet reaped is waited for as the single form does,
        within what is left of the deadline; one still running then is killed."""
        for child in self.children:
            if child.outer is not None or child.pid is None or child.outcome.error:
                continue
            if not child.running():
                child.outcome.value = returncode_outcome(child.returncode())
            elif not finish_child(child, self.remaining()):
                child.outcome.error = TIMEOUT_REASON % (self.timeout * 1000)
                self.errors.append("child %s: %s" % (child.name, child.outcome.error))
        for child in self.children:  # every outer child has been waited for by now
            if child.outer is not None:
                self.read_nested(child)
        if self.errors:
            reap_adopted_orphans()  # every child it knows is reaped: what is left is a killed child's

    def abandon(self):
        """An exception ends the replay (a malformed step, a skip): no child outlives the scenario parent."""
        for child in self.children:
            if child.outer is None and child.running():  # not a grandchild: its parent was the outer child
                try:
                    kill_and_reap(child)
                except Exception:
                    pass
        try:
            reap_adopted_orphans()
        except Exception:
            pass

    def spawn_entry(self, child, result):
        entry = {"name": child.name, "pid": child.pid, "outcome": child.outcome.value, "parent": child.parent,
                 "probe": None}
        if child.pid is None or child.outcome.error:
            return entry
        present, entry["probe"] = read_report(child.report_path)
        if not present and child.outcome.value == {"kind": "exited", "returncode": REPORT_EXIT_FAILED}:
            # The probe's own failure, not an observation (docs/PROBE.md: status 3).
            stderr_text = probe_stderr(child.outcome, self.workdir)
            self.errors.append("child %s: %s" % (child.name, report_failure_reason(child.report_path, stderr_text)))
            result.setdefault("stderr", stderr_text)
        return entry


# ---------------------------------------------------------------- dying with the runner

def die_with_parent(signum, expected_parent):
    """PR_SET_PDEATHSIG: `signum` when the parent dies. The parent may have died
    before the call took effect: then exit at once. False when prctl is missing or fails."""
    if LIBC is None or LIBC.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return False
    if os.getppid() != expected_parent:
        os._exit(1)
    return True


GUARDED_SIGNALS = (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def start_guardian():
    """Splits the process the runner started in two. This one becomes the
    guardian: a child subreaper that dies with the runner (its death signal,
    SIGTERM, is waited for, not handled) and then kills everything below it,
    orphans included. The child, which dies with the guardian (SIGKILL),
    returns from here and serves the protocol; its scenario parents die with
    it. Without ctypes, prctl or a fork, the driver serves unguarded and says so."""
    if LIBC is None:
        say_once("ctypes/libc unavailable (%s): the driver cannot die with the runner (PR_SET_PDEATHSIG) "
                 "nor adopt orphans (PR_SET_CHILD_SUBREAPER)" % LIBC_MISSING)
        return
    runner = os.getppid()
    signal.pthread_sigmask(signal.SIG_BLOCK, GUARDED_SIGNALS)
    if LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0 or \
            LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        problem = os_error_text(OSError(ctypes.get_errno(), "prctl"))
        LIBC.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        say_once("prctl failed with %s: the driver will not die with the runner" % problem)
        return
    if os.getppid() != runner:
        os._exit(1)  # the runner is already gone: nobody to serve
    guardian = os.getpid()
    try:
        worker = os.fork()
    except OSError as error:
        LIBC.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        die_with_parent(signal.SIGKILL, runner)
        say_once("cannot fork the guardian (os.fork() failed with %s): serving unguarded, so a runner killed "
                 "with SIGKILL may leave this driver's children behind" % os_error_text(error))
        return
    if worker == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the baseline: an empty mask
        die_with_parent(signal.SIGKILL, guardian)
        return
    guard(worker)


def guard(worker):
    """The guardian's life: wait for the worker's exit or the runner's death,
    end every process left below, and leave the way the worker did."""
    try:  # the worker's stdin and stdout: hold no copy of them
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass
    status = None
    while status is None:
        signum = signal.sigwaitinfo(GUARDED_SIGNALS).si_signo
        if signum != signal.SIGCHLD:  # the runner died (PR_SET_PDEATHSIG), or we are told to stop
            reap_adopted_orphans()
            exit_like(signum, None)
        while True:
            try:
                pid, reaped = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            if pid == worker:
                status = reaped
    reap_adopted_orphans()  # whatever a dead scenario parent left to us
    exit_like(None, status)


def exit_like(signum, status):
    if status is not None:
        if not os.WIFSIGNALED(status):
            os._exit(os.WEXITSTATUS(status))
        signum = os.WTERMSIG(status)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        if signum != signal.SIGKILL:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum])
        os.kill(os.getpid(), signum)
    finally:
        os._exit(128 + signum)


# ---------------------------------------------------------------- serving requests

def run_scenario_parent(request, channel, driver):
    die_with_parent(signal.SIGKILL, driver)
    scenario_id = request["scenario"].get("id", "?")
    out = channel
    try:
        if channel != RESULT_CHANNEL_FD:
            try:
                os.dup2(channel, RESULT_CHANNEL_FD, inheritable=False)
            except OSError as error:  # typically RLIMIT_NOFILE at or below 1023
                answer(base_result(scenario_id, "error", "cannot move the result channel to fd %d: %s "
                                   "(RLIMIT_NOFILE must be above %d)"
                                   % (RESULT_CHANNEL_FD, error.strerror, RESULT_CHANNEL_FD)), channel)
                os._exit(0)
            os.close(channel)
            out = RESULT_CHANNEL_FD
        redirect_standard_fds(native(request["workdir"]))
        result = replay(request)
    except Skip as why:
        result = base_result(scenario_id, "skip", str(why))
    except Malformed as why:
        result = base_result(scenario_id, "error", "malformed request: %s" % why)
    except (Refused, Failed) as why:
        result = base_result(scenario_id, "error", str(why))
    except BaseException as error:  # the scenario parent must always answer
        result = base_result(scenario_id, "error", "scenario parent failed: %s" % failure_text(error))
    try:
        answer(result, out)
    finally:
        os._exit(0)


def answer(result, fd):
    data = json_line(result).encode("ascii")
    while data:
        try:
            written = os.write(fd, data)
        except OSError:
            return  # the driver is gone: nobody to tell
        data = data[written:]


def parse_request(line):
    """The request of one line (bytes), or Malformed saying what is wrong with it."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed("not UTF-8: %s" % error)
    try:
        request = json.loads(text)
    except Exception as error:  # ValueError, RecursionError for absurd nesting
        raise Malformed("not JSON: %s" % failure_text(error))
    if not isinstance(request, dict) or request.get("request") != 1:
        raise Malformed("not a protocol-1 request")
    for key in ("scenario", "workdir", "probe"):
        if key not in request:
            raise Malformed("missing %r" % key)
    if not isinstance(request["scenario"], dict):
        raise Malformed("scenario: expected an object")
    for key in ("workdir", "probe"):
        if not isinstance(request[key], str) or not request[key] or "\0" in request[key]:
            raise Malformed("%s: expected a non-empty path" % key)
    return request


def serve_one(line):
    try:
        request = parse_request(line)
    except Malformed as why:
        return base_result("?", "error", "malformed request: %s" % why)
    scenario_id = request["scenario"].get("id", "?")
    try:
        return run_in_scenario_parent(request, scenario_id)
    except Failed as why:
        return base_result(scenario_id, "error", str(why))
    except Exception as error:
        return base_result(scenario_id, "error", "the driver failed while serving the request: %s"
                           % failure_text(error))


def run_in_scenario_parent(request, scenario_id):
    try:
        read_end, write_end = os.pipe()
    except OSError as error:
        raise Failed("cannot create the scenario parent's result pipe: os.pipe() failed with %s"
                     % os_error_text(error))
    driver = os.getpid()
    sys.stdout.flush()
    try:
        pid = os.fork()
    except OSError as error:  # EAGAIN under RLIMIT_NPROC, ENOMEM
        os.close(read_end)
        os.close(write_end)
        raise Failed("cannot start the scenario parent: os.fork() failed with %s" % os_error_text(error))
    if pid == 0:
        try:
            os.close(read_end)
            run_scenario_parent(request, write_end, driver)
        finally:
            os._exit(1)  # never back into the driver's loop
    os.close(write_end)
    chunks = []
    try:
        while True:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except Exception:
        if os.WIFSIGNALED(status):
            how = "was killed by signal %d" % os.WTERMSIG(status)
        else:
            how = "exited with status %d" % os.WEXITSTATUS(status)
        result = base_result(scenario_id, "error", "the scenario parent %s without a result" % how)
        result["harness_error"] = result["reason"]
        return result


def safe_hello():
    try:
        return hello()
    except Exception as error:
        say_once("hello: %s" % failure_text(error))
        return {"fdconform_driver": 1,
                "implementation": {"id": IMPLEMENTATION_ID, "name": "CPython", "version": VERSION_TEXT,
                                   "language": "python", "detail": "?"},
                "semantics": {"python": VERSION_TEXT},
                "features": []}


def main():
    # Once here rather than in every scenario parent: each fork inherits the
    # dispositions and the mask, and the warm process never changes them.
    try:
        apply_baseline_signals()
    except Exception as error:
        say_once("cannot set the baseline signals: %s" % failure_text(error))
    if sys.stdin is None or sys.stdout is None:
        say_once("stdin and stdout must be open (the protocol's pipes)")
        return 2
    start_guardian()
    out = sys.stdout.buffer
    try:
        out.write(json_line(safe_hello()).encode("ascii") + b"\n")
        out.flush()
        for line in sys.stdin.buffer:
            if not line.strip():
                continue
            out.write(json_line(serve_one(line)).encode("ascii") + b"\n")
            out.flush()
    except BrokenPipeError:
        say_once("the runner closed the driver's stdout")
        try:  # nothing left to flush at exit, so no second complaint
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
        except OSError:
            pass
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
