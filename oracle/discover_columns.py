"""The CPython columns of the matrix: one per Python 3 interpreter found on this machine.

The runner runs `oracle/columns` (docs/DRIVERS.md, "Discovery"), which runs this file under the
first Python 3 it finds; it prints one JSON object per line: a column descriptor per interpreter,
or a notice saying why an interpreter (or the whole family) cannot be a column. Standard library
only, and CPython 3.6 syntax: the only Python on a machine may be the oldest one.

Where interpreters are looked for: pyenv's versions (under $PYENV_ROOT, else ~/.pyenv, and
root's, so a run under another HOME still finds the machine's), Debian's /usr/bin/python3.N, and
the first python3 on the user's PATH (pyenv's shims left out: they only forward to a version
found above). `--with PATH` offers one more: its column is in every run that names it.

The default column (in a run that selects none) is the system's python3: /usr/bin/python3, else
the first python3 on PATH. Two paths to one file, or two interpreters of one version, are one
column; the first found keeps its path, the default first of all.
"""

import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_SCRIPT = os.path.join(HERE, "fdconform_oracle.py")
VERSION_QUERY = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
VERSION_TIMEOUT_SECONDS = 20


def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def python3_on_path():
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or directory.rstrip("/").endswith("/shims"):
            continue
        candidate = os.path.join(directory, "python3")
        if executable(candidate):
            return candidate
    return None


def pyenv_roots():
    roots = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    elif os.environ.get("HOME"):
        roots.append(os.path.join(os.environ["HOME"], ".pyenv"))
    roots.append("/root/.pyenv")
    return roots


def candidates():
    """(path, is_default) in the order columns are made: the default first, then the rest sorted."""
    default = "/usr/bin/python3" if executable("/usr/bin/python3") else python3_on_path()
    found = []
    for root in pyenv_roots():
        found.extend(glob.glob(os.path.join(glob.escape(root), "versions", "*", "bin", "python3")))
    for path in glob.glob("/usr/bin/python3.*"):
        # python3.N exactly: not python3.N-config, not python3.Nm.
        if path[len("/usr/bin/python3."):].isdigit():
            found.append(path)
    ordered = ([(default, True)] if default else []) + [(p, False) for p in sorted(found)]
    on_path = python3_on_path()
    if on_path:
        ordered.append((on_path, False))  # last: a version found above keeps its own path
    return ordered


def start_version_query(path):
    try:
        return subprocess.Popen([path, "-I", "-S", "-c", VERSION_QUERY], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:
        return error


def finish_version_query(started):
    """The interpreter's X.Y.Z, or (None, why not)."""
    if isinstance(started, OSError):
        return None, "cannot run it: %s" % (started.strerror or started)
    try:
        out, err = started.communicate(timeout=VERSION_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        started.kill()
        started.communicate()
        return None, "it did not say its version within %d s" % VERSION_TIMEOUT_SECONDS
    version = out.decode("utf-8", "replace").strip()
    parts = version.split(".")
    if started.returncode != 0 or len(parts) != 3 or not all(p.isdigit() for p in parts):
        said = (err or out).decode("utf-8", "replace").strip().splitlines()
        return None, "it did not say its version (exit status %d%s)" % (
            started.returncode, ": " + said[-1] if said else "")
    return version, None


def descriptor(path, version, default, offered):
    column = {
        "id": "cpython-" + version,
        "argv": [path, "-I", "-S", ORACLE_SCRIPT],
        "files": [ORACLE_SCRIPT],
        # The newest CPython is the default reference; any CPython ranks above spawn_core (0.1).
        "reference_rank": "1." + version,
        "default": default,
    }
    if offered is not None:
        column["with"] = offered
    return column


def parse_arguments(argv):
    offered = []
    i = 0
    while i < len(argv):
        if argv[i] != "--with" or i + 1 == len(argv):
            sys.stderr.write("usage: columns [--with PATH]...\n")
            sys.exit(2)
        offered.append(argv[i + 1])
        i += 2
    return offered


def main(argv):
    offered = parse_arguments(argv)
    lines = []
    # An offered path is the user's own choice: it comes first, keeps its path and is in the run.
    wanted = [(path, True, path) for path in offered] + [(p, d, None) for p, d in candidates()]
    queries = []
    seen_files = set()
    for path, default, offered_as in wanted:
        if offered_as is not None and not executable(path):
            lines.append({"with": path, "unavailable": "not an executable file: %s" % path})
            continue
        real = os.path.realpath(path)
        if real in seen_files and offered_as is None:
            continue
        seen_files.add(real)
        queries.append((path, default, offered_as, start_version_query(path)))
    seen_ids = {}
    for path, default, offered_as, started in queries:
        version, problem = finish_version_query(started)
        if version is None:
            notice = {"unavailable": "Python interpreter %s: %s" % (path, problem)}
            if offered_as is not None:
                notice["with"] = offered_as
            lines.append(notice)
            continue
        column = descriptor(path, version, default, offered_as)
        earlier = seen_ids.get(column["id"])
        if earlier is not None:
            # The same version twice is one column; an offered path or the default marks it so.
            earlier["default"] = earlier["default"] or default
            if offered_as is not None and "with" not in earlier:
                earlier["with"] = offered_as
            continue
        seen_ids[column["id"]] = column
        lines.append(column)
    if not seen_ids and not offered:
        lines.append({"id": "cpython", "default": True,
                      "unavailable": "no Python 3 interpreter found: looked for /usr/bin/python3, python3 "
                                     "on PATH, /usr/bin/python3.N and pyenv's versions"})
    for line in lines:
        sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
