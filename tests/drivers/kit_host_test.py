"""What fdconform-kit-host hands an external runtime's adapter, and what it declares for it.

    kit_host_test.py --host fdconform-kit-host --probe fdconform-probe [--perl PERL --perl-adapter adapter.pl]

Replays hand-written scenarios on the host with kit_host_fake_adapter.py (run by this Python),
which spawns nothing and keeps the request file it was given, and checks:
  - posix_spawn file actions, fork_exec steps and popen.preexec steps arrive resolved: every
    resource name as the parent's fd number, paths absolute, the probe's report argument in argv;
    a file action's path that leaves the workdir is an error before the adapter is asked;
  - runtime_owned: an fd the runtime opened is in "fds", a scenario fd whose close-on-exec flag
    alone it turned over is in "reflagged_fds" and not in "fds";
  - {parent_pid} in parent.env.set is the runtime's pid in its environment, and the scenario's
    environment is not counted as the runtime's start-up change.
With --perl, the Perl column's adapter runs a fork_exec block and a preexec list through the host
(the child holds the fds the steps made); skipped parts say so. Exits 1 on any failure.
Standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def replay(argv, scenarios, probe, work, variants=None):
    """The host's results for `scenarios` (one request each), and each request's workdir."""
    lines, workdirs = [], []
    for i, scenario in enumerate(scenarios):
        workdir = tempfile.mkdtemp(dir=work)
        os.chmod(workdir, 0o777)
        workdirs.append(workdir)
        lines.append(json.dumps({"request": 1, "scenario": scenario, "workdir": workdir, "probe": probe,
                                 "timeout_ms": 10000, "variant": (variants or {}).get(i, {})}))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"}
    done = subprocess.run(argv, input="\n".join(lines) + "\n", stdout=subprocess.PIPE, universal_newlines=True,
                          env=env, timeout=120)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(messages) != len(scenarios) + 1:
        raise SystemExit("the host answered %d lines for %d requests (exit %d)"
                         % (len(messages), len(scenarios), done.returncode))
    return messages[1:], workdirs


def seen_request(workdir):
    path = os.path.join(workdir, "seen-request.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


RESOURCES = [{"name": "log", "kind": "file", "fd": 7, "inheritable": True},
             {"name": "p", "kind": "pipe", "read": {"fd": 5}, "write": {"fd": 6}}]

FAKE_SCENARIOS = [
    {"id": "host-posix-spawn-resolved", "parent": {"resources": RESOURCES},
     "spawn": {"posix_spawn": {"file_actions": [{"dup2": ["log", 9]}, {"close": "p.read"}, {"closefrom": "p.write"},
                                                {"open": {"fd": 4, "path": "out", "flags": ["wronly", "creat"]}}]}}},
    {"id": "host-fork-exec-resolved", "parent": {"resources": RESOURCES},
     "spawn": {"fork_exec": {"steps": [{"set_inheritable": {"fd": "p.write", "value": True}},
                                       {"dup2": {"fd": "log", "to": 9, "inheritable": False}},
                                       {"close": "p.read"}]}}},
    {"id": "host-preexec-resolved", "parent": {"resources": RESOURCES},
     "spawn": {"popen": {"close_fds": False,
                         "preexec": [{"dup2": {"fd": "p.read", "to": 11}},
                                     {"signal": {"name": "SIGUSR1", "action": "ignore"}},
                                     {"open": {"path": "made", "flags": ["wronly", "creat"], "mode": "0600", "fd": 12}},
                                     {"exit": 3}]}}},
    {"id": "host-escaping-file-action", "parent": {"resources": RESOURCES},
     "spawn": {"posix_spawn": {"file_actions": [{"open": {"fd": 4, "path": "../escape", "flags": ["rdonly"]}}]}}},
    {"id": "host-reflagged-and-own", "parent": {"resources": RESOURCES},
     "spawn": {"popen": {}}},
    {"id": "host-parent-pid-in-env",
     "parent": {"env": {"set": {"FDCONFORM_SUPERVISOR": "pid={parent_pid}", "FDCONFORM_PLAIN": "x"}}},
     "spawn": {"popen": {}}},
]
FAKE_VARIANTS = {4: {"reflag": [7], "open_own": True}}


def check_fake(options, work, failures):
    argv = [options.host, "--", sys.executable, "-I", "-S", os.path.join(HERE, "kit_host_fake_adapter.py")]
    results, dirs = replay(argv, FAKE_SCENARIOS, options.probe, work, FAKE_VARIANTS)
    by_id = {scenario["id"]: (result, seen_request(workdir), workdir)
             for scenario, result, workdir in zip(FAKE_SCENARIOS, results, dirs)}

    def expect(condition, scenario, what):
        if not condition:
            result, seen, _ = by_id[scenario]
            failures.append("%s: %s\n  result %s\n  request %s" % (scenario, what, json.dumps(result)[:1500],
                                                                  json.dumps(seen)[:1500]))

    result, seen, workdir = by_id["host-posix-spawn-resolved"]
    expect(seen is not None, "host-posix-spawn-resolved", "the adapter was not asked")
    if seen:
        expect(seen["spawn"]["file_actions"] == [
            {"dup2": [7, 9]}, {"close": 5}, {"closefrom": 6},
            {"open": {"fd": 4, "path": "out", "flags": ["wronly", "creat"], "mode": 0o644}}],
            "host-posix-spawn-resolved", "file actions not resolved to fd numbers")
        expect(seen["spawn"]["argv"] == [options.probe, "--report=%s/probe.json" % workdir],
               "host-posix-spawn-resolved", "argv without the probe's report argument")

    result, seen, workdir = by_id["host-fork-exec-resolved"]
    expect(seen is not None, "host-fork-exec-resolved", "the adapter was not asked")
    if seen:
        expect(seen["spawn"] == {"argv": [options.probe, "--report=%s/probe.json" % workdir],
                                 "steps": [{"set_inheritable": {"fd": 6, "value": True}},
                                           {"dup2": {"fd": 7, "to": 9, "inheritable": False}},
                                           {"close": 5}]},
               "host-fork-exec-resolved", "fork_exec block not resolved")

    result, seen, workdir = by_id["host-preexec-resolved"]
    expect(seen is not None, "host-preexec-resolved", "the adapter was not asked")
    if seen:
        expect(seen["spawn"].get("preexec") == [
            {"dup2": {"fd": 5, "to": 11, "inheritable": True}},
            {"signal": {"name": "SIGUSR1", "number": 10, "action": "ignore"}},
            {"open": {"path": workdir + "/made", "flags": ["wronly", "creat"], "mode": 0o600, "fd": 12}},
            {"exit": 3}], "host-preexec-resolved", "preexec steps not resolved")

    result, seen, _ = by_id["host-escaping-file-action"]
    expect(result.get("status") == "error" and "leaves the workdir" in (result.get("reason") or ""),
           "host-escaping-file-action", "a file action's path outside the workdir is not an error")
    expect(seen is None, "host-escaping-file-action", "the adapter was asked about a path outside the workdir")

    result, seen, _ = by_id["host-reflagged-and-own"]
    owned = result.get("runtime_owned") or {}
    kept = json.loads(result.get("stderr") or "{}").get("kept") if result.get("status") == "ran" else None
    expect(result.get("status") == "ran", "host-reflagged-and-own", "not run")
    expect(kept is not None and kept in owned.get("fds", []), "host-reflagged-and-own",
           "the runtime's own fd %s is not declared in runtime_owned.fds" % kept)
    expect(7 not in owned.get("fds", []), "host-reflagged-and-own", "the re-flagged scenario fd 7 is declared as the runtime's")
    expect(owned.get("reflagged_fds") == [7], "host-reflagged-and-own", "reflagged_fds is not [7]")

    result, seen, _ = by_id["host-parent-pid-in-env"]
    told = json.loads(result.get("stderr") or "{}") if result.get("status") == "ran" else {}
    expect(told.get("env", {}).get("FDCONFORM_SUPERVISOR") == "pid=%s" % told.get("pid"), "host-parent-pid-in-env",
           "{parent_pid} in parent.env.set is %r, the runtime's pid is %r"
           % (told.get("env", {}).get("FDCONFORM_SUPERVISOR"), told.get("pid")))
    expect(told.get("env", {}).get("FDCONFORM_PLAIN") == "x", "host-parent-pid-in-env", "another variable changed")
    parent_env = (result.get("parent") or {}).get("env", [])
    expect("FDCONFORM_SUPERVISOR=pid=%s" % told.get("pid") in parent_env, "host-parent-pid-in-env",
           "the parent snapshot's environment does not hold the runtime's pid")
    expect("env" not in (result.get("runtime_owned") or {}).get("process", []), "host-parent-pid-in-env",
           "the scenario's environment is declared as the runtime's start-up change")
    return len(FAKE_SCENARIOS)


PERL_SCENARIOS = [
    {"id": "perl-fork-exec-steps", "parent": {"resources": RESOURCES},
     "spawn": {"fork_exec": {"steps": [{"set_inheritable": {"fd": "p.write", "value": True}},
                                       {"dup2": {"fd": "log", "to": 9}}, {"close": "log"}]}}},
    {"id": "perl-preexec-steps", "parent": {"resources": RESOURCES},
     "spawn": {"popen": {"close_fds": False,
                         "preexec": [{"dup2": {"fd": "p.read", "to": 11}},
                                     {"open": {"path": "made", "flags": ["wronly", "creat"], "fd": 12}},
                                     {"signal": {"name": "SIGUSR1", "action": "ignore"}}]}}},
    {"id": "perl-fork-exec-failing-step", "parent": {"resources": RESOURCES},
     "spawn": {"fork_exec": {"steps": [{"close": 40}]}}},
]


def check_perl(options, work, failures):
    argv = [options.host, "--", options.perl, os.path.abspath(options.perl_adapter)]
    (steps, preexec, failing), _ = replay(argv, PERL_SCENARIOS, options.probe, work)
    for result in (steps, preexec):
        if result.get("status") != "ran" or not result.get("probe"):
            failures.append("%s: not run with a probe report: %s" % (result.get("scenario"), json.dumps(result)[:1500]))
    if steps.get("probe"):
        fds = sorted(entry["fd"] for entry in steps["probe"]["fds"])
        if fds != [0, 1, 2, 6, 9]:
            failures.append("perl-fork-exec-steps: the child holds fds %s, not 0, 1, 2, 6 (made inheritable) and 9" % fds)
    if preexec.get("probe"):
        fds = sorted(entry["fd"] for entry in preexec["probe"]["fds"])
        ignored = preexec["probe"]["signals"]["ignored"]
        if not {11, 12} <= set(fds) or "SIGUSR1" not in ignored:
            failures.append("perl-preexec-steps: the child holds fds %s and ignores %s" % (fds, ignored))
    outcome = failing.get("outcome") or {}
    if failing.get("status") != "ran" or outcome.get("returncode") != 126:
        failures.append("perl-fork-exec-failing-step: a step that fails is not exit status 126: %s"
                        % json.dumps(failing)[:1500])
    return len(PERL_SCENARIOS)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--perl")
    parser.add_argument("--perl-adapter")
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kit-host-")
    failures = []
    try:
        count = check_fake(options, work, failures)
        if options.perl and options.perl_adapter and shutil.which(options.perl):
            count += check_perl(options, work, failures)
        else:
            print("skipped: the Perl adapter's part (no --perl, or %s not found)" % options.perl)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("FAIL: " + failure)
    print("kit host: %d scenarios, %d failures" % (count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
