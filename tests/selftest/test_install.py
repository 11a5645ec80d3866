#!/usr/bin/env python3
"""An installed fdconform runs without the source or build tree.

Usage: test_install.py BUILD_DIR SOURCE_DIR [CPACK]

1. `cmake --install BUILD_DIR` into a temporary DESTDIR (prefix /usr, as the .deb has it), then the
   installed fdconform, started from a directory outside both trees with no FDCONFORM_* variable, runs
   scenarios from its installed corpus with its installed drivers, probe, oracle and expectations.
2. When cpack and dpkg-deb are there: `cpack -G DEB`, the package unpacked with `dpkg-deb -x` (nothing
   is installed on this machine), and the same run from the unpacked tree.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
SOURCE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".")
CPACK = sys.argv[3] if len(sys.argv) > 3 else shutil.which("cpack")
CMAKE = os.path.join(os.path.dirname(CPACK), "cmake") if CPACK and os.path.exists(
    os.path.join(os.path.dirname(CPACK), "cmake")) else shutil.which("cmake")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
FILTER = "^(umask|session-)"


def clean_environment():
    return {k: v for k, v in os.environ.items() if not k.startswith("FDCONFORM_")}


class Installed(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="fdconform-install-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def check_installed_tree(self, root):
        usr = os.path.join(root, "usr")
        for relative in ("bin/fdconform", "libexec/fdconform/fdconform-probe",
                         "libexec/fdconform/drivers/spawn_core/columns",
                         "libexec/fdconform/drivers/spawn_core/fdconform-driver-spawn-core",
                         "libexec/fdconform/drivers/cpython/columns",
                         "libexec/fdconform/drivers/cpython/discover_columns.py",
                         "libexec/fdconform/drivers/cpython/fdconform_oracle.py",
                         "share/fdconform/scenarios", "share/fdconform/expectations",
                         "share/doc/fdconform/README.md", "share/doc/fdconform/CLI.md", "share/doc/fdconform/CI.md"):
            self.assertTrue(os.path.exists(os.path.join(usr, relative)), relative)

        fdconform = os.path.join(usr, "bin", "fdconform")
        work = os.path.join(self.dir, "elsewhere")
        os.makedirs(work, exist_ok=True)
        version = subprocess.run([fdconform, "--version"], cwd=work, env=clean_environment(),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(version.returncode, 0, version.stdout)
        self.assertTrue(version.stdout.startswith("fdconform "), version.stdout)

        # No scenario path: the installed corpus. No --expectations: the installed expectation files.
        results = os.path.join(work, "results.json")
        run = subprocess.run([fdconform, "run", "--filter", FILTER, "--with", PYTHON, "-j2", "--json", results],
                             cwd=work, env=clean_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=600)
        self.assertEqual(run.returncode, 0, run.stdout)
        with open(results) as f:
            document = json.load(f)
        self.assertGreaterEqual(len(document["scenarios"]), 3)
        installed_data = os.path.join(usr, "share", "fdconform")
        for scenario in document["scenarios"]:
            self.assertTrue(os.path.realpath(scenario["file"]).startswith(os.path.realpath(installed_data)),
                            scenario["file"])
        ids = [i["id"] for i in document["implementations"]]
        self.assertIn("spawn_core-vfork", ids)
        self.assertTrue(any(i.startswith("cpython-") for i in ids), ids)
        for implementation in document["implementations"]:
            argv = " ".join(implementation.get("argv", []))
            self.assertNotIn(SOURCE + "/", argv, "a column runs from the source tree")
            self.assertNotIn(BUILD + "/", argv, "a column runs from the build tree")

    def test_cmake_install_into_destdir(self):
        root = os.path.join(self.dir, "destdir")
        install = subprocess.run([CMAKE, "--install", BUILD, "--prefix", "/usr"],
                                 env=dict(os.environ, DESTDIR=root), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=300)
        self.assertEqual(install.returncode, 0, install.stdout)
        self.check_installed_tree(root)

    @unittest.skipUnless(CPACK and shutil.which("dpkg-deb") and shutil.which("dpkg-shlibdeps"),
                         "needs cpack, dpkg-deb and dpkg-shlibdeps (dpkg-dev)")
    def test_deb_package_unpacked(self):
        packages = os.path.join(self.dir, "packages")
        build = subprocess.run([CPACK, "-G", "DEB", "-B", packages], cwd=BUILD, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=600)
        self.assertEqual(build.returncode, 0, build.stdout)
        debs = glob.glob(os.path.join(packages, "*.deb"))
        self.assertEqual(len(debs), 1, build.stdout)
        info = subprocess.run(["dpkg-deb", "--field", debs[0], "Package", "Depends"], stdout=subprocess.PIPE,
                              text=True, check=True)
        self.assertIn("fdconform", info.stdout)
        self.assertIn("python3", info.stdout)
        root = os.path.join(self.dir, "unpacked")
        subprocess.run(["dpkg-deb", "-x", debs[0], root], check=True)
        self.check_installed_tree(root)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
