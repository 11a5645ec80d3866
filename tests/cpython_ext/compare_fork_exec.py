"""_fdconform_posixsubprocess against the interpreter's own _posixsubprocess:
the same exception (type and message) for bad fork_exec arguments, and the
same exception or result from subprocess.run for child-side failures.

usage: python compare_fork_exec.py MODULE_DIR   (exit 0: identical, 1: differences)
"""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys

import _posixsubprocess as real


def load_core(module_dir):
    spec = importlib.machinery.PathFinder.find_spec("_fdconform_posixsubprocess", [module_dir])
    if spec is None:
        sys.exit("no _fdconform_posixsubprocess in %s" % module_dir)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BadInt:
    def __init__(self, value):
        self.value = value
        self.first = True

    def __int__(self):
        if self.first:
            self.first = False
            return self.value
        raise ValueError


# A call that is valid except for the one argument each case replaces. Every
# case fails before any child is created.
BASE = [[b"true"], [b"/bin/true"], True, (), None, None, -1, -1, -1, -1, -1, -1, 5, 6,
        True, False, -1, None, None, None, -1, None, False]
ARGUMENT_CASES = [
    ("22 args", None, None), ("24 args", None, None),
    ("fds_to_keep list", 3, [1]), ("fds_to_keep negative", 3, (-1, 2)), ("fds_to_keep str", 3, ("x", 4)),
    ("fds_to_keep huge", 3, (18, 2**63)), ("fds_to_keep unsorted", 3, (5, 4)), ("fds_to_keep dup", 3, (6, 7, 7)),
    ("fds_to_keep BadInt", 3, (BadInt(1), BadInt(2))),
    ("p2cread str", 6, "x"), ("p2cread 2**40", 6, 2**40), ("p2cread -2**40", 6, -2**40),
    ("p2cread 2**70", 6, 2**70), ("p2cread float", 6, 1.5), ("errpipe_write 2**40", 13, 2**40),
    ("errpipe_write 2 with close_fds", 13, 2),
    ("restore_signals str", 14, "x"), ("restore_signals 2**70", 14, 2**70),
    ("pgid str", 16, "x"), ("pgid -2**70", 16, -2**70), ("pgid 2**70", 16, 2**70),
    ("gid str", 17, "x"), ("gid -7", 17, -7), ("gid 2**40", 17, 2**40), ("gid 2**70", 17, 2**70),
    ("gid float", 17, 1.5),
    ("groups str", 18, "x"), ("groups tuple", 18, (1,)), ("groups float", 18, [1.5]),
    ("groups 2**40", 18, [2**40]), ("groups -5", 18, [-5]), ("groups too many", 18, list(range(100000))),
    ("uid str", 19, "x"), ("uid -7", 19, -7), ("uid 2**70", 19, 2**70),
    ("umask str", 20, "x"), ("umask 2**40", 20, 2**40),
    ("args int", 0, 123), ("args [int]", 0, [123]), ("args NUL", 0, [b"a\0b"]),
    ("executable_list int", 1, 123), ("executable_list [int]", 1, [123]), ("executable_list NUL", 1, [b"a\0"]),
    ("cwd int", 4, 123), ("cwd NUL", 4, "a\0b"), ("env int", 5, 123), ("env [int]", 5, [123]),
    ("env NUL", 5, [b"A=\0"]),
]

# subprocess.run keyword arguments whose child fails (or succeeds) in a
# version-specific way; each is run once per fork_exec.
RUN_CASES = [
    dict(args=["/nonexistent"]), dict(args=["nonexistent-command-fdconform"]),
    dict(args=["true"], cwd="/nonexistent"), dict(args=["true"], cwd="/etc/passwd"),
    dict(args=["true"], cwd="/nonexistent", preexec_fn=lambda: None),
    dict(args=["true"], process_group=0, start_new_session=True),
    dict(args=["true"], preexec_fn=lambda: 1 / 0), dict(args=["/etc/passwd"]),
    dict(args=["true"], pass_fds=(9999,)), dict(args=["true"], executable="/nonexistent/x"),
    dict(args=["sh", "-c", "umask"], umask=0o27, stdout=subprocess.PIPE),
    dict(args=["sh", "-c", "echo $0 $FOO"], env={"FOO": "bar", "PATH": os.defpath}, stdout=subprocess.PIPE),
    dict(args=["true"], env={"PATH": "/nonexistent"}),
]


def outcome(call):
    try:
        result = call()
    except BaseException as error:  # noqa: BLE001 - the exception is the result
        return (type(error).__name__, str(error), getattr(error, "filename", None))
    if isinstance(result, subprocess.CompletedProcess):
        return ("returncode", result.returncode, result.stdout)
    return ("returned", type(result).__name__)


def main():
    core = load_core(sys.argv[1])
    differences = 0
    for label, index, value in ARGUMENT_CASES:
        args = list(BASE)
        if label == "22 args":
            args = args[:22]
        elif label == "24 args":
            args = args + [None]
        else:
            args[index] = value
        if label.startswith("restore_signals"):
            args[1] = 123  # valid from 3.12 on (a truth value): fail later, before the fork
        want = outcome(lambda: real.fork_exec(*args))
        got = outcome(lambda: core.fork_exec(*args))
        if want[0] == "returned":
            print("case %r created a child with the real module; fix the case" % label)
            differences += 1
        elif want != got:
            print("DIFFERENT %s:\n  _posixsubprocess: %r\n  spawn_core:       %r" % (label, want, got))
            differences += 1
    for kwargs in RUN_CASES:
        results = []
        for module in (real, core):
            subprocess._fork_exec = module.fork_exec
            try:
                results.append(outcome(lambda: subprocess.run(**kwargs)))
            finally:
                subprocess._fork_exec = real.fork_exec
        if results[0] != results[1]:
            print("DIFFERENT run(%r):\n  _posixsubprocess: %r\n  spawn_core:       %r" % (kwargs, *results))
            differences += 1
    total = len(ARGUMENT_CASES) + len(RUN_CASES)
    print("%s %s: %d of %d cases identical" % (sys.executable, sys.version.split()[0], total - differences, total))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
