"""Two drivers, one scenario, one scenario parent: docs/PROTOCOL.md says the
C++ driver and the CPython oracle build the same parent state, so their parent
snapshots (and parent_after) must agree on everything but pids, inode numbers
and the workdir's name.

Usage: parent_parity_test.py --runner FDCONFORM --scenarios DIR --probe PROBE
                             --requests FILE --driver A.json --driver B.json

Each --driver is a descriptor file (as for `fdconform run --driver`). The real
scenarios come from --requests (recorded by the runner, see protocol_test.py),
plus the hand-written known-state scenario of protocol_test.py.
"""
import argparse
import json
import sys
import unittest

import protocol_test

DRIVERS = []


def comparable(snapshot, workdir):
    """What must agree: fd numbers and what each is, the process state, the signal names."""
    def where(path):
        if path.startswith(("pipe:", "socket:", "anon_inode:")):
            return path.split(":", 1)[0]
        return path.replace(workdir, "{workdir}")
    fds = [(e["fd"], e["kind"], e["access"], e["flags"], e["cloexec"], e["offset"], where(e["path"]), e["ofd"])
           for e in snapshot["fds"]]
    if "umask" not in snapshot:  # parent_after: fds only
        return {"fds": fds}
    return {"fds": fds, "umask": snapshot["umask"], "env": [e.replace(workdir, "{workdir}") for e in snapshot["env"]],
            "cwd": where(snapshot["cwd"]),
            "signals": snapshot["signals"], "groups": sorted(snapshot["groups"]),
            "ids": [snapshot[k] for k in ("uid", "euid", "suid", "gid", "egid", "sgid")],
            "resources": snapshot.get("resources")}


class ParentParity(unittest.TestCase):
    maxDiff = None
    def replay_all(self, descriptor, requests, workdirs):
        driver = protocol_test.Driver(descriptor["argv"])
        try:
            driver.read_message()
            answers = []
            for request in requests:
                workdir = workdirs.new()
                driver.send(dict(request, workdir=workdir, probe=protocol_test.OPTIONS.probe,
                                 variant=descriptor.get("variant") or {}))
                answers.append((workdir, driver.read_message()))
            return answers
        finally:
            driver.stop()

    def test_parent_snapshots_agree(self):
        requests = list(protocol_test.recorded_requests())
        requests.append(protocol_test.request_for(protocol_test.minimal_scenario("known-state", parent={
            "umask": "027", "env": {"set": {"FDCONFORM_T": "x{workdir}y"}, "unset": ["LANG"]},
            "close_std": [0],
            "signals": {"ignore": ["SIGUSR1"], "catch": ["SIGUSR2"], "default": ["SIGINT"], "block": ["SIGHUP"]},
            "resources": [
                {"name": "log", "kind": "file", "content": "hello world\n", "offset": 3, "fd": 7, "inheritable": True,
                 "flags": ["append"]},
                {"name": "p", "kind": "pipe", "read": {"fd": 5}, "write": {"inheritable": True, "flags": ["nonblock"]}},
                {"name": "s", "kind": "socketpair", "a": {"inheritable": True}},
                {"name": "null", "kind": "devnull", "access": "wronly"},
                {"name": "sub", "kind": "dir"}], "cwd": "sub"}), "/unused"))
        workdirs = protocol_test.Workdirs()
        try:
            first, second = [self.replay_all(d, requests, workdirs) for d in DRIVERS]
        finally:
            workdirs.remove()
        compared = 0
        for (workdir_a, a), (workdir_b, b) in zip(first, second):
            scenario = a.get("scenario")
            self.assertEqual(scenario, b.get("scenario"))
            if a.get("status") != "ran" or b.get("status") != "ran":
                continue  # one of them cannot express it: nothing to compare
            compared += 1
            for key in ("parent", "parent_after"):
                self.assertEqual(comparable(a[key], workdir_a), comparable(b[key], workdir_b),
                                 "%s: %s differs between %s and %s" % (scenario, key, DRIVERS[0]["id"], DRIVERS[1]["id"]))
        self.assertGreaterEqual(compared, 10, "too few scenarios ran on both")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("--runner", "--scenarios", "--probe", "--requests"):
        parser.add_argument(name, required=True)
    parser.add_argument("--driver", action="append", required=True)
    options, rest = parser.parse_known_args()
    if len(options.driver) != 2:
        raise SystemExit("parent_parity_test.py: give exactly two --driver descriptor files")
    for path in options.driver:
        with open(path) as f:
            DRIVERS.append(json.load(f))
    options.record_only = False
    options.variant = {}  # each driver gets its own descriptor's variant
    protocol_test.OPTIONS = options
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
