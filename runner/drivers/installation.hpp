#pragma once
// Where the built-in pieces are: the spawn_core driver, the probe, the CPython oracle script.
// Found relative to the fdconform binary (paths baked in at build time), overridable by environment:
// FDCONFORM_DRIVER_DIR (directory of fdconform-driver-spawn-core), FDCONFORM_SOURCE_DIR, FDCONFORM_PROBE.
#include <string>

namespace fdconform {

struct Installation {
  std::string spawn_core_driver;  // executable
  std::string probe;              // executable
  std::string oracle_script;      // oracle/fdconform_oracle.py
  std::string cpython_ext_dir;    // <build>/cpython_ext: one _fdconform_posixsubprocess per CPython version
  std::string cpython_tests_script;        // cpython_ext/run-cpython-tests
  std::string cpython_tests_expectations;  // expectations/cpython-tests/test_subprocess.yaml
};

// Resolves against the running executable's directory (/proc/self/exe) when `binary_dir` is empty.
Installation find_installation(std::string binary_dir = {});

}  // namespace fdconform
