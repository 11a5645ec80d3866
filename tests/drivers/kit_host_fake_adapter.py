"""A runtime adapter for fdconform-kit-host that spawns nothing: it shows what the host gives it.

Run by the host as `python3 -I -S kit_host_fake_adapter.py --request=PATH` in each prepared
scenario parent (drivers/kit/runtime_host.hpp describes the request and outcome files). It keeps
a copy of the request as seen-request.json beside the outcome file, and before its first stop does
what the request's variant asks, as a runtime's start-up would:
  "reflag": [fds]   make these inherited fds close-on-exec (nothing else about them changes)
  "open_own": true  open /dev/null and keep it (an fd of the runtime's own)
Its outcome is `exited 0` with, as diagnostics, its pid and environment as JSON.
kit_host_test.py drives it; standard library only.
"""
import fcntl
import json
import os
import signal
import sys

HELLO = {"id": "fake-runtime-1", "name": "fake runtime", "version": "1", "language": "python",
         "detail": "kit_host_fake_adapter.py: reports what fdconform-kit-host hands it, spawns nothing",
         "features": []}


def stop():
    os.kill(os.getpid(), signal.SIGSTOP)


def set_cloexec(fd):
    fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.fcntl(fd, fcntl.F_GETFD) | fcntl.FD_CLOEXEC)


def main(args):
    if args == ["--hello"]:
        print(json.dumps(HELLO))
        return 0
    paths = [a[len("--request="):] for a in args if a.startswith("--request=")]
    if len(paths) != 1:
        sys.stderr.write("usage: kit_host_fake_adapter.py --hello | --request=PATH\n")
        return 2
    with open(paths[0], "rb") as f:
        request = json.loads(f.read().decode("utf-8"))
    for fd in request.get("close_on_exec", []):
        set_cloexec(fd)
    if request.get("measure"):
        stop()
        return 0
    with open(os.path.join(os.path.dirname(request["outcome"]), "seen-request.json"), "w") as f:
        json.dump(request, f)
    variant = request.get("variant") or {}
    for fd in variant.get("reflag", []):
        set_cloexec(fd)
    kept = os.open("/dev/null", os.O_RDONLY) if variant.get("open_own") else None
    stop()
    answer = {"pid": None, "outcome": {"kind": "exited", "returncode": 0}, "api": "none",
              "diagnostics": json.dumps({"pid": os.getpid(), "env": dict(os.environ), "kept": kept})}
    with open(request["outcome"], "w") as f:
        json.dump(answer, f)
    stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
