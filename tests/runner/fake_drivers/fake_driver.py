#!/usr/bin/env python3
"""A stand-in driver speaking docs/PROTOCOL.md, for testing the runner without real spawns.

Usage: fake_driver.py MODE [NAME]. MODE says how it misbehaves:
  ok            answers every request with a plausible "ran" result (variant {"deviate": "umask"}
                makes the child's umask 077; the scenario's id "skip-me" gives a skip result)
  no-api        as ok, but a runtime whose public API cannot express scenario "plain-spawn": it answers
                that one with status "no_api" and the capability "fd at child fd 7"
  hang          says hello, then never answers
  no-hello      never says hello
  crash         says hello, then kills itself with SIGSEGV on the first request
  garbage       answers with a line that is not JSON
  wrong-number  answers with the wrong result number
  bad-hello     says something that is not a hello
"""
import json
import os
import signal
import sys
import time

mode = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else "fake"


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if mode == "no-hello":
    time.sleep(3600)
if mode == "bad-hello":
    send({"hello": "world"})
    time.sleep(3600)
send({"fdconform_driver": 1,
      "implementation": {"id": name, "name": "Fake", "version": "1.0", "language": "python", "detail": mode},
      "features": ["posix_spawn", "umask"]})


def fd(n, kind, access, ino, path, ofd):
    return {"fd": n, "kind": kind, "access": access, "flags": [], "cloexec": False, "offset": 0,
            "dev": 10, "ino": ino, "rdev": 0, "path": path, "ofd": ofd}


def result_for(request):
    workdir = request["workdir"]
    variant = request.get("variant") or {}
    scenario = request["scenario"]
    if scenario["id"] == "skip-me":
        return {"result": request["request"], "scenario": scenario["id"], "implementation": name,
                "status": "skip", "reason": "fake skip"}
    if mode == "no-api" and scenario["id"] == "plain-spawn":
        return {"result": request["request"], "scenario": scenario["id"], "implementation": name,
                "status": "no_api", "reason": None, "capability": "fd at child fd 7"}
    std = [fd(0, "file", "rdonly", 100, workdir + "/parent.stdin", 0),
           fd(1, "file", "wronly", 101, workdir + "/parent.stdout", 1),
           fd(2, "file", "wronly", 102, workdir + "/parent.stderr", 2)]
    snapshot = {"pid": 500, "ppid": 400, "sid": 400, "pgid": 400, "cwd": workdir, "umask": "022",
                "env": ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"],
                "uid": 0, "euid": 0, "suid": 0, "gid": 0, "egid": 0, "sgid": 0, "groups": [0],
                "signals": {"ignored": ["SIGPIPE", "SIGXFSZ"], "caught": ["SIGINT"], "blocked": []}}
    parent = dict(snapshot, fds=std + [fd(1023, "pipe", "wronly", 999, "pipe:[999]", 3)],
                  resources={"parent.stdin": 0, "parent.stdout": 1, "parent.stderr": 2})
    probe = dict(snapshot, pid=501, ppid=500, fds=std, argv=[request["probe"], "--report=" + workdir + "/probe.json"],
                 signals={"ignored": [], "caught": [], "blocked": []})
    if variant.get("deviate") == "umask":
        probe["umask"] = "077"
    return {"result": request["request"], "scenario": scenario["id"], "implementation": name, "status": "ran",
            "reason": None,
            "outcome": {"kind": "exited", "returncode": 0, "error_class": None, "errno": None, "filename": None,
                        "message": None},
            "parent": parent, "parent_after": {"fds": std}, "probe": probe}


for line in sys.stdin:
    request = json.loads(line)
    if mode == "hang":
        time.sleep(3600)
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "garbage":
        sys.stdout.write("this is not json\n")
        sys.stdout.flush()
        continue
    if mode == "wrong-number":
        request["request"] += 41
    send(result_for(request))
