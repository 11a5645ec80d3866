"""oracle/columns and discover_columns.py: the CPython columns a machine has, and what the runner is
told when an offered path is not a Python or no Python exists (docs/DRIVERS.md, "Discovery").

  discover_columns_test.py SOURCE_DIR
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REAL_PYTHON = sys.executable


def fake_python(path, version=None):
    """A python3 at `path` that runs the real one; with `version`, a script that says only that."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        if version is None:
            f.write('#!/bin/sh\nexec %s "$@"\n' % REAL_PYTHON)
        else:
            f.write("#!/bin/sh\necho %s\n" % version)
    os.chmod(path, 0o755)
    return path


class Discovery(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fdconform-discovery-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def columns(self, *args, env_overrides=None, program=None):
        env = dict(os.environ)
        env.update(env_overrides or {})
        run = subprocess.run([program or os.path.join(SOURCE_DIR, "oracle", "columns")] + list(args),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        return [json.loads(line) for line in run.stdout.decode().splitlines() if line.strip()]

    def by_path(self, lines):
        return {line["argv"][0]: line for line in lines if "argv" in line}

    def test_pyenv_root_is_searched(self):
        python = fake_python(os.path.join(self.tmp, "versions", "9.1.2", "bin", "python3"), "9.1.2")
        found = self.by_path(self.columns(env_overrides={"PYENV_ROOT": self.tmp}))
        self.assertIn(python, found)
        self.assertEqual(found[python]["id"], "cpython-9.1.2")
        self.assertEqual(found[python]["reference_rank"], "1.9.1.2")
        self.assertFalse(found[python]["default"])

    def test_home_pyenv_when_pyenv_root_is_unset(self):
        python = fake_python(os.path.join(self.tmp, ".pyenv", "versions", "9.1.3", "bin", "python3"), "9.1.3")
        env = {"HOME": self.tmp, "PYENV_ROOT": ""}
        self.assertIn(python, self.by_path(self.columns(env_overrides=env)))

    def test_a_python3_on_path_is_found_but_not_a_shim(self):
        on_path = fake_python(os.path.join(self.tmp, "bin", "python3"), "9.2.0")
        shim = fake_python(os.path.join(self.tmp, "shims", "python3"), "9.3.0")
        env = {"PATH": os.path.join(self.tmp, "shims") + ":" + os.path.join(self.tmp, "bin") + ":/usr/bin:/bin"}
        found = self.by_path(self.columns(env_overrides=env))
        self.assertIn(on_path, found)
        self.assertNotIn(shim, found)

    def test_one_column_per_version_and_the_default_marked(self):
        lines = self.columns()
        ids = [line["id"] for line in lines if "argv" in line]
        self.assertEqual(len(ids), len(set(ids)), ids)
        defaults = [line for line in lines if line.get("default")]
        if os.access("/usr/bin/python3", os.X_OK):
            self.assertEqual([line["argv"][0] for line in defaults], ["/usr/bin/python3"])
        for line in lines:
            if "argv" in line:
                self.assertEqual(line["argv"][1:3], ["-I", "-S"])
                self.assertTrue(line["argv"][3].endswith("fdconform_oracle.py"), line)

    def test_an_offered_python_joins_the_run(self):
        python = fake_python(os.path.join(self.tmp, "custom", "python3"), "9.4.1")
        found = self.by_path(self.columns("--with", python))
        self.assertEqual(found[python]["with"], python)
        self.assertTrue(found[python]["default"])

    def test_an_offered_path_that_is_not_a_python_says_why(self):
        not_python = fake_python(os.path.join(self.tmp, "tool"), "hello")
        lines = self.columns("--with", not_python, "--with", os.path.join(self.tmp, "missing"))
        notices = {line["with"]: line["unavailable"] for line in lines if "unavailable" in line}
        self.assertIn("did not say its version", notices[not_python])
        self.assertIn("not an executable file", notices[os.path.join(self.tmp, "missing")])

    def test_no_python_at_all_is_one_unavailable_column(self):
        # A copy of the program where no interpreter can be found: an empty PATH, HOME and pyenv root.
        folder = os.path.join(self.tmp, "driver")
        shutil.copytree(os.path.join(SOURCE_DIR, "oracle"), folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
        script = os.path.join(folder, "columns")
        with open(script) as f:
            text = f.read()
        # The fixed system paths are the one thing an environment cannot hide: point them nowhere.
        with open(script, "w") as f:
            f.write(text.replace("/usr/bin/python3", "/nonexistent/python3")
                        .replace("/root/.pyenv", "/nonexistent/.pyenv"))
        env = {"PATH": "/nonexistent", "HOME": self.tmp, "PYENV_ROOT": self.tmp}
        lines = self.columns(env_overrides=env, program=script)
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual(lines[0]["id"], "cpython")
        self.assertIn("no Python 3 interpreter found", lines[0]["unavailable"])


if __name__ == "__main__":
    SOURCE_DIR = sys.argv[1]
    del sys.argv[1]
    unittest.main(verbosity=2)
