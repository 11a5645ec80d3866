"""Byte-compiles a file with the interpreter running this script (py_compile,
errors raised), writing the .pyc into a temporary directory so the source tree
stays clean. Usage: PYTHON compile_check.py FILE. Runs on CPython 3.6+."""
import os
import py_compile
import sys
import tempfile

with tempfile.TemporaryDirectory() as directory:
    py_compile.compile(sys.argv[1], cfile=os.path.join(directory, "checked.pyc"), doraise=True)
print("%s compiles %s" % (sys.version.split()[0], sys.argv[1]))
