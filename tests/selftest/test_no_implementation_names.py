"""The harness never names an implementation: runner/ and reports/ hold no column family's name.

Columns come from the drivers' discovery (docs/DRIVERS.md, "Discovery"); a runner that special-cases
one of them by name would make every other column second-class. The names looked for are the
families of every column `fdconform columns` lists here (the id up to its first '-', such as the
family of `spawn_core-vfork`), the driver folders' names, and the names of one runtime's tooling that
discovery used to live in the runner (pyenv, python3). Comments count too: a comment naming an
implementation is a sign of code that does.

  test_no_implementation_names.py FDCONFORM SOURCE_DIR
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".c", ".cmake", ".txt", ".js", ".css", ".html")
TOOLING_NAMES = ("pyenv", "python3")


def implementation_names(fdconform):
    listed = subprocess.run([fdconform, "columns"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=120)
    if listed.returncode != 0:
        raise AssertionError("fdconform columns failed: " + listed.stderr)
    names = set(TOOLING_NAMES)
    for line in listed.stdout.splitlines():
        column_id = line.split("\t", 1)[0]
        names.add(column_id.split("-", 1)[0])
    drivers_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(fdconform))), "drivers")
    for folder in os.listdir(drivers_dir) if os.path.isdir(drivers_dir) else []:
        if os.access(os.path.join(drivers_dir, folder, "columns"), os.X_OK):
            names.add(folder)
    return sorted(n for n in names if n)


def name_pattern(names):
    """What counts as naming an implementation: a column id or glob (`node-20`, `cpython-*`), a name
    as a quoted string, and the bare word (any case) for names that are not also everyday words of
    the code: a short plain word such as `node` (yaml-cpp's Node is everywhere in the loader) counts
    only in the first two forms."""
    forms = []
    for name in names:
        n = re.escape(name)
        forms.append(r"\b%s-[A-Za-z0-9*]" % n)
        forms.append(r"[\"']%s[\"']" % n)
        if "_" in name or any(c.isdigit() for c in name) or len(name) >= 6:
            forms.append(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % n)
    return re.compile("|".join(forms), re.IGNORECASE)


def occurrences(roots, names):
    """(path, line number, text) for every occurrence of a name in the sources (name_pattern)."""
    pattern = name_pattern(names)
    found = []
    for root in roots:
        for directory, _, files in os.walk(root):
            for name in sorted(files):
                if not (name.endswith(SOURCE_SUFFIXES) or name == "CMakeLists.txt"):
                    continue
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        for match in pattern.finditer(line):
                            found.append((path, number, match.group(0)))
    return found


class NoImplementationNames(unittest.TestCase):
    def test_the_names_are_found_from_discovery(self):
        names = implementation_names(FDCONFORM)
        # Two shipped drivers, each a family: if discovery listed nothing the test below would pass
        # for the wrong reason.
        self.assertGreaterEqual(len(set(names) - set(TOOLING_NAMES)), 2, names)

    def test_runner_and_reports_name_no_implementation(self):
        names = implementation_names(FDCONFORM)
        roots = [os.path.join(SOURCE_DIR, "runner"), os.path.join(SOURCE_DIR, "reports")]
        found = occurrences(roots, names)
        self.assertEqual(found, [], "implementation names in the harness:\n" + "\n".join(
            "%s:%d: %s" % (os.path.relpath(p, SOURCE_DIR), n, w) for p, n, w in found))

    def test_a_planted_name_is_found(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "commands"))
            with open(os.path.join(root, "commands", "columns.cpp"), "w") as f:
                f.write("int a;\n// the reference is Family_One unless\nint b;\n")
            self.assertEqual([(os.path.join(root, "commands", "columns.cpp"), 2, "Family_One")],
                             occurrences([root], ["family_one", "other"]))
            with open(os.path.join(root, "commands", "columns.cpp"), "w") as f:
                f.write('YAML::Node node;\nif (id.starts_with("node-20")) {}\nauto n = "node";\n')
            found = occurrences([root], ["node"])
            self.assertEqual([(2, "node-2"), (3, '"node"')], [(line, text) for _, line, text in found])


if __name__ == "__main__":
    FDCONFORM, SOURCE_DIR = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
