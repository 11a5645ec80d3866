"""Process accounting for fdconform's harness self-tests: the test process
becomes a child subreaper, so anything the runner or a driver leaves behind
ends up as its child, where these helpers find it. Standard library only."""
import ctypes
import os
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def our_descendants():
    """(pid, state) of each process whose parent is this one (orphans land here)."""
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as stat:  # bytes: a process name need not be UTF-8
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append((int(name), fields[0].decode("ascii")))
    return found


def reap_and_list_leftovers(grace_seconds=5):
    """Reaps the zombies this process inherited and returns them with every
    process still hanging off it after `grace_seconds`."""
    leftovers = []
    deadline = time.monotonic() + grace_seconds
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if pid:
            leftovers.append((pid, "reaped zombie, status %d" % status))
            continue
        alive = our_descendants()
        if not alive or time.monotonic() > deadline:
            return leftovers + alive
        time.sleep(0.1)
